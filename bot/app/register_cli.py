"""``haven register list [--json] [--reveal]`` and ``haven register lift ID --reason TEXT``.

``--reveal`` prints the customer references and is audited (``register_revealed``, by
ids); ``lift`` is the administrators' break-glass: no second approval, audited as
``register_lifted`` with ``break_glass``, the reason kept encrypted on the entry.
"""

from __future__ import annotations

import argparse
import getpass
import json
from datetime import UTC
from typing import Any, TextIO

from bot.app.config import Settings
from bot.app.records import open_records
from bot.app.runtime import policy_from
from bot.model.clock import clock_from
from bot.model.inbound import normalize

from policy.model import Policy
from storage import register as store

from storage.register_models import RegisterEntry


def _actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def _row(policy: Policy, entry: RegisterEntry, *, reveal: bool) -> dict[str, Any]:
    since = entry.since.replace(tzinfo=UTC).astimezone(policy.zone).date().isoformat()
    row: dict[str, Any] = {"id": store.entry_id(entry), "scope": entry.scope, "since": since,
                           "review_on": entry.review_on.isoformat(), "incidents": list(entry.incidents),
                           "state": entry.state}
    if reveal:
        row["customer_ref"] = entry.customer_ref
    return row


async def register_command(settings: Settings, args: argparse.Namespace, *, out: TextIO, err: TextIO) -> int:
    if args.register_command == "lift":
        return await lift_command(settings, args.id, args.reason, out=out, err=err)
    policy = policy_from(settings)
    db = await open_records(settings)
    try:
        async with db.session() as session:
            entries = await store.list_entries(session=session, include_lifted=True)
            if args.reveal:
                for entry in entries:
                    await store.log(session=session, entry_id=entry.id, kind="register_revealed", actor=_actor(),
                                    at=clock_from(settings.clock_file).now())
                await session.commit()
    finally:
        await db.dispose()
    rows = [_row(policy, entry, reveal=args.reveal) for entry in entries]
    if args.json:
        out.write(json.dumps(rows, ensure_ascii=False, indent=2) + "\n")
        return 0
    if not rows:
        out.write("the register is empty\n")
    for row in rows:
        line = f"{row['id']}  {row['state']:<7} {row['scope']:<14} since {row['since']}  review {row['review_on']}  " \
               f"{' '.join(row['incidents'])}"
        out.write(line + (f"  {row['customer_ref']}" if args.reveal else "") + "\n")
    return 0


async def lift_command(settings: Settings, raw_id: str, reason: str, *, out: TextIO, err: TextIO) -> int:
    """Break-glass lift: exit 0, 1 (no such active entry) or 2 (bad input), one line."""
    number, why = store.parse_entry_id(raw_id), normalize(reason)
    if number is None:
        err.write(f"haven: {raw_id!r} is not a register entry id (REG-000001)\n")
        return 2
    if not why:
        err.write("haven: --reason must say why the entry is lifted\n")
        return 2
    db = await open_records(settings)
    try:
        async with db.session() as session:
            actor, now = _actor(), clock_from(settings.clock_file).now()
            if not await store.lift_now(session=session, entry_id=number, actor=actor, at=now, reason=why):
                err.write(f"haven: no active register entry {store.entry_id(number)}\n")
                return 1
            await store.log(session=session, entry_id=number, kind="register_lifted", actor=actor, at=now,
                            detail={"break_glass": True})
            await session.commit()
    finally:
        await db.dispose()
    out.write(f"lifted {store.entry_id(number)} (break-glass, audited)\n")
    return 0
