"""An incident's life: its statuses, what may happen in each, and where that leads.

``open`` → (acknowledge) → ``acknowledged`` → (resolve) → ``resolved``; an open incident
may also be resolved directly. Nothing happens to a resolved incident but check-ins,
details and retention. Storage's compare-and-set updates (:mod:`storage.incidents`)
enforce the same table under concurrency; :func:`can` is what the flows ask first.

:class:`Status` and :class:`JobKind` are defined in :mod:`storage.kinds` (storage filters
on them and must not import the core) and re-exported here.
"""

from __future__ import annotations

from enum import StrEnum

from storage.kinds import JobKind, Status

__all__ = ["TRANSITIONS", "JobKind", "Status", "Step", "after", "can"]


class Step(StrEnum):
    """What people (and Haven's timers) do to an incident."""

    ACKNOWLEDGE = "acknowledge"  # become the owner
    RESOLVE = "resolve"
    JOIN = "join"  # become the second responder
    CHOOSE = "choose"  # any other escalation option, a proposal or its approval
    ESCALATE = "escalate"  # a re-notification or a page: nobody has acknowledged yet
    REMIND = "remind"  # a resolution reminder to the owner or the channel
    RAISE = "raise"  # the reporter says they are in danger now


TRANSITIONS: dict[Status, dict[Step, Status]] = {
    Status.OPEN: {
        Step.ACKNOWLEDGE: Status.ACKNOWLEDGED,
        Step.RESOLVE: Status.RESOLVED,
        Step.JOIN: Status.OPEN,
        Step.CHOOSE: Status.OPEN,
        Step.ESCALATE: Status.OPEN,
        Step.RAISE: Status.OPEN,
    },
    Status.ACKNOWLEDGED: {
        Step.RESOLVE: Status.RESOLVED,
        Step.JOIN: Status.ACKNOWLEDGED,
        Step.CHOOSE: Status.ACKNOWLEDGED,
        Step.REMIND: Status.ACKNOWLEDGED,
        Step.RAISE: Status.ACKNOWLEDGED,
    },
    Status.RESOLVED: {},
}


def can(status: str, step: Step) -> bool:
    """Whether ``step`` may happen to an incident in ``status`` (an unknown status: never)."""
    try:
        return step in TRANSITIONS[Status(status)]
    except ValueError:
        return False


def after(status: str, step: Step) -> Status:
    """The status ``step`` leads to; ``ValueError`` when it may not happen in ``status``."""
    if not can(status, step):
        raise ValueError(f"{step} is not allowed when an incident is {status}")
    return TRANSITIONS[Status(status)][step]
