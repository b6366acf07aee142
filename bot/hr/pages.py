"""The desk's record pages: the incident list and one incident's whole record."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from aiohttp import web

from bot.hr import filters
from bot.model.i18n import t
from bot.hr.desk import DESK, LOCALE, VIEWER, Desk
from bot.hr.record_view import record_context
from bot.hr.text import render
from storage import desk_queries
from storage import incidents as repo

REF = re.compile(r"^INC-\d{4}-\d{6}$")


def _desk(request: web.Request) -> Desk:
    return request.app[DESK]


async def incident_list(request: web.Request) -> web.StreamResponse:
    """The list, filtered and paged; a page past the last one shows the last one."""
    desk = _desk(request)
    picked = filters.chosen(request, desk)
    where = filters.incident_filter(picked, desk)
    page = filters.page_asked(request)
    async with desk.db.session() as session:
        rows, total = await desk_queries.search_incidents(
            session=session, filters=where, limit=desk.page_size, offset=(page - 1) * desk.page_size)
        pages = max(1, -(-total // desk.page_size))
        if page > pages:
            page = pages
            rows, total = await desk_queries.search_incidents(
                session=session, filters=where, limit=desk.page_size, offset=(page - 1) * desk.page_size)
    locale = request[LOCALE]
    items = [{
        "ref": i.ref, "status": i.status, "severity": i.severity, "category": i.category,
        "severity_label": label(desk.policy.severities, i.severity, locale),
        "category_label": label(desk.policy.categories, i.category, locale),
        "reported_at": desk.local(i.reported_at), "owner": i.owner_id or "",
        "legal_hold": i.legal_hold,
    } for i in rows]
    return render("incidents.html", request, {
        "items": items, "total": total, "page": page, "pages": pages, "chosen": picked.values,
        "prev_query": picked.query(page=page - 1, lang=locale), "next_query": picked.query(page=page + 1, lang=locale),
        "export_query": picked.query(filters.EXPORT_FIELDS),
        "statuses": filters.STATUSES,
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
    """The whole record; every view (a ``GET``) is an ``hr_viewed`` event on the incident's trail."""
    desk = _desk(request)
    ref = request.match_info["ref"].upper()
    if not REF.match(ref):
        raise web.HTTPNotFound(text=t(request[LOCALE], "hr.error.no_incident"))
    viewer = request[VIEWER]
    async with desk.db.session() as session:
        incident = await repo.get_incident(session=session, ref=ref)
        if incident is None or incident.id is None:
            raise web.HTTPNotFound(text=t(request[LOCALE], "hr.error.no_incident"))
        await repo.add_event(session=session, incident_id=incident.id, kind="hr_viewed",
                             actor=viewer.identity.user_id, at=desk.clock.now())
        await session.commit()
    record = await desk.record(ref)
    if record is None:
        raise web.HTTPNotFound(text=t(request[LOCALE], "hr.error.no_incident"))
    return render("incident.html", request, {
        **record_context(desk.policy, record, request[LOCALE], local_iso(desk)), "viewer": viewer})


async def record_head(request: web.Request) -> web.StreamResponse:
    """``HEAD`` on a record or its evidence pack: whether it exists, with no body and no
    ``hr_viewed`` event (only a real ``GET`` shows the record, so only that is audited)."""
    ref = request.match_info["ref"].upper()
    if not REF.match(ref):
        raise web.HTTPNotFound()
    async with _desk(request).db.session() as session:
        if await repo.get_incident(session=session, ref=ref) is None:
            raise web.HTTPNotFound()
    return web.Response()


def local_iso(desk: Desk) -> Any:
    """Template filter: an ISO-8601 UTC string from the record → local ``YYYY-MM-DD HH:MM``."""
    def convert(value: str | None) -> str:
        if not value:
            return ""
        return desk.local(datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None))

    return convert
