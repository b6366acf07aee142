"""What intake and the reporter's changes share: the customer key and the frozen policy."""

from __future__ import annotations

from bot.flows.context import Context
from storage.crypto import customer_key as _stored_key


def customer_key(reference: str) -> str:
    """The customer key of spec 8.5: NFKC, case-folded, every whitespace removed (the
    keyed hash applies it too; see :func:`storage.crypto.customer_key`)."""
    return _stored_key(reference)


def policy_snapshot(ctx: Context, severity_id: str) -> dict[str, object]:
    """The deadlines and options an incident was assessed with (Grafana OnCall's freeze)."""
    severity = ctx.policy.severity(severity_id)
    return {
        "severity": severity.model_dump(mode="json"),
        "options": [o.id for o in ctx.policy.options if severity_id in o.severities],
    }
