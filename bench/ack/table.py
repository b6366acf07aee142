"""Summaries and the printed table (Markdown, so it can go into the README as is)."""

from __future__ import annotations

from dataclasses import dataclass, field

from bench.ack.loadgen import Run


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (``q`` in 0..100); NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(q / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


@dataclass
class Result:
    """One server's numbers."""

    name: str
    run: Run
    peak_rss_kb: int
    server_cpu: float  # server CPU seconds during the closed loop
    alert_latencies: list[float] = field(default_factory=list)
    alert_missing: int = 0
    alert_errors: int = 0
    drain_seconds: float | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def throughput(self) -> float:
        return len(self.run.ok) / self.run.elapsed if self.run.elapsed else 0.0

    def ack(self, q: float) -> float:
        return percentile([s.latency for s in self.run.ok], q) * 1000

    @property
    def ack_max(self) -> float:
        return max((s.latency for s in self.run.ok), default=float("nan")) * 1000


def _ratio(haven: float, base: float) -> str:
    return f"{haven / base:.2f}×" if base and base == base and haven == haven else "–"


def _ms(value: float) -> str:
    return "–" if value != value else f"{value:.1f} ms"


def render(results: list[Result], *, concurrency: int, rate: float) -> str:
    """The comparison table; the ratio column is Haven / baseline."""
    by = {r.name: r for r in results}
    haven, base = by.get("haven"), by.get("bolt")
    columns = [r for r in (base, haven) if r]
    head = "| metric | " + " | ".join(r.name for r in columns) + (" | haven / bolt |" if haven and base else " |")
    lines = [head, "|" + "---|" * (len(columns) + 1 + (1 if haven and base else 0))]

    def row(label: str, value, fmt, ratio: bool = True) -> None:  # type: ignore[no-untyped-def]
        cells = [fmt(value(r)) for r in columns]
        extra = [_ratio(value(haven), value(base)) if ratio else ""] if haven and base else []
        lines.append(f"| {label} | " + " | ".join(cells + extra) + " |")

    row(f"throughput (c={concurrency})", lambda r: r.throughput, lambda v: f"{v:,.0f} /s")
    row("ack p50", lambda r: r.ack(50), _ms)
    row("ack p99", lambda r: r.ack(99), _ms)
    row("ack max", lambda r: r.ack_max, _ms)
    row("errors", lambda r: r.run.errors, lambda v: f"{v} / {len(columns[0].run.sent):,}", ratio=False)
    row("peak RSS", lambda r: r.peak_rss_kb / 1024, lambda v: f"{v:.0f} MB")
    row("server CPU", lambda r: r.server_cpu / r.run.elapsed * 100, lambda v: f"{v:.0f} %", ratio=False)
    row("load generator CPU", lambda r: r.run.cpu / r.run.elapsed * 100, lambda v: f"{v:.0f} %", ratio=False)
    if haven:
        lat = haven.alert_latencies
        cells = (f"p50 {_ms(percentile(lat, 50) * 1000)} · p99 {_ms(percentile(lat, 99) * 1000)} · "
                 f"max {_ms(max(lat, default=float('nan')) * 1000)} · missing {haven.alert_missing}"
                 f" · errors {haven.alert_errors}")
        lines.append(f"| report→alert at {rate:g}/s | " + " | ".join(
            (cells if r is haven else "–") for r in columns) + (" | |" if base else " |"))
    return "\n".join(lines)


def verdict(results: list[Result], *, alert_target_ms: float = 100.0) -> list[str]:
    """The issue's targets, met or missed and by how much."""
    by = {r.name: r for r in results}
    haven, base = by.get("haven"), by.get("bolt")
    out: list[str] = []
    if haven and base:
        p99 = haven.ack(99) / base.ack(99)
        out.append(f"ack p99 ≤ 2× bolt: {'MET' if p99 <= 2 else 'MISSED'} ({p99:.2f}×)")
        tp = haven.throughput / base.throughput
        out.append(f"throughput ≥ ½ bolt: {'MET' if tp >= 0.5 else 'MISSED'} ({tp:.2f}×)")
    if haven:
        errors = haven.run.errors + haven.alert_errors + haven.alert_missing
        out.append(f"zero errors: {'MET' if errors == 0 else 'MISSED'} ({errors})")
        if haven.alert_latencies:
            p99 = percentile(haven.alert_latencies, 99) * 1000
            out.append(f"report→alert p99 < {alert_target_ms:.0f} ms: "
                       f"{'MET' if p99 < alert_target_ms else 'MISSED'} ({p99:.1f} ms)")
    return out
