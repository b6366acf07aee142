"""Wiring of ``/hr/``: the sub-application, its templates, and the gate every request
passes (a live session of a current HR member; a CSRF token on every POST)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web
from multidict import MultiDictProxy

from bot.hr import export_page, insight_page, pages, record_pages, register_page, session_pages
from bot.hr.desk import DESK, LOCALE, VIEWER, Desk
from bot.hr.signin import COOKIE, same
from bot.hr.text import locale_of
from bot.model.i18n import t

HERE = Path(__file__).parent
OPEN_PATHS = frozenset({"/hr/signin", "/hr/login", "/hr/static/desk.css"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
                                "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@web.middleware
async def headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers.update(SECURITY_HEADERS)
        raise
    response.headers.update(SECURITY_HEADERS)
    return response


@web.middleware
async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    """No session, an ended one, or someone no longer HR: 401 and the sign-in page."""
    desk = request.app[DESK]
    request[LOCALE] = locale_of(request, desk.default_locale)
    if request.path in OPEN_PATHS:
        return await handler(request)
    row = await desk.signin.current(request.cookies.get(COOKIE))
    if row is None or not await desk.access.is_hr(row.identity):
        return session_pages.refuse(request)
    if request.method == "POST":
        form = await _form(request)
        token = form.get("csrf")
        if not isinstance(token, str) or not same(token, row.csrf):
            raise web.HTTPForbidden(text=t(request[LOCALE], "hr.error.csrf"))
    request[VIEWER] = row
    return await handler(request)


async def _form(request: web.Request) -> MultiDictProxy[Any]:
    """The desk's forms are URL-encoded UTF-8: any other body is refused before it is read
    as a form (415), and one that does not decode is a 400."""
    locale = request[LOCALE]
    if request.content_type != "application/x-www-form-urlencoded":
        raise web.HTTPUnsupportedMediaType(text=t(locale, "hr.error.form_type"))
    try:
        return await request.post()
    except (ValueError, LookupError):  # UnicodeDecodeError is a ValueError; LookupError: an unknown charset
        raise web.HTTPBadRequest(text=t(locale, "hr.error.form_body")) from None


def mount(parent: web.Application, desk: Desk) -> None:
    """Serve the desk under ``/hr/``."""
    app = web.Application(middlewares=[headers, gate])
    app[DESK] = desk
    aiohttp_jinja2.setup(
        app,
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    )
    app.router.add_get("/", session_pages.home)
    app.router.add_get("/signin", session_pages.signin)
    app.router.add_get("/login", session_pages.login)
    app.router.add_post("/logout", session_pages.logout)
    app.router.add_get("/static/desk.css", session_pages.stylesheet)
    app.router.add_get("/incidents", pages.incident_list)
    app.router.add_get("/incidents/{ref}", pages.incident_page, allow_head=False)  # HEAD is not a view
    app.router.add_head("/incidents/{ref}", pages.record_head)
    app.router.add_get("/insights", insight_page.insights)
    app.router.add_get("/incidents/{ref}/evidence.zip", record_pages.evidence_zip, allow_head=False)
    app.router.add_head("/incidents/{ref}/evidence.zip", pages.record_head)
    app.router.add_get("/export.csv", export_page.export_csv)
    app.router.add_get("/register", register_page.show)
    app.router.add_post("/register/{entry}", register_page.act)
    parent.add_subapp("/hr/", app)
