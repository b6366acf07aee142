"""Signing in and out of the desk."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.hr.text import render
from bot.hr.desk import DESK, LOCALE, Desk
from bot.model.i18n import t
from bot.hr.signin import COOKIE, SESSION_LIFETIME

CSS = Path(__file__).parent / "templates" / "desk.css"


def _desk(request: web.Request) -> Desk:
    return request.app[DESK]


def refuse(request: web.Request, *, reason: str = "hr.signin.needed") -> web.StreamResponse:
    """401: the sign-in page for a browser, a short text for anything else; never data."""
    if "text/html" not in request.headers.get("Accept", ""):
        return web.Response(status=401, text=t(request.get(LOCALE, "en"), "hr.error.signin_api"))
    return render("signin.html", request, {"reason": reason}, status=401, here="/hr/signin")  # no echo of the path


async def signin(request: web.Request) -> web.StreamResponse:
    return render("signin.html", request, {"reason": "hr.signin.needed"})


async def home(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/hr/incidents")


async def login(request: web.Request) -> web.StreamResponse:
    """Spend the one-time link; the new session id replaces whatever cookie was there. A
    link that works for someone who is not HR is spent, and they are told they have no access."""
    desk = _desk(request)
    signed = await desk.signin.sign_in(request.query.get("token", ""))
    if signed is None:
        return render("signin.html", request, {"reason": "hr.signin.bad_link"}, status=401, here="/hr/signin")
    if not await desk.access.is_hr(signed[0]):  # a real link, for someone who is not (or no longer) HR
        await desk.signin.sign_out(signed[1].session_id)
        return render("signin.html", request, {"reason": "hr.signin.not_hr"}, status=401, here="/hr/signin")
    old = request.cookies.get(COOKIE)
    if old:
        await desk.signin.sign_out(old)
    response = web.HTTPSeeOther("/hr/incidents")
    response.set_cookie(COOKIE, signed[1].session_id, max_age=int(SESSION_LIFETIME.total_seconds()), path="/hr",
                        httponly=True, samesite="Strict", secure=desk.secure_cookie)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    await _desk(request).signin.sign_out(request.cookies.get(COOKIE, ""))
    response = web.HTTPSeeOther("/hr/signin")
    response.del_cookie(COOKIE, path="/hr")
    raise response


async def stylesheet(request: web.Request) -> web.StreamResponse:
    return web.Response(text=CSS.read_text(encoding="utf-8"), content_type="text/css")
