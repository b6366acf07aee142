"""Channel registration per site (spec 8.2): ``register supervisors SITE``,
``register escalation SITE``, ``register hr``, ``registrations``, ``unregister …``.

Only the platform's administrators (``HAVEN_SLACK_ADMINS`` / ``HAVEN_TEAMS_ADMINS``) may
use them, in a channel the adapter has checked (private, not shared outside, Haven a
member; Teams: no guests unless allowed). Registrations live in the database and
survive restarts; the environment's channels stay the default site's (and HR's).
"""

from __future__ import annotations

import logging
from bot.flows import moves, routes
from bot.flows.context import Context
from bot.model.commands import Answer, ChannelIn, Command, Verb
from bot.model.i18n import t
from bot.model.inbound import Actor
from bot.model.messages import Kind, Message, mention
from storage import registrations as store

log = logging.getLogger("haven.registry")
ADMIN_VARIABLES = {"slack": "HAVEN_SLACK_ADMINS", "teams": "HAVEN_TEAMS_ADMINS"}


def _say(locale: str, key: str, *, public: bool = False, **values: object) -> Answer:
    kind = Kind.DECISION if public else Kind.REFUSAL
    return Answer(Message(kind=kind, text=t(locale, key, **values), locale=locale), public=public)


def refusal(ctx: Context, actor: Actor) -> Answer | None:
    """Why ``actor`` may not manage registrations, or None (an administrator)."""
    variable = ADMIN_VARIABLES.get(actor.platform, "HAVEN_SLACK_ADMINS")
    admins = ctx.admins.get(actor.platform, frozenset())
    if not admins:
        return _say(actor.locale, "command.refused_admins_unset", variable=variable, user=actor.user_id)
    if actor.user_id not in admins:
        return _say(actor.locale, "command.refused_not_admin", variable=variable, user=actor.user_id)
    return None


async def handle(ctx: Context, actor: Actor, command: Command, channel: ChannelIn | None) -> Answer:
    """``register`` / ``unregister`` / ``registrations`` (anything else: the caller's job)."""
    refused = refusal(ctx, actor)
    if refused is not None:
        log.info("registration command refused for %s on %s", actor.user_id, actor.platform)
        return refused
    if command.verb == Verb.REGISTRATIONS:
        return await _list(ctx, actor)
    if command.problem == "bad_register" or command.role is None:
        return _say(actor.locale, "command.bad_register")
    site = _site(ctx, command)
    if site is None:
        return _say(actor.locale, "command.bad_site", site=command.site, sites=_ids(ctx))
    if command.verb == Verb.UNREGISTER:
        return await _unregister(ctx, actor, command.role, site)
    if channel is None:
        return _say(actor.locale, "command.refused_channel", problem=t(actor.locale, "command.problem_where"))
    problem = await channel.check()
    if problem is not None:
        return _say(actor.locale, "command.refused_channel", problem=_problem(actor.locale, problem))
    return await _register(ctx, actor, command.role, site, channel)


def _site(ctx: Context, command: Command) -> str | None:
    """The registration's site key: "" for HR (and for a policy without sites); None: unknown."""
    if command.role == "hr":
        return ""
    if not ctx.policy.sites:
        return "" if command.site is None else None
    if command.site is None:
        return ctx.policy.sites[0].id
    return command.site if command.site in {s.id for s in ctx.policy.sites} else None


async def _register(ctx: Context, actor: Actor, role: str, site: str, channel: ChannelIn) -> Answer:
    async with ctx.db.session() as session:
        await store.register(session=session, platform=actor.platform, role=role, site=site,
                             channel_id=channel.channel_id, data=channel.data, registered_by=actor.user_id,
                             at=ctx.wall_now())
        await session.commit()
    routes.forget(ctx)
    log.info("%s channel %s registered for %s/%s by %s", actor.platform, channel.channel_id, role, site or "-",
             actor.user_id)
    if role == "hr":
        await moves.release_held(ctx, actor.platform)
    locale = ctx.channel_locale
    return _say(locale, "command.registered", public=True, what=_what(ctx, role, site, locale),
                user=mention(actor.user_id))


async def _unregister(ctx: Context, actor: Actor, role: str, site: str) -> Answer:
    async with ctx.db.session() as session:
        removed = await store.unregister(session=session, platform=actor.platform, role=role, site=site)
        await session.commit()
    routes.forget(ctx)
    what = _what(ctx, role, site, actor.locale)
    if not removed:
        return _say(actor.locale, "command.not_registered", what=what)
    log.info("%s registration %s/%s removed by %s", actor.platform, role, site or "-", actor.user_id)
    return _say(actor.locale, "command.unregistered", public=True, what=what)


async def _list(ctx: Context, actor: Actor) -> Answer:
    async with ctx.db.session() as session:
        rows = await store.all_for(session=session, platform=actor.platform)
    locale = actor.locale
    if not rows:
        return _say(locale, "command.registrations_none")
    lines = "\n".join(t(locale, "command.registration_line", what=_what(ctx, r.role, r.site, locale),
                        channel=r.channel_id, user=mention(r.registered_by)) for r in rows)
    return _say(locale, "command.registrations", lines=lines)


def _what(ctx: Context, role: str, site: str, locale: str) -> str:
    if role == "hr":
        return t(locale, "command.role_hr")
    found = ctx.policy.site(site or None)
    return t(locale, f"command.role_{role}", site=found.labels.get(locale) if found else site or "-")


def _problem(locale: str, problem: str) -> str:
    key, _, detail = problem.partition(":")
    if key == "unknown":
        return t(locale, "command.problem_unknown", reason=detail or "?")
    if key == "guests":
        return t(locale, "command.problem_guests", count=detail or "?")
    return t(locale, f"command.problem_{key}")


def _ids(ctx: Context) -> str:
    return ", ".join(s.id for s in ctx.policy.sites) or "-"
