"""Digests: when alerts for one channel queue faster than it accepts, post one message
listing each waiting incident (id, severity, excerpt, an acknowledge button) instead of
a storm of posts and 429 retries.

Folding is one transaction: the digest is queued as an outbox row of its own (kind
``digest``, no incident, so it never waits behind one) and each folded alert row moves
to state ``digested`` with ``sent_ref = {"digest": <digest outbox id>}``. Nothing can be
lost in between, and ``haven incidents show`` says where each alert went.

What happens to a digested alert later (see :mod:`bot.delivery.dispatcher`):

* an in-place update (a decision, e.g. someone pressed "Acknowledge" in the digest)
  posts the full alert, rendered from the incident's current state, as a new message,
  and the alert row then points at that post, so every later update edits it in place;
* a thread reply (a re-notification) goes into the digest's thread;
* a digest that dead-letters takes its alerts with it (each gets a ``dead_letter``
  event); purge removes the incident's line from the digest (:func:`without`).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from bot.flows.context import Context
from bot.flows.lifecycle import Status
from bot.model.i18n import t
from bot.model.messages import Button, Fact, Kind, Message
from bot.model.alert import excerpt, option_label
from storage import digests as store
from storage import incidents as repo
from storage import outbox
from storage.db import Session
from storage.digests import DIGESTED
from storage.delivery_models import OutboxMessage
from storage.incident_models import Incident

__all__ = ["DIGESTED", "DIGEST_MAX", "digest_message", "fold", "fold_held", "folded_into", "lists", "without"]

log = logging.getLogger("haven.outbox")
DIGEST_MAX = 20  # incidents per digest: two fact sections and one row of buttons in Block Kit


def digest_message(ctx: Context, incidents: Sequence[Incident], *, flood: int | None = None) -> Message:
    """The digest: one line (id · severity: excerpt) and one acknowledge button per incident.

    ``flood``: the digest of one person's held reports in a minute; titled "N reports from
    one person in 1 minute", it lists the :data:`DIGEST_MAX` most severe of them."""
    policy, locale = ctx.policy, ctx.channel_locale
    rank = {s.id: i for i, s in enumerate(policy.severities)}
    ordered = sorted(incidents, key=lambda i: (rank.get(i.severity, 99), i.ref))[:DIGEST_MAX]
    facts, buttons = [], []
    can_ack = any(o.id == "acknowledge" for o in policy.options)
    for incident in ordered:
        severity = policy.severity(incident.severity).labels.get(locale)
        text = excerpt(incident.description or incident.exact_words or "") or "—"
        facts.append(Fact(f"{incident.ref} · {severity}", text, user_text=True))
        if can_ack:
            label = f"{option_label(policy, 'acknowledge', locale)} {incident.ref}"
            buttons.append(Button("acknowledge", label, incident.ref, style="primary"))
    return Message(
        kind=Kind.DIGEST,
        title=(t(locale, "digest.flood", count=flood) if flood is not None
               else t(locale, "digest.title", count=len(ordered))),
        text=", ".join(i.ref for i in ordered),
        facts=tuple(facts),
        buttons=tuple(buttons),
        mention_channel=any(rank.get(i.severity) == 0 and i.status == Status.OPEN for i in ordered),
        locale=locale,
    )


async def fold(ctx: Context, rows: Sequence[OutboxMessage], *, worker: str, now: datetime) -> list[int]:
    """Fold claimed alert rows of one channel into digests; returns the digest outbox ids.

    Only rows this worker still holds are folded (compare-and-set on the claim), so a
    row whose lease expired and went elsewhere is never listed twice.
    """
    digests: list[int] = []
    for start in range(0, len(rows), DIGEST_MAX):
        chunk = rows[start:start + DIGEST_MAX]
        async with ctx.db.session() as session:
            held = [r for r in chunk if r.id is not None
                    and await store.take_for_digest(session=session, message_id=r.id, worker=worker)]
            incidents = await repo.incidents_by_ids(
                session=session, incident_ids=[r.incident_id for r in held if r.incident_id])
            if not incidents:
                await session.rollback()
                continue
            first = held[0]
            message = digest_message(ctx, incidents)
            digest = await outbox.enqueue(
                session=session, incident_id=None, platform=first.platform, kind=str(Kind.DIGEST),
                audience=first.audience, payload=message.to_json(), due_at=now, user_id=first.user_id,
                site=first.site,
            )
            assert digest.id is not None
            await store.point_at_digest(session=session, message_ids=[r.id for r in held if r.id is not None],
                                        digest_id=digest.id, at=now)
            await session.commit()
        digests.append(digest.id)
        ctx.metrics.digests.inc()
        log.info("outbox %s: digest of %d alerts (%s, %s)", digest.id, len(held), first.platform, first.audience)
    return digests


async def fold_held(ctx: Context, *, now: datetime) -> list[int]:
    """Fold the held alerts now due (a flood: more than ``limits.reports_per_minute`` reports
    from one person) into one digest per person, platform and channel; one transaction.
    Returns the digest outbox ids."""
    digests: list[int] = []
    async with ctx.db.session() as session:
        due = await store.held_due(session=session, now=now)
        if not due:
            await session.rollback()
            return []
        groups: dict[tuple[str, str, str], list[OutboxMessage]] = defaultdict(list)
        for row, reporter in due:
            groups[(row.platform, row.audience, reporter)].append(row)
        for (platform, audience, _), rows in groups.items():
            taken = await store.take_held(session=session, message_ids=[r.id for r in rows if r.id is not None])
            incidents = await repo.incidents_by_ids(
                session=session, incident_ids=[r.incident_id for r in rows if r.id in taken and r.incident_id])
            if not incidents:
                continue
            message = digest_message(ctx, incidents, flood=len(taken))
            digest = await outbox.enqueue(
                session=session, incident_id=None, platform=platform, kind=str(Kind.DIGEST),
                audience=audience, payload=message.to_json(), due_at=now)
            assert digest.id is not None
            await store.point_at_digest(session=session, message_ids=taken, digest_id=digest.id, at=now)
            digests.append(digest.id)
            log.info("outbox %s: digest of %d held alerts from one reporter (%s, %s)",
                     digest.id, len(taken), platform, audience)
        await session.commit()
    ctx.metrics.digests.inc(len(digests))
    return digests


def lists(message: Message) -> set[str]:
    """The incident ids a digest lists (one fact per incident, labelled ``INC-… · severity``)."""
    return {f.label.split(" ", 1)[0] for f in message.facts}


async def folded_into(session: Session, digest: OutboxMessage) -> list[OutboxMessage]:
    """The alert rows a digest stands for (found through the incidents it lists)."""
    refs = lists(Message.from_json(digest.payload))
    rows = await store.digested_alerts(session=session, refs=refs)
    return [r for r in rows if (r.sent_ref or {}).get("digest") == digest.id]


def without(message: Message, ref: str, notice: str) -> Message:
    """The digest with one incident's line replaced by a redaction notice (purge)."""
    facts = tuple(Fact(ref, notice) if f.label.split(" ", 1)[0] == ref else f for f in message.facts)
    buttons = tuple(b for b in message.buttons if b.value != ref)
    text = ", ".join(r for r in message.text.split(", ") if r != ref)
    return Message(kind=message.kind, title=message.title, text=text, facts=facts, buttons=buttons,
                   locale=message.locale)

