"""The numbers behind ``/hr/insights``: pure functions over incident rows.

Any breakdown cell under :data:`SMALL` reports is shown as "<5": a small number can
point at one person; cells and totals that would let a reader work one out are hidden
too (:mod:`bot.hr.insights_masking`). A time with nothing behind it (no incident
acknowledged) is :data:`NO_DATA`, a dash, not "<5"."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from statistics import quantiles
from zoneinfo import ZoneInfo

from bot.hr.insights_masking import HIDDEN as HIDDEN, MASK as MASK, SMALL as SMALL, Cell, protect_all
from storage.desk_queries import InsightRow

NO_DATA = "—"


def shown(count: int) -> str:
    return MASK if 0 < count < SMALL else str(count)


def month_of(moment: datetime, zone: ZoneInfo) -> str:
    return moment.replace(tzinfo=UTC).astimezone(zone).strftime("%Y-%m")


@dataclass(frozen=True)
class Breakdown:
    """Counts per month (columns) and per key (rows), e.g. category or site."""

    months: list[str]
    keys: list[str]
    counts: dict[Cell, int]  # (key, month) → count
    hidden: frozenset[Cell] = field(default_factory=frozenset)  # beyond the small ones (see protected)

    def cell(self, key: str, month: str) -> str:
        count = self.counts.get((key, month), 0)
        if (key, month) in self.hidden:
            return MASK if count < SMALL else HIDDEN
        return shown(count)

    def plotted(self, key: str) -> list[int | None]:
        """Chart values: cells under five, and cells hidden to protect them, are left out."""
        values: list[int | None] = []
        for month in self.months:
            count = self.counts.get((key, month), 0)
            values.append(count if count >= SMALL and (key, month) not in self.hidden else None)
        return values


@dataclass(frozen=True)
class Page:
    """The page's numbers after protection: tables, statuses as shown, and the total (or None)."""

    tables: list[Breakdown]
    statuses: list[str]
    total: str | None


def protected(tables: list[Breakdown], statuses: list[int]) -> Page:
    """Hide what would let a reader work out a "<5" (:func:`bot.hr.insights_masking.protect_all`)."""
    months = tables[0].months if tables else []
    done = protect_all([(b.keys, b.counts) for b in tables], months, statuses)
    return Page(tables=[replace(b, hidden=frozenset(h)) for b, h in zip(tables, done.hidden, strict=True)],
                statuses=[MASK if i in done.statuses and n < SMALL else HIDDEN if i in done.statuses else shown(n)
                          for i, n in enumerate(statuses)],
                total=shown(sum(statuses)) if done.total_shown else None)


def per_month(rows: list[InsightRow], key_of: str, keys: list[str], zone: ZoneInfo) -> Breakdown:
    counts: Counter[tuple[str, str]] = Counter()
    months: set[str] = set()
    for row in rows:
        month = month_of(row.reported_at, zone)
        months.add(month)
        counts[(str(getattr(row, key_of)), month)] += 1
    present = [k for k in keys if any(counts.get((k, m)) for m in months)]
    return Breakdown(months=sorted(months), keys=present, counts=dict(counts))


@dataclass(frozen=True)
class AckTimes:
    severity: str
    count: int
    p50: float | None  # minutes; None when fewer than five (or none: ``count == 0``) were acknowledged
    p90: float | None


def time_to_acknowledge(rows: list[InsightRow], severities: list[str]) -> list[AckTimes]:
    minutes: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        if row.acknowledged_at is not None:
            minutes[row.severity].append((row.acknowledged_at - row.reported_at).total_seconds() / 60)
    result = []
    for severity in severities:
        values = sorted(minutes.get(severity, []))
        if len(values) < SMALL:
            result.append(AckTimes(severity, len(values), None, None))
            continue
        cuts = quantiles(values, n=10, method="inclusive")
        result.append(AckTimes(severity, len(values), round(cuts[4], 1), round(cuts[8], 1)))
    return result


def by_status(rows: list[InsightRow]) -> dict[str, int]:
    return dict(Counter(row.status for row in rows))


def repeat_customers(rows: list[InsightRow]) -> tuple[int, int]:
    """(customers reported two or more times, incidents about them)."""
    per_customer = Counter(row.customer_hash for row in rows if row.customer_hash)
    repeats = {h: n for h, n in per_customer.items() if n >= 2}
    return len(repeats), sum(repeats.values())
