"""The full export (spec 8.4): one row per incident, the spec's columns in the spec's
order, the latest version of each text, times in the policy time zone as
``YYYY-MM-DD HH:MM``. Used by ``haven incidents export`` and the HR desk's
``/hr/export.csv``.

``site`` and ``reported_for`` come from the incident when it has them (spec 8.2);
until then ``site`` is the policy's default site id (empty when the policy defines no
sites) and ``reported_for`` is empty.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.model.clock import DayOutOfRange, parse_day
from policy.model import Policy
from storage import export as queries
from storage.db import Database
from storage.incident_models import Event, Incident

COLUMNS = (
    "id", "site", "status", "severity", "category", "triage", "flags", "platform", "reporter_id",
    "reported_for", "reported_at", "occurred_at", "contact_channel", "customer_ref", "description",
    "exact_words", "demands", "held_minutes", "location", "evidence", "owner", "acknowledged_at",
    "resolved_at", "minutes_to_acknowledge", "minutes_to_resolve", "decisions", "legal_hold", "policy_version",
)
STATUSES = ("open", "acknowledged", "resolved")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DECISIONS = ("acknowledged", "option_chosen", "proposed", "approved", "rejected", "joined", "resolved",
             "hold_released", "triaged", "moved_to_hr", "site_changed")


class ExportError(ValueError):
    """A bad filter, as one line naming the option."""


@dataclass(frozen=True)
class ExportFilter:
    start: date | None = None  # first local day included
    end: date | None = None  # last local day included
    site: str | None = None
    status: str | None = None


def site_ids(policy: Policy) -> list[str]:
    """The policy's site ids, the default first (none before sites exist)."""
    return [str(site.id) for site in getattr(policy, "sites", None) or ()]


def parse_filter(policy: Policy, *, start: str | None = None, end: str | None = None,
                 site: str | None = None, status: str | None = None) -> ExportFilter:
    """Check the filters; :class:`ExportError` names the first bad one."""
    first, last = _day("--from", start), _day("--to", end)
    if first and last and first > last:
        raise ExportError(f"--from {first} is after --to {last}")
    if status is not None and status not in STATUSES:
        raise ExportError(f"--status: {status!r} is not one of {', '.join(STATUSES)}")
    known = site_ids(policy)
    if site is not None and site not in known:
        raise ExportError(f"--site: {site!r} is not a site of the policy (known: {', '.join(known) or 'none'})")
    return ExportFilter(start=first, end=last, site=site, status=status)


def _day(option: str, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return parse_day(value.strip())
    except DayOutOfRange as exc:
        raise ExportError(f"{option}: {exc}") from None
    except ValueError:
        raise ExportError(f"{option}: {value!r} is not a date as YYYY-MM-DD") from None


async def build_rows(db: Database, policy: Policy, where: ExportFilter) -> list[dict[str, Any]]:
    """The export's rows (free text decrypted), oldest report first."""
    start = _utc(policy, where.start) if where.start else None
    end = _utc(policy, where.end + timedelta(days=1)) if where.end else None
    statuses = (where.status,) if where.status else None
    async with db.session() as session:
        incidents = await queries.incidents_between(session=session, start=start, end=end, statuses=statuses)
        trails = await queries.events_by_incident(session=session, incident_ids=[i.id for i in incidents if i.id])
    rows = [row(policy, incident, trails.get(incident.id or 0, [])) for incident in incidents]
    return [r for r in rows if where.site is None or r["site"] == where.site]


def _utc(policy: Policy, day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=policy.zone).astimezone(UTC).replace(tzinfo=None)


def row(policy: Policy, incident: Incident, events: Sequence[Event]) -> dict[str, Any]:
    """One incident as the export's columns, in order."""
    defaults = site_ids(policy)
    values: dict[str, Any] = {
        "id": incident.ref,
        "site": getattr(incident, "site", None) or (defaults[0] if defaults else ""),
        "status": incident.status, "severity": incident.severity, "category": incident.category,
        "triage": list(getattr(incident, "triage", None) or ()), "flags": list(incident.flags or ()),
        "platform": incident.platform, "reporter_id": incident.reporter_id,
        "reported_for": getattr(incident, "reported_for", None) or "",
        "reported_at": local(policy, incident.reported_at), "occurred_at": local(policy, incident.occurred_at),
        "contact_channel": incident.contact_channel, "customer_ref": incident.customer_ref,
        "description": incident.description, "exact_words": incident.exact_words, "demands": incident.demands,
        "held_minutes": incident.held_minutes, "location": incident.location, "evidence": incident.evidence,
        "owner": incident.owner_id,
        "acknowledged_at": local(policy, incident.acknowledged_at),
        "resolved_at": local(policy, incident.resolved_at),
        "minutes_to_acknowledge": _minutes(incident.reported_at, incident.acknowledged_at),
        "minutes_to_resolve": _minutes(incident.reported_at, incident.resolved_at),
        "decisions": [_decision(policy, e) for e in events if e.kind in DECISIONS],
        "legal_hold": incident.legal_hold, "policy_version": incident.policy_version,
    }
    return {name: values[name] for name in COLUMNS}


def local(policy: Policy, moment: datetime | None) -> str | None:
    """Naive UTC → ``2026-12-01 11:00`` in the policy time zone (Excel reads it as a date)."""
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC).astimezone(policy.zone).strftime("%Y-%m-%d %H:%M")


def _minutes(start: datetime, end: datetime | None) -> int | None:
    return None if end is None else round((end - start).total_seconds() / 60)


def _decision(policy: Policy, event: Event) -> str:
    """``2026-12-01 11:30 triaged violence/critical → other/normal by suzuki (note: …)``: what a
    re-triage or a site change changed, and a re-triage's note (decrypted on load)."""
    what = f"{event.kind} {event.option}" if event.option else event.kind
    change = _change(event.detail or {})
    note = f" (note: {' '.join(event.note.split())})" if event.note else ""
    return f"{local(policy, event.at)} {what}{change} by {event.actor}{note}"


def _change(detail: dict[str, Any]) -> str:
    before, after = detail.get("from"), detail.get("to")
    if isinstance(before, dict) and isinstance(after, dict):  # triaged: category/severity
        return f" {before.get('category')}/{before.get('severity')} → {after.get('category')}/{after.get('severity')}"
    if isinstance(after, str):  # site_changed
        return f" {before or '-'} → {after}"
    return ""


def to_json(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as a JSON array (lists stay lists)."""
    return json.dumps(list(rows), ensure_ascii=False, indent=2) + "\n"


def to_csv(rows: Sequence[dict[str, Any]]) -> str:
    """The rows as CSV with a UTF-8 BOM (so Excel in Japan reads UTF-8); lists joined with
    ``; ``, booleans ``true``/``false``, nothing as an empty cell."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for values in rows:
        writer.writerow([_cell(values[name]) for name in COLUMNS])
    return "\ufeff" + buffer.getvalue()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = "; ".join(str(v) for v in value) if isinstance(value, list) else str(value)
    if text.startswith(FORMULA_STARTS):  # a report's words must never run as a spreadsheet formula
        return "'" + text
    return text
