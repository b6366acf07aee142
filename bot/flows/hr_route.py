"""Moving a live incident onto the HR route (spec 8.2), in the caller's transaction:
from a supervisor's ``move_to_hr``, the reporter's details, or a re-triage into a
restricted category."""

from __future__ import annotations

from bot.flows import care, routes
from bot.flows.context import Context, alert_posts, enqueue, load_view
from bot.model.messages import Audience, Kind, Message
from bot.model.alert import alert
from bot.model.views import notice
from storage import incidents as repo
from storage import sites as store
from storage.db import Session
from storage.incident_models import Incident


async def to_hr(session: Session, ctx: Context, incident: Incident, *, actor: str) -> None:
    """Move a live incident to HR in the caller's transaction: the line cards become a
    content-free notice, HR gets the alert, the reporter is told."""
    assert incident.id is not None
    old = await alert_posts(session, incident, ctx)
    await store.set_site(session=session, incident_id=incident.id, site=incident.site, route=routes.HR)
    moved = Message(kind=Kind.DECISION, text="", locale=ctx.channel_locale)  # the sender writes the notice
    for post in old:
        await enqueue(session, ctx, incident, Audience(post.audience), moved, op="update", reply_to=post.id)
    await alert_here(session, ctx, incident)
    await care.follow_to_hr(session, ctx, incident)
    await repo.add_event(session=session, incident_id=incident.id, kind="moved_to_hr", actor=actor,
                         at=ctx.now(), detail={"from_site": incident.site})
    told = notice(Kind.REPORTER_UPDATE, ctx.locale_of(incident), "sites.moved_to_hr_reporter", ref=incident.ref)
    await enqueue(session, ctx, incident, Audience.USER, told, user_id=incident.reporter_id)


async def alert_here(session: Session, ctx: Context, incident: Incident) -> None:
    view = await load_view(session, ctx, incident)
    await enqueue(session, ctx, incident, Audience.SUPERVISORS, alert(ctx.policy, view, ctx.channel_locale))
