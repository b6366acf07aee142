"""The values storage itself filters on: incident statuses and job kinds.

They live here so that storage and the core share one spelling without storage
importing the core; :mod:`bot.flows.lifecycle` re-exports them with the transitions.
"""

from __future__ import annotations

from enum import StrEnum


class Status(StrEnum):
    """Where an incident is in its life (``incidents.status``)."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class JobKind(StrEnum):
    """What a row in ``jobs`` does when it falls due (``jobs.kind``)."""

    RENOTIFY = "renotify"
    PAGE = "page"
    REMIND_OWNER = "remind_owner"
    REMIND_CHANNEL = "remind_channel"
    ASK_JOIN = "ask_join"
    CHECKIN = "checkin"
    TALK_RENOTIFY = "talk_renotify"  # a request to talk nobody accepted within care.respond_within
    TALK_PAGE = "talk_page"  # ... nor within twice that: the next tier
