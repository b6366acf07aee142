"""Downloads of the record: the full export (``/hr/export.csv``) and one incident's
evidence pack (``/hr/incidents/INC-…/evidence.zip``)."""

from __future__ import annotations

import aiohttp_jinja2
from aiohttp import web

from bot.model.i18n import t
from bot.hr.desk import DESK, LOCALE, VIEWER, Desk, ExportRefused
from bot.hr.evidence import chain_and_trail, pack, trail_csv
from bot.hr.pages import REF, local_iso
from bot.hr.record_view import record_context
from bot.hr.text import translator
from storage import incidents as repo


async def export_csv(request: web.Request) -> web.StreamResponse:
    """The full export of spec 8.4 with the same filters as the CLI (from, to, site, status)."""
    desk = request.app[DESK]
    try:
        body = await desk.export_csv({k: v for k, v in request.query.items() if k in ("from", "to", "site", "status")
                                      and v})
    except ExportRefused as exc:
        raise web.HTTPBadRequest(text=str(exc)) from None
    return web.Response(body=body.encode("utf-8"), content_type="text/csv", charset="utf-8",
                        headers={"Content-Disposition": 'attachment; filename="haven-incidents.csv"'})


async def evidence_zip(request: web.Request) -> web.StreamResponse:
    desk: Desk = request.app[DESK]
    ref = request.match_info["ref"].upper()
    if not REF.match(ref):
        raise web.HTTPNotFound(text=t(request[LOCALE], "hr.error.no_incident"))
    found = await chain_and_trail(desk.db, ref)
    record = await desk.record(ref)
    if found is None or record is None:
        raise web.HTTPNotFound(text=t(request[LOCALE], "hr.error.no_incident"))
    chain, trail = found
    viewer = request[VIEWER]
    async with desk.db.session() as session:
        incident = await repo.get_incident(session=session, ref=ref)
        assert incident is not None and incident.id is not None
        await repo.add_event(session=session, incident_id=incident.id, kind="hr_viewed",
                             actor=viewer.identity.user_id, at=desk.clock.now(), detail={"as": "evidence_pack"})
        await session.commit()
    locale = request[LOCALE]
    html = aiohttp_jinja2.render_string("record_print.html", request, {
        **translator(request), **record_context(desk.policy, record, locale, local_iso(desk)), "chain": chain})
    body = pack(record, chain, html, trail_csv(trail, desk.local))
    return web.Response(body=body, content_type="application/zip",
                        headers={"Content-Disposition": f'attachment; filename="{ref}-evidence.zip"'})
