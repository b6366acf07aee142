"""What intake and the reporter's changes share: the customer key and the frozen policy."""

from __future__ import annotations

from bot.flows.context import Context
from policy.model import Policy
from storage.crypto import customer_key as _stored_key


def customer_key(reference: str) -> str:
    """The customer key of spec 8.5: NFKC, case-folded, every whitespace removed (the
    keyed hash applies it too; see :func:`storage.crypto.customer_key`)."""
    return _stored_key(reference)


def policy_snapshot(ctx: Context, severity_id: str) -> dict[str, object]:
    """The deadlines and options an incident was assessed with (Grafana OnCall's freeze).
    Built once per policy and severity (a burst of reports shares it)."""
    policy = ctx.policy
    cached = _SNAPSHOTS.get(id(policy))
    if cached is None or cached[0] is not policy:
        if len(_SNAPSHOTS) > 8:  # policies are few (one per process, a few in tests)
            _SNAPSHOTS.clear()
        cached = _SNAPSHOTS[id(policy)] = (policy, {})
    snapshot = cached[1].get(severity_id)
    if snapshot is None:
        severity = policy.severity(severity_id)
        snapshot = cached[1][severity_id] = {
            "severity": severity.model_dump(mode="json"),
            "options": [o.id for o in policy.options if severity_id in o.severities],
        }
    return dict(snapshot)


_SNAPSHOTS: dict[int, tuple[Policy, dict[str, dict[str, object]]]] = {}
