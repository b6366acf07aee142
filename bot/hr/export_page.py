"""``/hr/export.csv``: the export's filters (from, to, site, status) are checked like the
list's, so both answer the same 400 in the viewer's language; then the download."""

from __future__ import annotations

from aiohttp import web

from bot.hr import filters, record_pages
from bot.hr.desk import DESK


async def export_csv(request: web.Request) -> web.StreamResponse:
    filters.chosen(request, request.app[DESK], filters.EXPORT_FIELDS)  # a 400 names the first bad filter
    return await record_pages.export_csv(request)
