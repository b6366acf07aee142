"""A "<5" on ``/hr/insights`` cannot be undone from the numbers beside it: a total, the
other cells of its month, or the same month in the other table."""

from __future__ import annotations

import re
from datetime import datetime
from itertools import product
from zoneinfo import ZoneInfo

from bot.hr.insights import HIDDEN, MASK, Breakdown, per_month, protected
from bot.hr.insights_masking import protect
from bot.model.inbound import Actor, FormIn
from storage.desk_queries import InsightRow
from tests.hr.conftest import DeskWorld

TOKYO = ZoneInfo("Asia/Tokyo")
NOV, DEC = datetime(2026, 11, 2, 1, 0), datetime(2026, 12, 1, 1, 0)


def rows(n: int, *, site: str = "head_office", category: str = "other", at: datetime = NOV) -> list[InsightRow]:
    return [InsightRow(at, category, "normal", "open", None, None, site)] * n


def tables(data: list[InsightRow]) -> list[Breakdown]:
    return [per_month(data, "category", ["violence", "other"], TOKYO),
            per_month(data, "site", ["head_office", "store_shibuya"], TOKYO)]


def readings(shown: list[str], total: int) -> set[tuple[int, ...]]:
    """Every set of counts a reader could believe, from one column's cells and its total."""
    ranges = [range(1, 5) if c == MASK else range(5, total + 1) if c == HIDDEN else [int(c)] for c in shown]
    return {guess for guess in product(*ranges) if sum(guess) == total}


def test_a_total_beside_exact_cells_no_longer_gives_a_small_one_away() -> None:
    data = rows(30, category="violence") + rows(25) + rows(2, site="store_shibuya")
    page = protected(tables(data), [57, 0, 0])
    by_category, by_site = page.tables
    assert page.total == "57" and by_category.cell("violence", "2026-11") == "30"  # the month's total is known
    cells = [by_site.cell("head_office", "2026-11"), by_site.cell("store_shibuya", "2026-11")]
    assert cells == [HIDDEN, MASK]  # "Head office 55 of 57" would make Shibuya exactly 2
    assert len({guess[1] for guess in readings(cells, 57)}) >= 2
    assert by_site.plotted("head_office") == [None]  # nor drawn to scale


def test_a_column_that_cannot_be_protected_is_hidden_in_every_table() -> None:
    data = rows(5) + rows(1, site="store_shibuya")  # six reports: 5 and 1, as 5 + "<5" would give 1 away
    page = protected(tables(data), [6, 0, 0])
    by_category, by_site = page.tables
    assert page.total is None and page.statuses == [HIDDEN, "0", "0"]  # else 6 - "≥5" gives the 1 away
    assert by_category.cell("other", "2026-11") == HIDDEN
    assert [by_site.cell("head_office", "2026-11"), by_site.cell("store_shibuya", "2026-11")] == [HIDDEN, MASK]


def test_a_quiet_month_hides_the_total_and_the_statuses_do_not_add_up_to_it() -> None:
    data = rows(30) + rows(2, at=DEC)  # the total minus November would be December's 2
    page = protected(tables(data), [12, 20, 0])
    assert page.total is None
    assert page.tables[0].cell("other", "2026-12") == MASK and page.tables[0].cell("other", "2026-11") == "30"
    assert HIDDEN in page.statuses or MASK in page.statuses


def test_protection_stops_once_every_small_cell_could_be_two_numbers() -> None:
    assert protect([55, 2]) == ({0, 1}, False)
    assert protect([40, 9, 3]) == ({1, 2}, False)  # the smallest other count is enough
    assert protect([20, 30]) == (set(), False)
    assert protect([1, 1]) == ({0, 1}, True)  # two reports of one each: nothing else to hide


async def test_the_page_hides_the_cell_that_would_undo_a_small_one(desk_world: DeskWorld) -> None:
    for n, site in enumerate(["head_office"] * 5 + ["store_shibuya"] * 2):
        outcome = await desk_world.runtime.haven.submit_form(FormIn(Actor("test", f"UREP{n}"), {
            "category": "other", "description": "he shouted", "site": site}))
        assert outcome.ref is not None, outcome.errors
    await desk_world.signed_in()
    body = await (await desk_world.client.get("/hr/insights")).text()
    assert "The last 12 months: 7 reports." in body
    assert re.search(r'<th scope="row">Head office</th><td>≥5</td>', body)
    assert re.search(r'<th scope="row">Shibuya store</th><td>&lt;5</td>', body)
    assert "another count of the same month (or status) is hidden too and shown as ≥5" in body
    japanese = await (await desk_world.client.get("/hr/insights?lang=ja")).text()
    assert "報告件数：7 件。5 件未満の件数は" in japanese
    assert "表示できるデータがありません" in japanese and "No data" not in japanese
