"""The desk's record pages: the incident list and one incident's whole record."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from aiohttp import web

from bot.hr.text import render
from bot.hr.desk import DESK, LOCALE, VIEWER, Desk
from bot.hr.record_view import record_context
from storage import desk_queries
from storage import incidents as repo
from storage.desk_queries import IncidentFilter

REF = re.compile(r"^INC-\d{4}-\d{6}$")
STATUSES = ("open", "acknowledged", "resolved")


def _desk(request: web.Request) -> Desk:
    return request.app[DESK]


def _day(text: str, desk: Desk, name: str) -> datetime | None:
    """``YYYY-MM-DD`` (a local day) → naive UTC at its local midnight; bad input is a 400."""
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise web.HTTPBadRequest(text=f"{name}: expected a date as YYYY-MM-DD") from None
    local = datetime.combine(day, time(0), tzinfo=desk.policy.zone)
    return local.astimezone(UTC).replace(tzinfo=None)


def _choice(value: str, allowed: set[str], name: str) -> str | None:
    if not value:
        return None
    if value not in allowed:
        raise web.HTTPBadRequest(text=f"{name}: unknown value")
    return value


def filters_of(request: web.Request, desk: Desk) -> tuple[IncidentFilter, dict[str, str]]:
    q = request.query
    policy = desk.policy
    chosen = {k: q.get(k, "") for k in ("status", "severity", "category", "site", "from", "to")}
    until = _day(chosen["to"], desk, "to")
    filters = IncidentFilter(
        status=_choice(chosen["status"], set(STATUSES), "status"),
        severity=_choice(chosen["severity"], {s.id for s in policy.severities}, "severity"),
        category=_choice(chosen["category"], {c.id for c in policy.categories}, "category"),
        site=_choice(chosen["site"], {s.id for s in policy.sites}, "site"),
        reported_from=_day(chosen["from"], desk, "from"),
        reported_to=until + timedelta(days=1) if until else None,
    )
    return filters, chosen


def _page(request: web.Request) -> int:
    try:
        page = int(request.query.get("page", "1"))
    except ValueError:
        raise web.HTTPBadRequest(text="page: expected a whole number") from None
    if not 1 <= page <= 100_000:
        raise web.HTTPBadRequest(text="page: out of range")
    return page


async def incident_list(request: web.Request) -> web.StreamResponse:
    desk = _desk(request)
    filters, chosen = filters_of(request, desk)
    page = _page(request)
    async with desk.db.session() as session:
        rows, total = await desk_queries.search_incidents(
            session=session, filters=filters, limit=desk.page_size, offset=(page - 1) * desk.page_size)
    locale = request[LOCALE]
    items = [{
        "ref": i.ref, "status": i.status, "severity": i.severity, "category": i.category,
        "severity_label": label(desk.policy.severities, i.severity, locale),
        "category_label": label(desk.policy.categories, i.category, locale),
        "reported_at": desk.local(i.reported_at), "owner": i.owner_id or "",
        "legal_hold": i.legal_hold,
    } for i in rows]
    pages = max(1, -(-total // desk.page_size))
    query = "&".join(f"{k}={v}" for k, v in chosen.items() if v)
    return render("incidents.html", request, {
        "items": items, "total": total, "page": page, "pages": pages, "chosen": chosen, "query": query,
        "statuses": STATUSES,
        "severities": [(s.id, s.labels.get(locale)) for s in desk.policy.severities],
        "categories": [(c.id, c.labels.get(locale)) for c in desk.policy.categories],
        "sites": [(s.id, s.labels.get(locale)) for s in desk.policy.sites],
        "viewer": request[VIEWER],
    })


def label(items: Any, wanted: str, locale: str) -> str:
    for item in items:
        if item.id == wanted:
            return str(item.labels.get(locale))
    return wanted


async def incident_page(request: web.Request) -> web.StreamResponse:
    """The whole record; every view is an ``hr_viewed`` event on the incident's trail."""
    desk = _desk(request)
    ref = request.match_info["ref"].upper()
    if not REF.match(ref):
        raise web.HTTPNotFound(text="no such incident")
    viewer = request[VIEWER]
    async with desk.db.session() as session:
        incident = await repo.get_incident(session=session, ref=ref)
        if incident is None or incident.id is None:
            raise web.HTTPNotFound(text="no such incident")
        await repo.add_event(session=session, incident_id=incident.id, kind="hr_viewed",
                             actor=viewer.identity.user_id, at=desk.clock.now())
        await session.commit()
    record = await desk.record(ref)
    if record is None:
        raise web.HTTPNotFound(text="no such incident")
    return render("incident.html", request, {
        **record_context(desk.policy, record, request[LOCALE], local_iso(desk)), "viewer": viewer})


def local_iso(desk: Desk) -> Any:
    """Template filter: an ISO-8601 UTC string from the record → local ``YYYY-MM-DD HH:MM``."""
    def convert(value: str | None) -> str:
        if not value:
            return ""
        return desk.local(datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None))

    return convert
