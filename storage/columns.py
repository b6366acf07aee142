"""Column types shared by the tables.

Every datetime is stored as naive UTC (``DateTime(timezone=False)``). sqlmodel 0.0.45+
would otherwise pick its ``UTCDateTime`` (``timezone=True``, aware values only) for a
plain ``datetime`` field. :class:`UTCNaiveDateTime` accepts naive values (taken as UTC)
and aware values (converted to UTC), and always returns naive UTC, so a time in another
zone can never be stored with its offset silently dropped.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, Dialect
from sqlalchemy.types import TypeDecorator

from storage.crypto import EncryptedText

__all__ = ["EncryptedText", "UTCNaiveDateTime"]


class UTCNaiveDateTime(TypeDecorator[datetime]):
    """A ``DateTime(timezone=False)`` column holding UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        """Convert aware datetimes to naive UTC; keep naive ones."""
        if value is None:
            return None
        if isinstance(value, datetime) and value.utcoffset() is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        unchanged: datetime | None = value  # a naive datetime, as stored
        return unchanged

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        """Return naive UTC (drop a UTC tzinfo a driver might add)."""
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC).replace(tzinfo=None)
        unchanged: datetime | None = value  # naive (UTC) or None
        return unchanged
