"""What a person sees on their home surface (Slack App Home), as neutral messages.

An employee sees the wellbeing resources (which are open now) and their own
incidents; a supervisor also sees the open incidents they may act on (their sites'
incidents; HR members the HR route's), with age and state — the same rule as the
buttons (:mod:`bot.flows.permissions`), failing closed. No free text is shown here:
ids, categories, severities, states and times only.
"""

from __future__ import annotations

from datetime import datetime

from bot.flows import permissions, routes
from bot.flows.context import Context
from bot.model.i18n import t
from bot.model.inbound import Actor
from bot.model.messages import Audience, Fact, Kind, Message, mention
from bot.model.ports import LookupFailed
from bot.model.views import local_time, wellbeing
from bot.flows.lifecycle import Status
from storage import incidents as repo
from storage.incident_models import Incident

MAX_LISTED = 20


async def home(ctx: Context, actor: Actor, *, supervisor: bool) -> tuple[Message, ...]:
    """The home surface, in order: wellbeing, the person's own reports, and for a
    supervisor (a member of the default supervisors' channel, ``supervisor``) or anyone who
    may act on an open incident, the open incidents they may act on."""
    locale = actor.locale
    now = ctx.now()
    async with ctx.db.session() as session:
        own = await repo.list_incidents(session=session, reporter_id=actor.user_id, platform=actor.platform)
        open_ = await repo.list_incidents(session=session, statuses=(Status.OPEN, Status.ACKNOWLEDGED),
                                          platform=actor.platform)
    mine = await _actionable(ctx, actor, open_)
    messages = [wellbeing(ctx.policy, locale, now), _own(ctx, own, locale)]
    if supervisor or mine:
        messages.append(_open(ctx, mine, locale, now))
    return tuple(messages)


async def _actionable(ctx: Context, actor: Actor, incidents: list[Incident]) -> list[Incident]:
    """The incidents ``actor`` may act on, asked once per place (site or HR); a look-up
    that fails lists nothing of that place."""
    answers: dict[tuple[bool, str | None], bool] = {}
    found = []
    for incident in incidents:
        hr = routes.on_hr_route(incident)
        place = (hr, None if hr else routes.site_of(ctx, incident))
        if place not in answers:
            try:
                answers[place] = await permissions.may_act_on(ctx, actor.user_id, incident, Audience.SUPERVISORS)
            except LookupFailed:
                answers[place] = False
        if answers[place]:
            found.append(incident)
    return found


def _own(ctx: Context, incidents: list[Incident], locale: str) -> Message:
    facts = tuple(
        Fact(i.ref, t(locale, "home.own_line", category=_category(ctx, i, locale),
                      status=status_label(i, locale), when=local_time(ctx.policy, i.reported_at)))
        for i in incidents[:MAX_LISTED]
    )
    return Message(kind=Kind.DIGEST, title=t(locale, "home.own_title"),
                   text=_more(t(locale, "home.own_intro" if incidents else "home.own_none"),
                              len(incidents), locale),
                   facts=facts, locale=locale)


def _open(ctx: Context, incidents: list[Incident], locale: str, now: datetime) -> Message:
    facts = tuple(
        Fact(i.ref, t(locale, "home.open_line", severity=ctx.policy.severity(i.severity).labels.get(locale),
                      category=_category(ctx, i, locale), status=status_label(i, locale),
                      age=age(now, i.reported_at, locale)))
        for i in incidents[:MAX_LISTED]
    )
    return Message(kind=Kind.DIGEST, title=t(locale, "home.open_title"),
                   text=_more(t(locale, "home.open_intro" if incidents else "home.open_none"),
                              len(incidents), locale),
                   facts=facts, locale=locale)


def _more(text: str, count: int, locale: str) -> str:
    if count > MAX_LISTED:
        return f"{text} {t(locale, 'home.more', count=count - MAX_LISTED)}"
    return text


def _category(ctx: Context, incident: Incident, locale: str) -> str:
    try:
        return ctx.policy.category(incident.category).labels.get(locale)
    except (KeyError, ValueError):
        return incident.category


def status_label(incident: Incident, locale: str) -> str:
    if incident.status == Status.ACKNOWLEDGED and incident.owner_id:
        return t(locale, "home.status_owned", owner=mention(incident.owner_id))
    return t(locale, f"home.status_{incident.status}")


def age(now: datetime, since: datetime, locale: str) -> str:
    """``45 min``, ``3 h 12 min``, ``2 d 4 h``."""
    minutes = max(0, int((now - since).total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return t(locale, "home.age_days", d=days, h=hours)
    if hours:
        return t(locale, "home.age_hours", h=hours, m=mins)
    return t(locale, "home.age_minutes", m=mins)
