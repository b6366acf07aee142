"""Building the report form for a new report or for adding details to one."""

from __future__ import annotations

from bot.model.clock import iso
from bot.flows.context import Context
from bot.model.forms import report_form
from bot.model.inbound import Actor
from bot.model.messages import Form, Message
from bot.model.views import wellbeing
from storage.incident_models import Incident


def new_form(ctx: Context, locale: str, intro: Message, *, prefill: dict[str, str] | None = None) -> Form:
    return report_form(ctx.policy, locale, intro, prefill=prefill)


async def details_form(ctx: Context, actor: Actor, incident: Incident) -> Form:
    """The form pre-filled with what the incident already holds; submitting it adds details."""
    prefill = {
        "category": incident.category,
        "share_name": "true" if incident.share_name else "false",
        "in_danger": "true" if "in_danger" in (incident.flags or ()) else "false",
    }
    if incident.site:
        prefill["site"] = incident.site
    if incident.route != "line":
        prefill["to_hr"] = "true"
    for name in ("description", "exact_words", "demands", "location", "evidence", "customer_ref", "contact_channel",
                 "reported_for"):
        value = getattr(incident, name)
        if value:
            prefill[name] = str(value)
    if incident.held_minutes is not None:
        prefill["held_minutes"] = str(incident.held_minutes)
    if incident.occurred_at is not None:
        prefill["occurred_at"] = iso(incident.occurred_at)
    intro = wellbeing(ctx.policy, actor.locale, ctx.now())
    return report_form(ctx.policy, actor.locale, intro, prefill=prefill, metadata=incident.ref, details=True)
