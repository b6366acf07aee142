"""Which outbox rows go first: the claim serves by priority, then by due time.

* **urgent** — alerts and re-notifications of any severity ahead of the policy's least
  severe (with the default policy: critical and high), every page, and care messages
  (talk requests). Never folded into a backlog digest; ahead of everything else in
  their channel.
* **direct** — direct messages to a person (a reporter's receipt, a check-in): each
  person is their own channel, so they never wait behind a channel's backlog.
* **normal** — everything else (normal alerts, updates, digests).
* **held** — the further alerts of one person who reports faster than the policy's
  ``limits.reports_per_minute``: due at the end of their minute, then folded into one
  digest per person and minute (:func:`bot.delivery.digests.fold_held`). A report marked
  "in danger" is never held.

The numbers are storage's (:mod:`storage.outbox`), so the claim can order by them.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.model.messages import Audience, Kind
from policy.model import Policy
from storage.outbox import DIRECT, HELD, NORMAL, URGENT

__all__ = ["DIRECT", "HELD", "NORMAL", "URGENT", "held_until", "priority", "urgent_severities"]

ALERT_KINDS = frozenset({Kind.ALERT, Kind.RENOTIFY})
ALWAYS_URGENT = frozenset({Kind.PAGE, Kind.TALK_REQUEST})
DIRECT_AUDIENCES = frozenset({Audience.USER, Audience.REPORTER})
HELD_WINDOW = timedelta(minutes=1)


def urgent_severities(policy: Policy) -> frozenset[str]:
    """Every severity ahead of the least severe (the policy lists the most severe first)."""
    return frozenset(s.id for s in policy.severities[:-1])


def priority(policy: Policy, *, kind: str, audience: str, severity: str | None) -> int:
    """The claim priority of a new outbox row."""
    if audience in DIRECT_AUDIENCES:
        return DIRECT
    if kind in ALWAYS_URGENT or (kind in ALERT_KINDS and severity in urgent_severities(policy)):
        return URGENT
    return NORMAL


def held_until(reported_at: datetime) -> datetime:
    """A held alert is due at the end of its minute: one digest per person and minute."""
    return reported_at.replace(second=0, microsecond=0) + HELD_WINDOW
