"""Helpers for the storage tests."""

from __future__ import annotations

from typing import Any

import pytest
from tests.storage._storage_support import T0, MakeIncident

from storage import incidents
from storage.db import Database
from storage.incident_models import Incident


@pytest.fixture
def make_incident(db: Database) -> MakeIncident:
    """Create and commit an incident; keyword arguments override the defaults."""

    async def make(**fields: Any) -> Incident:
        async with db.session() as session:
            ref = await incidents.next_ref(session=session, year=2026)
            values: dict[str, Any] = {
                "ref": ref, "platform": "slack", "reporter_id": "U1", "category": "other",
                "severity": "normal", "reported_at": T0, "policy_version": "2025-04-01",
            }
            values.update(fields)
            incident = await incidents.add_incident(session=session, incident=Incident(**values))
            await session.commit()
            return incident

    return make
