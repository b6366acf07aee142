"""HR's records: ``haven incidents list|show|export``, ``haven purge``, ``haven rotate-key``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

from bot.app import export
from bot.model.clock import iso
from bot.app.config import Settings
from bot.flows.retention import purge
from bot.app.cli_parser import Refused
from bot.app.cli_records import check_out_path, readable
from bot.app.runtime import build_runtime, open_database, policy_from
from storage import audit, care
from storage import incidents as repo
from storage import outbox_upkeep
from storage import schedule
from storage import versions
from storage.customer_keys import StaleHashes, check_hashes
from storage.db import Database
from storage.incident_models import Incident, ReportVersion

LIST_KEYS = ("id", "status", "severity", "category", "flags", "platform", "reporter_id", "reported_at")
FREE_TEXT = ("description", "exact_words", "demands", "location", "evidence", "customer_ref", "reported_for")


def summary(incident: Incident) -> dict[str, Any]:
    """The list/export shape: no free text."""
    return {
        "id": incident.ref,
        "status": incident.status,
        "severity": incident.severity,
        "category": incident.category,
        "flags": list(incident.flags or ()),
        "platform": incident.platform,
        "reporter_id": incident.reporter_id,
        "reported_at": iso(incident.reported_at),
    }


def _when(value: Any) -> str | None:
    return iso(value) if value is not None else None


async def detail(db: Database, ref: str) -> dict[str, Any] | None:
    """Everything about one incident, free text decrypted, with its trail, timers,
    check-ins and outbox rows."""
    async with db.session() as session:
        incident = await repo.get_incident(session=session, ref=ref)
        if incident is None or incident.id is None:
            return None
        events = await repo.events_for(session=session, incident_id=incident.id)
        jobs = await schedule.jobs_for(session=session, incident_id=incident.id)
        rows = await outbox_upkeep.messages_for(session=session, incident_id=incident.id)
        talks = await care.talks_for(session=session, incident_id=incident.id)
        kept = await versions.versions_for(session=session, incident=incident)
    data = summary(incident)
    data.update({
        "owner_id": incident.owner_id,
        "second_responder_id": incident.second_responder_id,
        "share_name": incident.share_name,
        "contact_channel": incident.contact_channel,
        "occurred_at": _when(incident.occurred_at),
        "held_minutes": incident.held_minutes,
        "acknowledged_at": _when(incident.acknowledged_at),
        "resolved_at": _when(incident.resolved_at),
        "legal_hold": incident.legal_hold,
        "hold_released_at": _when(incident.hold_released_at),
        "policy_version": incident.policy_version,
        "locale": incident.reporter_locale,
        "site": incident.site,
        "route": incident.route,
    })
    for name in FREE_TEXT:
        data[name] = getattr(incident, name)
    data["triage"] = list(incident.triage or ())
    data["events"] = [
        {"kind": e.kind, "actor": e.actor, "at": iso(e.at), **({"option": e.option} if e.option else {}),
         **({"detail": _readable(e.detail, e.note)} if e.detail else {})}
        for e in events
    ]
    data["talk_requests"] = [
        {"id": r.id, "route": r.route, "state": r.state, "requested_at": iso(r.requested_at),
         "accepted_by": r.accepted_by, "closed_at": _when(r.closed_at)}
        for r in talks
    ]
    data["versions"] = [_version(v) for v in kept]
    data["timers"] = [_job(j) for j in jobs if j.kind != "checkin"]
    data["checkins"] = [{**_job(j), "answer": j.answer, "answered_at": _when(j.answered_at)}
                        for j in jobs if j.kind == "checkin"]
    data["outbox"] = [
        {"id": r.id, "kind": r.kind, "op": r.op, "audience": r.audience, "state": r.state,
         "attempts": r.attempts, "last_error": r.last_error}
        for r in rows
    ]
    return data


def _readable(detail: dict[str, Any], note: str | None) -> dict[str, Any]:
    """An event's detail with its re-triage note (the event's encrypted ``note``, decrypted on load)."""
    return {**detail, "note": note} if "note" in detail else detail


def _version(version: ReportVersion) -> dict[str, Any]:
    """One version of the report's content (free text decrypted), with author and time."""
    data: dict[str, Any] = {"number": version.number, "author": version.author, "at": iso(version.at)}
    for name in versions.CONTENT:
        value = getattr(version, name)
        data[name] = _when(value) if name == "occurred_at" else value
    return data


def _job(job: Any) -> dict[str, Any]:
    return {"id": job.id, "kind": job.kind, "due_at": iso(job.due_at), "state": job.state,
            "attempts": job.attempts, "done_at": _when(job.done_at)}


