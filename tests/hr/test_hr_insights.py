"""``/hr/insights``: counts, masked small cells, SVG charts that load nothing from elsewhere."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.hr.insights import MASK, NO_DATA, per_month, repeat_customers, shown, time_to_acknowledge
from bot.model.inbound import Actor, PressIn
from bot.model.messages import Audience
from storage.desk_queries import InsightRow
from tests.hr.conftest import DeskWorld, seed

TOKYO = ZoneInfo("Asia/Tokyo")
T0 = datetime(2026, 11, 2, 1, 0)


def row(minutes_to_ack: float | None = None, *, category: str = "other", severity: str = "normal",
        at: datetime = T0, customer: str | None = None) -> InsightRow:
    ack = at + timedelta(minutes=minutes_to_ack) if minutes_to_ack is not None else None
    return InsightRow(at, category, severity, "acknowledged" if ack else "open", ack, customer, None)


def test_counts_under_five_are_masked_and_never_plotted() -> None:
    rows = [row(category="violence")] * 4 + [row(category="other")] * 6
    monthly = per_month(rows, "category", ["violence", "other"], TOKYO)
    assert monthly.months == ["2026-11"]
    assert monthly.cell("violence", "2026-11") == MASK
    assert monthly.cell("other", "2026-11") == "6"
    assert monthly.plotted("violence") == [None] and monthly.plotted("other") == [6]
    assert shown(0) == "0" and shown(5) == "5"


def test_months_are_counted_in_the_policy_time_zone() -> None:
    late_night = datetime(2026, 10, 31, 16, 30)  # 01:30 on 1 November in Tokyo
    monthly = per_month([row(at=late_night)] * 5, "category", ["other"], TOKYO)
    assert monthly.months == ["2026-11"]


def test_time_to_acknowledge_percentiles_need_five_acknowledgements() -> None:
    rows = [row(m) for m in (1, 2, 3, 4, 10)] + [row(5, severity="critical")] * 4
    normal, critical = time_to_acknowledge(rows, ["normal", "critical"])
    assert (normal.count, normal.p50) == (5, 3.0)
    assert normal.p90 is not None and 4 < normal.p90 <= 10
    assert (critical.count, critical.p50, critical.p90) == (4, None, None)


def test_repeat_customers_count_hashes_seen_twice() -> None:
    rows = [row(customer="h1"), row(customer="h1"), row(customer="h2"), row()]
    assert repeat_customers(rows) == (1, 2)


async def test_insights_page_draws_svg_with_a_table_and_nothing_from_elsewhere(desk_world: DeskWorld) -> None:
    await seed(desk_world.runtime, ["he shouted"] * 6)
    await desk_world.signed_in()
    response = await desk_world.client.get("/hr/insights")
    body = await response.text()
    assert response.status == 200
    assert body.count("<svg") == 3  # by category, by site, time to acknowledge
    assert "Reports per month by category (table)" in body
    assert re.search(r"<th scope=\"row\">Other harassment</th><td>6</td>", body)
    assert re.search(r"<th scope=\"row\">Head office</th><td>6</td>", body)  # quick reports: the default site
    hosts = set(re.findall(r"(?:src|href)=\"(https?://[^\"]+)\"", body))
    assert hosts == set()
    assert "<script" not in body
    japanese = await (await desk_world.client.get("/hr/insights?lang=ja")).text()
    assert "月別・種類別の報告件数" in japanese


def ack_cells(body: str, severity: str) -> list[str]:
    """The acknowledged, p50 and p90 cells of one severity's row in the time-to-acknowledge table."""
    table = body[body.index('<section aria-labelledby="ack">'):]
    row_html = table.split(f'<th scope="row">{severity}</th>', 1)[1].split("</tr>", 1)[0]
    return [html.unescape(cell) for cell in re.findall(r"<td>(.*?)</td>", row_html, re.DOTALL)]


async def test_no_acknowledged_incident_is_a_dash_and_one_to_four_stay_masked(desk_world: DeskWorld) -> None:
    refs = await seed(desk_world.runtime, ["he shouted"] * 6)
    desk_world.directory.supervisors.add("USUP1")
    for ref in refs[:3]:  # three acknowledged, all "normal"; nothing of any other severity
        result = await desk_world.runtime.haven.press(PressIn(Actor("test", "USUP1"), "acknowledge", ref,
                                                              Audience.SUPERVISORS))
        assert result.changed, result.replies
    await desk_world.signed_in()
    body = await (await desk_world.client.get("/hr/insights")).text()
    count, p50, p90 = ack_cells(body, "Normal")
    assert (count, p50, p90) == (MASK, "Too few to show", "Too few to show"), "1–4: never a dash, never '<5 min'"
    count, p50, p90 = ack_cells(body, "Critical")
    assert count == "0"
    for cell in (p50, p90):
        assert cell == (f'<span aria-hidden="true">{NO_DATA}</span>'
                        '<span class="visually-hidden">No data (nothing acknowledged)</span>'), cell
    assert "A dash (—) means there is no data" in body
    japanese = await (await desk_world.client.get("/hr/insights?lang=ja")).text()
    _, p50, _ = ack_cells(japanese, "緊急")
    assert NO_DATA in p50 and "データなし" in p50 and "<5" not in p50
    _, p50, p90 = ack_cells(japanese, "通常")
    assert p50 == p90 == "件数が少ないため非表示"
