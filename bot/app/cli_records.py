"""How ``haven incidents`` prints: a readable summary of one incident, and checked paths."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from bot.app.cli_parser import UsageError

_FIELDS = (  # (label, key) of the summary's header block, in order
    ("Reported", "reported_at"), ("Occurred", "occurred_at"), ("Platform", "platform"),
    ("Reporter", "reporter_id"), ("Owner", "owner_id"), ("Acknowledged", "acknowledged_at"),
    ("Resolved", "resolved_at"), ("Legal hold", "legal_hold"), ("Policy", "policy_version"),
)
_TEXTS = (("Description", "description"), ("Exact words", "exact_words"), ("Demands", "demands"),
          ("Location", "location"), ("Evidence", "evidence"), ("Customer", "customer_ref"))


def readable(data: dict[str, Any]) -> str:
    """The summary ``haven incidents show`` prints without ``--json``."""
    flags = ", ".join(data.get("flags") or ())
    lines = [f"{data['id']}  {data['status']}  {data['severity']}  {data['category']}"
             + (f"  [{flags}]" if flags else "")]
    for label, key in _FIELDS:
        value = data.get(key)
        if value not in (None, "", False):
            lines.append(f"  {label + ':':<14}{'yes' if value is True else value}")
    for label, key in _TEXTS:
        if data.get(key):
            text = str(data[key]).replace("\n", "\n    ")
            lines.append(f"  {label}:\n    {text}")
    lines.append("  Trail:")
    for event in data.get("events") or ():
        option = f" ({event['option']})" if event.get("option") else ""
        lines.append(f"    {event['at']}  {event['kind']}{option}  by {event['actor']}")
    checkins = data.get("checkins") or ()
    answered = sum(1 for c in checkins if c.get("answered_at"))
    lines.append(f"  Check-ins:    {len(checkins)} planned, {answered} answered")
    states = Counter(row["state"] for row in data.get("outbox") or ())
    if states:
        lines.append("  Deliveries:   " + ", ".join(f"{n} {state}" for state, n in sorted(states.items())))
    lines.append("  (--json prints the whole record)")
    return "\n".join(lines) + "\n"


def check_out_path(path: str | None) -> None:
    """``--out`` must name a file in an existing folder; say so before any work is done."""
    if path is None:
        return
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"--out: {path} is a folder; give a file name, e.g. {target / 'incidents.csv'}")
    if not target.parent.is_dir():
        raise UsageError(f"--out: the folder {target.parent} does not exist")
