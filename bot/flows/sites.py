"""The reporter's side of sites (spec 8.2): the last site, ``change_site`` and its small
form (``site_form``), and ``route_supervisors`` for a report held for HR."""

from __future__ import annotations

from bot.flows import moves, routes
from bot.flows.context import Context
from bot.flows.decisions import PressResult, refuse
from bot.model.i18n import t
from bot.model.inbound import Actor, FormIn, PressIn
from bot.model.messages import SITE_FORM, Action, Choice, Form, FormField, Kind, Message
from bot.model.views import notice
from storage import sites as store
from storage.incident_models import Incident

REPORTER_ACTIONS = frozenset({Action.CHANGE_SITE, Action.ROUTE_SUPERVISORS})


async def last_site_of(ctx: Context, actor: Actor) -> str | None:
    """The site of the reporter's latest report (to preselect in the form)."""
    async with ctx.db.session() as session:
        last = await store.last_site(session=session, platform=actor.platform, reporter_id=actor.user_id)
    return last if last in {s.id for s in ctx.policy.sites} else None


def site_form(ctx: Context, locale: str, incident: Incident) -> Form:
    """One field, ``site``, preselected with the incident's site."""
    choices = tuple(Choice(s.id, s.labels.get(locale)) for s in ctx.policy.sites)
    field = FormField("site", t(locale, "sites.form_site"), "select", required=True, choices=choices,
                      initial=routes.site_of(ctx, incident))
    intro = notice(Kind.REPORTER_UPDATE, locale, "sites.site_unchanged", ref=incident.ref,
                   site=_label(ctx, routes.site_of(ctx, incident), locale))
    return Form(title=t(locale, "sites.site_form_title"), submit=t(locale, "sites.site_form_submit"),
                intro=intro, fields=(field,), locale=locale, private_metadata=incident.ref, name=SITE_FORM)


async def reporter_press(ctx: Context, press: PressIn, incident: Incident) -> PressResult:
    """``change_site`` opens the site form; ``route_supervisors`` sends a held report on."""
    if incident.reporter_id != press.actor.user_id or incident.platform != press.actor.platform:
        return refuse(ctx, press, "not_reporter", "refusal.not_reporter")
    if press.action == Action.ROUTE_SUPERVISORS:
        return await moves.route_supervisors(ctx, press, incident)
    if not ctx.policy.sites:
        return refuse(ctx, press, "no_sites", "refusal.unknown_action")
    return PressResult(form=site_form(ctx, press.actor.locale, incident))


async def submit_site(ctx: Context, submitted: FormIn) -> Message:
    """The site form was sent: move the report (or say why not)."""
    raw = submitted.values.get("site")
    site_id = str(raw[0] if isinstance(raw, (list, tuple)) and raw else raw or "").strip()
    return await moves.change_site(ctx, submitted.actor, submitted.metadata, site_id)


def _label(ctx: Context, site_id: str | None, locale: str) -> str:
    site = ctx.policy.site(site_id)
    return site.labels.get(locale) if site is not None else ""
