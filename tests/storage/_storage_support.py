"""Constants and types shared by the storage tests (fixtures live in conftest.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from storage.incident_models import Incident

T0 = datetime(2026, 11, 30, 1, 0, 0)  # naive UTC
PG_URL_HINT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"

MakeIncident = Callable[..., Awaitable[Incident]]
