"""What intake and the reporter's changes share: the customer key and the frozen policy."""

from __future__ import annotations

import unicodedata

from bot.flows.context import Context


def customer_key(reference: str) -> str:
    """A customer reference normalised for matching (width, case, surrounding spaces)."""
    return unicodedata.normalize("NFKC", reference).casefold().strip()


def policy_snapshot(ctx: Context, severity_id: str) -> dict[str, object]:
    """The deadlines and options an incident was assessed with (Grafana OnCall's freeze)."""
    severity = ctx.policy.severity(severity_id)
    return {
        "severity": severity.model_dump(mode="json"),
        "options": [o.id for o in ctx.policy.options if severity_id in o.severities],
    }
