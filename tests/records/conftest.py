"""The records tests share the core's world: a migrated runtime on a fake clock with
three supervisors (Tuesday 2026-12-01 11:00 JST, inside business hours)."""

from __future__ import annotations

from tests.core.conftest import NOW, world

__all__ = ["NOW", "world"]
