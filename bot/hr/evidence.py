"""The evidence pack of one incident (spec 8.6): ``record.json`` (with the audit-chain
result), a printable ``record.html``, ``trail.csv`` and ``SHA256SUMS`` over the three,
zipped. What an HR officer hands a labour inspector or an attorney."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass
from typing import Any

from storage import audit
from storage import incidents as repo
from storage.db import Database


@dataclass(frozen=True)
class Chain:
    """The audit-chain result for the pack: intact, or where it first breaks."""

    intact: bool
    events: int
    head: str | None
    broken_at: int | None = None
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        return {"intact": self.intact, "events": self.events, "head": self.head,
                "broken_at_event": self.broken_at, "reason": self.reason}


async def chain_and_trail(db: Database, ref: str) -> tuple[Chain, list[dict[str, Any]]] | None:
    async with db.session() as session:
        incident = await repo.get_incident(session=session, ref=ref)
        if incident is None or incident.id is None:
            return None
        found = await audit.verify_incident(session=session, incident=incident)
        events = await repo.events_for(session=session, incident_id=incident.id)
        chain = Chain(intact=found is None, events=incident.event_count, head=incident.chain_head,
                      broken_at=found.seq if found else None, reason=found.reason if found else None)
        trail = [{"seq": e.seq, "at": e.at, "kind": e.kind, "actor": e.actor, "option": e.option or "",
                  "hash": e.hash} for e in events]
    return chain, trail


def trail_csv(trail: list[dict[str, Any]], local: Any) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["seq", "at", "kind", "actor", "option", "hash"])
    for event in trail:
        writer.writerow([event["seq"], local(event["at"]), event["kind"], event["actor"], event["option"],
                         event["hash"]])
    return "\ufeff" + buffer.getvalue()


def pack(record: dict[str, Any], chain: Chain, html: str, trail: str) -> bytes:
    """The zip: three files and their SHA-256 sums, in a fixed order."""
    files = {
        "record.json": (json.dumps({**record, "audit_chain": chain.as_json()}, ensure_ascii=False, indent=2)
                        + "\n").encode("utf-8"),
        "record.html": html.encode("utf-8"),
        "trail.csv": trail.encode("utf-8"),
    }
    sums = "".join(f"{hashlib.sha256(data).hexdigest()}  {name}\n" for name, data in files.items())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in {**files, "SHA256SUMS": sums.encode("ascii")}.items():
            archive.writestr(name, data)
    return buffer.getvalue()
