"""``/hr/insights``: trends over the last twelve months, as charts with tables beside them."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from aiohttp import web
from markupsafe import Markup

from bot.hr import charts
from bot.hr.desk import DESK, LOCALE, VIEWER
from bot.hr.insights import (HIDDEN, MASK, NO_DATA, by_status, per_month, protected, repeat_customers, shown,
                             time_to_acknowledge)
from bot.hr.text import render
from bot.model.i18n import t
from storage import desk_queries

PERIOD = timedelta(days=365)
STATUSES = ("open", "acknowledged", "resolved")


async def insights(request: web.Request) -> web.StreamResponse:
    desk = request.app[DESK]
    locale = request[LOCALE]
    policy = desk.policy
    async with desk.db.session() as session:
        rows = await desk_queries.insight_rows(session=session, since=desk.clock.now() - PERIOD)
    labels = {c.id: str(c.labels.get(locale)) for c in policy.categories}
    severity_labels = {s.id: str(s.labels.get(locale)) for s in policy.severities}
    monthly = per_month(rows, "category", list(labels), policy.zone)
    site_labels = {s.id: str(s.labels.get(locale)) for s in policy.sites}
    default_site = next(iter(site_labels), "")
    by_site = per_month([dataclasses.replace(r, site=r.site or default_site) for r in rows], "site",
                        list(site_labels), policy.zone)
    acks = time_to_acknowledge(rows, list(severity_labels))
    statuses = by_status(rows)
    page = protected([monthly, by_site] if site_labels else [monthly], [statuses.get(s, 0) for s in STATUSES])
    monthly, by_site = page.tables[0], page.tables[-1]
    customers, about_them = repeat_customers(rows)
    monthly_chart = charts.stacked_bars(
        t(locale, "hr.insights.per_month"), monthly.months,
        [(labels[key], monthly.plotted(key)) for key in monthly.keys], locale=locale)
    site_chart = charts.stacked_bars(
        t(locale, "hr.insights.per_site"), by_site.months,
        [(site_labels[key], by_site.plotted(key)) for key in by_site.keys], locale=locale) if site_labels else ""
    ack_chart = charts.bars(
        t(locale, "hr.insights.ack_time"), [severity_labels[a.severity] for a in acks],
        [("p50", [a.p50 for a in acks]), ("p90", [a.p90 for a in acks])], locale=locale)
    return render("insights.html", request, {
        "viewer": request[VIEWER], "total": page.total, "mask": MASK, "hidden": HIDDEN, "no_data": NO_DATA,
        "monthly": monthly, "labels": labels, "monthly_chart": Markup(monthly_chart),
        "by_site": by_site, "site_labels": site_labels, "site_chart": Markup(site_chart),
        "acks": acks, "severity_labels": severity_labels, "ack_chart": Markup(ack_chart),
        "statuses": list(zip(STATUSES, page.statuses, strict=True)),
        "repeat_customers": shown(customers), "repeat_incidents": shown(about_them),
    })
