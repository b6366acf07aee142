"""The supervisors' alert, a pure builder: the incident's facts, its history, the buttons
still on offer; the same message serves the page and every in-place update.

No I/O here: every function takes the policy, a locale and plain values (an
:class:`IncidentView`, a read-only snapshot of the incident).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot.model.clock import iso
from bot.model.i18n import t
from bot.model.messages import Action, Button, Fact, Kind, Message, mention
from bot.model.views import local_time
from policy.model import Policy
from policy.rules import next_step, options_for
from storage.kinds import Status

EXCERPT_CHARS = 300
_HISTORY_KEYS = {
    "acknowledged": "alert.decision_line",
    "option_chosen": "alert.decision_line",
    "resolved": "alert.decision_line",
    "proposed": "alert.proposed_line",
    "approved": "alert.approved_line",
    "rejected": "alert.rejected_line",
    "joined": "alert.joined_line",
    "triaged": "alert.triaged_line",
    "hold_released": "alert.decision_line",
}


@dataclass(frozen=True)
class HistoryLine:
    kind: str
    actor: str
    at: datetime
    option: str | None = None
    change: tuple[str, str] | None = None  # a re-triage: (from severity, to severity)


@dataclass(frozen=True)
class IncidentView:
    """What the alert shows: a read-only snapshot of an incident, free text decrypted."""

    ref: str
    reporter_id: str
    share_name: bool
    category: str
    severity: str
    flags: tuple[str, ...]
    status: str
    reported_at: datetime
    owner_id: str | None = None
    second_responder_id: str | None = None
    contact_channel: str | None = None
    customer_ref: str | None = None
    description: str | None = None
    earlier: tuple[str, ...] = ()
    chosen: dict[str, str] = field(default_factory=dict)
    history: tuple[HistoryLine, ...] = ()
    legal_hold: bool = False
    triage: tuple[str, ...] = ()  # the triage rule ids the words matched
    site: str | None = None
    route: str = "line"  # line | hr | held
    reported_for: str | None = None

    @property
    def done(self) -> frozenset[str]:
        """Options carried out (approved or needing none), acknowledge once owned."""
        done = {option for option, state in self.chosen.items() if state == "done"}
        return frozenset(done | ({"acknowledge"} if self.owner_id else set()))


def option_label(policy: Policy, option_id: str, locale: str) -> str:
    if not _has(policy, option_id):  # an action of Haven's own (release_hold)
        return t(locale, f"records.option_{option_id}")
    option = policy.option(option_id)
    return option.labels.get(locale) if option.labels else option_id


def option_done(policy: Policy, option_id: str, locale: str) -> str:
    if not _has(policy, option_id):
        return t(locale, f"records.done_{option_id}")
    option = policy.option(option_id)
    if option.done:
        return option.done.get(locale)
    return option_label(policy, option_id, locale)


def alert(policy: Policy, view: IncidentView, locale: str, *, kind: Kind = Kind.ALERT) -> Message:
    """The supervisors' alert (also the page and every in-place update)."""
    severity = policy.severity(view.severity)
    title = t(
        locale,
        "alert.title",
        severity=severity.labels.get(locale),
        ref=view.ref,
        category=policy.category(view.category).labels.get(locale),
    )
    return Message(
        kind=kind,
        title=title,
        text=_status_line(view, locale),
        facts=_facts(policy, view, locale),
        buttons=_alert_buttons(policy, view, locale),
        mentions=tuple(m for m in (view.owner_id, view.second_responder_id) if m),
        mention_channel=(view.severity == policy.severities[0].id and view.status == Status.OPEN),
        incident=view.ref,
        locale=locale,
        note=_history(policy, view, locale),
        timestamp=iso(view.reported_at),
    )


def _status_line(view: IncidentView, locale: str) -> str:
    if view.status == Status.RESOLVED:
        actor = next((h.actor for h in reversed(view.history) if h.kind == "resolved"), "")
        return t(locale, "alert.status_resolved", actor=mention(actor) if actor else "")
    if view.owner_id:
        return t(locale, "alert.status_acknowledged", owner=mention(view.owner_id))
    return t(locale, "alert.status_open" if view.route == "line" else "alert.status_open_hr")


