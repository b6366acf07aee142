"""What every part of the core shares: the database, the policy, the clock, the ports.

Also the two helpers every flow uses: reading an incident as an :class:`IncidentView`
and queueing an outbound message in the caller's transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from bot.flows import routes
from bot.model.clock import SystemClock
from bot.model.messages import Audience, Kind, Message
from bot.delivery.priority import priority
from bot.flows.metrics import Metrics
from bot.model.ports import Clock, Directory, Messenger
from bot.model.alert import HistoryLine, IncidentView, alert
from policy.calendar import BusinessCalendar
from policy.model import Policy
from policy.rules import repeated_window_start
from storage import choices
from storage import incidents as repo
from storage import outbox, outbox_upkeep
from storage.db import Database, Session
from storage.delivery_models import OutboxMessage
from storage.incident_models import Incident

log = logging.getLogger("haven.core")


@dataclass
class Context:
    db: Database
    policy: Policy
    clock: Clock
    metrics: Metrics
    default_locale: str = "en"
    messengers: dict[str, Messenger] = field(default_factory=dict)
    directories: dict[str, Directory] = field(default_factory=dict)
    wake: Callable[[], None] = lambda: None
    wall: Clock = field(default_factory=SystemClock)  # real time, for delivery retries
    admins: dict[str, frozenset[str]] = field(default_factory=dict)  # platform -> who may register channels
    hr_users: frozenset[str] = frozenset()  # HAVEN_HR_USERS: HR members besides the HR channel's (spec 8.6)
    calendar: BusinessCalendar = field(init=False)
    _calendars: dict[str | None, BusinessCalendar] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.calendar = BusinessCalendar.from_policy(self.policy)

    def calendar_for(self, site_id: str | None) -> BusinessCalendar:
        """Business time at a site: its hours, the policy's holidays and closure days."""
        cached = self._calendars.get(site_id)
        if cached is None:
            cached = self._calendars[site_id] = BusinessCalendar.for_site(self.policy, site_id)
        return cached

    def now(self) -> datetime:
        return self.clock.now()

    def wall_now(self) -> datetime:
        """Real time: outbox due times and retries never follow the test clock."""
        return self.wall.now()

    def locale_of(self, incident: Incident) -> str:
        return incident.reporter_locale or self.default_locale

    @property
    def channel_locale(self) -> str:
        """Channel posts are read by many people: ``HAVEN_LOCALE``."""
        return self.default_locale


async def load_view(session: Session, ctx: Context, incident: Incident) -> IncidentView:
    """Read an incident with its trail and choices, free text decrypted."""
    assert incident.id is not None
    events = await repo.events_for(session=session, incident_id=incident.id)
    chosen = await choices.chosen_options(session=session, incident_id=incident.id)
    earlier = tuple(await earlier_refs(session, ctx, incident.customer_hash,
                                      at=incident.reported_at, before=incident.ref))
    history = tuple(HistoryLine(e.kind, e.actor, e.at, e.option, change=_change(e.detail)) for e in events)
    return view_of(incident, earlier=earlier, chosen=chosen, history=history)


def _change(detail: dict[str, object] | None) -> tuple[str, str] | None:
    """A re-triage's (from, to) severities, from its event's detail."""
    before, after = (detail or {}).get("from"), (detail or {}).get("to")
    if isinstance(before, dict) and isinstance(after, dict):
        return str(before.get("severity")), str(after.get("severity"))
    return None


def view_of(incident: Incident, *, earlier: tuple[str, ...] = (), chosen: dict[str, str] | None = None,
            history: tuple[HistoryLine, ...] = ()) -> IncidentView:
    """The read-only snapshot an alert is rendered from (free text already decrypted)."""
    return IncidentView(
        ref=incident.ref,
        reporter_id=incident.reporter_id,
        share_name=incident.share_name,
        category=incident.category,
        severity=incident.severity,
        flags=tuple(incident.flags or ()),
        status=incident.status,
        reported_at=incident.reported_at,
        owner_id=incident.owner_id,
        second_responder_id=incident.second_responder_id,
        contact_channel=incident.contact_channel,
        customer_ref=incident.customer_ref,
        description=incident.description or incident.exact_words,
        earlier=earlier,
        chosen=chosen or {},
        history=history,
        legal_hold=incident.legal_hold,
        triage=tuple(incident.triage or ()),
        site=incident.site,
        route=incident.route,
        reported_for=incident.reported_for,
    )


async def earlier_refs(session: Session, ctx: Context, customer_hash: str | None, *,
                       at: datetime, before: str | None = None) -> list[str]:
    """Refs of earlier reports on the same customer within the repeated rule's window."""
    if not customer_hash:
        return []
    since = repeated_window_start(ctx.policy, at)
    refs = await repo.earlier_by_customer(session=session, customer_hash=customer_hash, since=since)
    return [r for r in refs if before is None or r < before]


async def enqueue(
    session: Session,
    ctx: Context,
    incident: Incident | None,
    audience: Audience,
    message: Message,
    *,
    platform: str | None = None,
    user_id: str | None = None,
    reply_to: int | None = None,
    op: str = "post",
) -> OutboxMessage:
    """Queue a message in the caller's transaction; it is sent after the commit, in the order
    of its priority (:mod:`bot.delivery.priority`).

    A channel message goes to the incident's site, or to HR on the HR route
    (:func:`bot.flows.routes.destination`): callers name the audience, never the channel."""
    audience, site = routes.destination(ctx, incident, audience)
    return await outbox.enqueue(
        session=session,
        incident_id=incident.id if incident else None,
        platform=platform or (incident.platform if incident else "console"),
        kind=str(message.kind.family),
        audience=str(audience),
        site=site,
        payload=message.to_json(),
        due_at=ctx.wall_now(),
        op=op,
        user_id=user_id,
        reply_to=reply_to,
        priority=priority(ctx.policy, kind=message.kind, audience=audience,
                          severity=incident.severity if incident else None),
    )


async def alert_posts(session: Session, incident: Incident, ctx: Context | None = None) -> list[OutboxMessage]:
    """The alert and page posts of an incident (what decisions update in place); with
    ``ctx``, only those where the incident lives now (a moved alert's old card is not)."""
    assert incident.id is not None
    rows = await outbox_upkeep.messages_for(session=session, incident_id=incident.id)
    return [
        r for r in rows
        if r.op == "post" and r.kind in (Kind.ALERT, Kind.PAGE) and r.state != "dead"
        and (ctx is None or routes.is_current(ctx, incident, r))
    ]


async def refresh_alerts(session: Session, ctx: Context, incident: Incident) -> None:
    """Queue an in-place update of every alert and page; rendered from state when sent."""
    view = await load_view(session, ctx, incident)
    for post in await alert_posts(session, incident, ctx):
        message = alert(ctx.policy, view, ctx.channel_locale, kind=Kind(post.kind))
        await enqueue(
            session, ctx, incident, Audience(post.audience), message, op="update", reply_to=post.id
        )
