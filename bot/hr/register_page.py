"""``/hr/register``: customers no longer served (spec 8.5). HR proposes to extend, lift or
widen an entry (one site's entry then applies to all sites); a second HR member approves
or rejects — the same core flow as the buttons in chat, so the same rules hold (HR
members only, no one approves their own proposal)."""

from __future__ import annotations

from datetime import UTC

from aiohttp import web

from bot.hr.desk import DESK, LOCALE, VIEWER, Desk
from bot.hr.text import render
from bot.model.i18n import t
from bot.model.inbound import Actor, PressIn
from bot.model.messages import Action, Audience
from storage import register as store

ACTIONS = {Action.REGISTER_EXTEND, Action.REGISTER_LIFT, Action.REGISTER_WIDEN, Action.APPROVE, Action.REJECT}
DONE: dict[str, str] = {  # what the register page confirms after the redirect (?done=…)
    Action.APPROVE: "approved", Action.REJECT: "rejected",
    Action.REGISTER_EXTEND: "proposed", Action.REGISTER_LIFT: "proposed", Action.REGISTER_WIDEN: "proposed",
}


def _scope(desk: Desk, scope: str, locale: str) -> str:
    if scope == store.ALL_SITES:
        return t(locale, "hr.register.all_sites")
    for site in getattr(desk.policy, "sites", None) or ():
        if site.id == scope:
            return str(site.labels.get(locale))
    return scope


async def _entries(desk: Desk, locale: str) -> list[dict[str, object]]:
    async with desk.db.session() as session:
        entries = await store.list_entries(session=session)
    return [{
        "id": store.entry_id(e), "scope": _scope(desk, e.scope, locale),
        "since": e.since.replace(tzinfo=UTC).astimezone(desk.policy.zone).date().isoformat(),
        "review_on": e.review_on.isoformat(), "incidents": list(e.incidents),
        "pending": e.pending, "pending_by": e.pending_by, "widens": e.scope != store.ALL_SITES,
    } for e in entries]


async def register_page(request: web.Request, *, notice: str | None = None, status: int = 200) -> web.StreamResponse:
    desk = request.app[DESK]
    done = request.query.get("done", "") if request.method == "GET" else ""
    return render("register.html", request, {
        "viewer": request[VIEWER], "entries": await _entries(desk, request[LOCALE]), "notice": notice,
        "done": t(request[LOCALE], f"hr.register.done.{done}") if done in DONE.values() else None,
    }, status=status, here=None if request.method == "GET" else "/hr/register")


async def show(request: web.Request) -> web.StreamResponse:
    """The register; ``?done=proposed|approved|rejected`` (after a POST) confirms what was done."""
    return await register_page(request)


async def act(request: web.Request) -> web.StreamResponse:
    """A proposal or a decision on one entry (the CSRF token was checked at the gate)."""
    desk = request.app[DESK]
    form = await request.post()
    action, entry = form.get("action"), request.match_info["entry"].upper()
    number = store.parse_entry_id(entry)
    if action not in ACTIONS or number is None:
        raise web.HTTPBadRequest(text=t(request[LOCALE], "hr.error.register_action"))
    async with desk.db.session() as session:
        if await store.get_entry(session=session, entry_id=number) is None:
            raise web.HTTPNotFound(text=t(request[LOCALE], "hr.error.no_entry"))
    viewer = request[VIEWER].identity
    result = await desk.press(PressIn(actor=Actor(viewer.platform, viewer.user_id, request[LOCALE]),
                                      action=str(action), value=entry, audience=Audience.SUPERVISORS))
    refusal = next((r.message.text for r in result.replies if r.private), None)
    if refusal:
        return await register_page(request, notice=refusal, status=409)
    raise web.HTTPSeeOther(f"/hr/register?lang={request[LOCALE]}&done={DONE.get(str(action), 'proposed')}")