def _facts(policy: Policy, view: IncidentView, locale: str) -> tuple[Fact, ...]:
    none = t(locale, "alert.none")
    reporter = mention(view.reporter_id) if view.share_name else t(locale, "alert.reporter_hidden")
    facts = [
        Fact(t(locale, "alert.category"), policy.category(view.category).labels.get(locale)),
        Fact(t(locale, "alert.severity"), policy.severity(view.severity).labels.get(locale)),
        Fact(t(locale, "alert.reporter"), reporter),
        Fact(
            t(locale, "alert.contact_channel"),
            t(locale, f"contact_channel.{view.contact_channel}") if view.contact_channel else none,
        ),
        Fact(t(locale, "alert.customer_ref"), view.customer_ref or none, user_text=bool(view.customer_ref)),
        Fact(t(locale, "alert.reported_at"), local_time(policy, view.reported_at)),
    ]
    site = policy.site(view.site)
    if site is not None:
        facts.append(Fact(t(locale, "sites.alert_site"), site.labels.get(locale)))
    if view.reported_for:
        facts.append(Fact(t(locale, "sites.alert_reported_for"), excerpt(view.reported_for), user_text=True))
    if view.route != "line":
        facts.append(Fact(t(locale, "sites.alert_route"), t(locale, "sites.alert_route_hr")))
    if view.description:
        facts.append(Fact(t(locale, "alert.excerpt"), excerpt(view.description), user_text=True))
    flags = [t(locale, f"alert.flag_{flag}") for flag in view.flags if flag in ("repeated", "in_danger")]
    if flags:
        facts.append(Fact(t(locale, "alert.flags"), ", ".join(flags)))
    if view.earlier:
        facts.append(Fact(t(locale, "alert.earlier"), ", ".join(view.earlier)))
    if view.second_responder_id:
        facts.append(Fact(t(locale, "alert.second_responder"), mention(view.second_responder_id)))
    if view.legal_hold:
        facts.append(Fact(t(locale, "alert.legal_hold"), t(locale, "alert.held")))
    if view.triage:
        facts.append(Fact(t(locale, "alert.triage"), ", ".join(view.triage)))
    step = next_step(policy, severity=view.severity, status=view.status, done=set(view.chosen) | view.done)
    if step is not None:
        facts.append(Fact(t(locale, "alert.next_step"), option_label(policy, step.id, locale)))
    return tuple(facts)


def _alert_buttons(policy: Policy, view: IncidentView, locale: str) -> tuple[Button, ...]:
    offered = options_for(policy, severity=view.severity, status=view.status, chosen=view.chosen)
    buttons = [
        Button(o.id, option_label(policy, o.id, locale), view.ref, style=_style(o.id, o.needs_approval))
        for o in offered
    ]
    needs_second = policy.severity(view.severity).responders >= 2
    if needs_second and view.status != Status.RESOLVED and not view.second_responder_id:
        buttons.append(Button(Action.JOIN, t(locale, "button.join"), view.ref))
    if view.status != "resolved":
        buttons.append(Button(Action.TRIAGE, t(locale, "button.triage"), view.ref))
    if view.legal_hold:  # also once resolved: that is when holds usually end
        buttons.append(Button(Action.RELEASE_HOLD, t(locale, "records.option_release_hold"), view.ref, style="danger"))
    if view.route == "line" and view.status != "resolved":
        buttons.append(Button(Action.MOVE_TO_HR, t(locale, "sites.button_move_to_hr"), view.ref))
    return tuple(buttons)


def _style(option_id: str, needs_approval: bool) -> str | None:
    if option_id == "acknowledge":
        return "primary"
    return "danger" if needs_approval else None


def _history(policy: Policy, view: IncidentView, locale: str) -> str | None:
    lines = []
    for line in view.history:
        key = _HISTORY_KEYS.get(line.kind)
        if key is None:
            continue
        what = _history_what(policy, line, locale)
        lines.append(
            t(
                locale,
                key,
                actor=mention(line.actor),
                what=what,
                option=option_label(policy, line.option, locale) if line.option else "",
                when=local_time(policy, line.at),
            )
        )
    return "\n".join(lines) or None


def _history_what(policy: Policy, line: HistoryLine, locale: str) -> str:
    if line.kind == "triaged" and line.change:
        before, after = (_severity_label(policy, s, locale) for s in line.change)
        return f"{before} → {after}"
    if line.kind == "acknowledged":
        return option_done(policy, "acknowledge", locale)
    if line.kind == "resolved":
        if _has(policy, "resolve"):
            return option_done(policy, "resolve", locale)
        return t(locale, "alert.resolved_fallback")
    return option_done(policy, line.option, locale) if line.option else ""


def _severity_label(policy: Policy, severity_id: str, locale: str) -> str:
    try:
        return policy.severity(severity_id).labels.get(locale)
    except KeyError:  # a severity the policy no longer has
        return severity_id


def _has(policy: Policy, option_id: str) -> bool:
    return any(o.id == option_id for o in policy.options)


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """A short excerpt of user text; adapters escape it."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