async def open_records(settings: Settings, *, read_only: bool = False, hashes: bool = True) -> Database:
    """Connected, migrated and the key checked (one ConfigError line otherwise); unless
    read-only or ``hashes`` is False (``rotate-key`` itself), the customer hashes must be
    made under the configured key (:mod:`storage.customer_keys`)."""
    from bot.app.config import ConfigError

    db = await open_database(settings, read_only=read_only)
    if hashes and not read_only:
        try:
            await check_hashes(db)
        except StaleHashes as exc:
            await db.dispose()
            raise ConfigError(str(exc)) from None
    return db


async def incidents_command(settings: Settings, args: argparse.Namespace, *, out: TextIO) -> int:
    """Read-only: beside a running server these never take the write lock."""
    if args.incidents_command == "export":
        return await export_command(settings, args, out=out)
    db = await open_records(settings, read_only=True)
    try:
        if args.incidents_command == "show":
            ref = args.id.strip().upper()
            data = await detail(db, ref)
            if data is None:
                raise Refused(f"no incident {ref} (`haven incidents list` shows the references)")
            out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n" if args.json else readable(data))
            return 0
        async with db.session() as session:
            rows = [summary(i) for i in await repo.list_incidents(session=session)]
        if args.incidents_command == "list":
            if args.json:
                out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
            else:
                for row in rows:
                    out.write(f"{row['id']}  {row['status']:<12} {row['severity']:<9} {row['category']:<18} "
                              f"{row['reported_at']}\n")
            return 0
        raise AssertionError(args.incidents_command)
    finally:
        await db.dispose()


async def export_command(settings: Settings, args: argparse.Namespace, *, out: TextIO) -> int:
    """``haven incidents export``: the full record (spec 8.4). A bad filter or path is
    one line on stderr and exit 2; nothing is written."""
    from bot.app.cli_parser import UsageError

    check_out_path(args.out)
    policy = policy_from(settings)
    try:
        where = export.parse_filter(policy, start=args.from_date, end=args.to_date, site=args.site,
                                    status=args.status)
    except export.ExportError as exc:
        raise UsageError(str(exc)) from None
    db = await open_records(settings, read_only=True)
    try:
        rows = await export.build_rows(db, policy, where)
    finally:
        await db.dispose()
    text = export.to_json(rows) if args.format == "json" else export.to_csv(rows)
    if args.out:
        try:
            Path(args.out).write_text(text, encoding="utf-8", newline="")
        except OSError as exc:
            raise Refused(f"--out: cannot write {args.out} ({exc.strerror or type(exc).__name__})") from None
    else:
        out.write(text)
    return 0


async def purge_command(settings: Settings, *, dry_run: bool, out: TextIO) -> int:
    db = await open_records(settings)
    await db.dispose()
    runtime = build_runtime(settings)
    try:
        report = await purge(runtime.ctx, dry_run=dry_run)
        verb = "would purge" if dry_run else "purged"
        if report.purged:
            out.write(f"{verb} {len(report.purged)}: {' '.join(report.purged)}\n")
        else:
            out.write("nothing to purge: no closed incident is past its retention period\n")
        if report.held:
            out.write(f"kept on legal hold {len(report.held)}: {' '.join(report.held)}\n")
        if not dry_run and report.purged:
            out.write("edits of the chat posts are queued; `haven serve` delivers them\n")
    finally:
        await runtime.db.dispose()
    return 0


async def rotate_command(settings: Settings, *, out: TextIO) -> int:
    from storage.rekey import rekey

    db = await open_records(settings, hashes=False)  # an encrypted database without its key is refused first
    if not settings.encryption_key:
        await db.dispose()
        raise Refused("HAVEN_ENCRYPTION_KEY is not set: nothing to rotate")
    try:
        count = await rekey(db)
    finally:
        await db.dispose()
    out.write(f"re-encrypted and re-hashed {count} rows under the newest key; "
              "Haven may now run with that key alone\n")
    return 0


async def audit_command(settings: Settings, *, out: TextIO, err: TextIO) -> int:
    """``haven audit verify``: 0 when every incident's chain holds, 1 naming the first
    incident and event whose chain breaks. Needs no key: the chain covers ids, kinds, times and
    options, never encrypted text, and no encrypted column is read."""
    db = await open_database(settings, read_only=True, key=False)
    try:
        async with db.session() as session:
            checked, broken = await audit.verify(session=session)
    finally:
        await db.dispose()
    if broken is not None:
        err.write(f"haven: audit trail broken: {broken.ref} event {broken.seq} ({broken.reason})\n")
        return 1
    out.write(f"ok: the audit trail of {checked} incident{'' if checked == 1 else 's'} is intact\n")
    return 0
