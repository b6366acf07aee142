"""The incident lifecycle as a table: what may happen in each status, and where it leads."""

from __future__ import annotations

import pytest

from bot.flows.lifecycle import TRANSITIONS, Status, Step, after, can


def test_acknowledging_an_open_incident_makes_it_acknowledged() -> None:
    assert after(Status.OPEN, Step.ACKNOWLEDGE) == Status.ACKNOWLEDGED


@pytest.mark.parametrize("status", [Status.OPEN, Status.ACKNOWLEDGED])
def test_open_and_acknowledged_incidents_can_be_resolved(status: Status) -> None:
    assert after(status, Step.RESOLVE) == Status.RESOLVED


def test_an_acknowledged_incident_is_not_acknowledged_again_nor_escalated() -> None:
    assert not can(Status.ACKNOWLEDGED, Step.ACKNOWLEDGE)
    assert not can(Status.ACKNOWLEDGED, Step.ESCALATE)
    assert can(Status.ACKNOWLEDGED, Step.REMIND)


def test_an_open_incident_is_escalated_but_no_owner_is_reminded() -> None:
    assert can(Status.OPEN, Step.ESCALATE)
    assert not can(Status.OPEN, Step.REMIND)


@pytest.mark.parametrize("step", list(Step))
def test_nothing_happens_to_a_resolved_incident(step: Step) -> None:
    assert not can(Status.RESOLVED, step)
    with pytest.raises(ValueError, match="not allowed"):
        after(Status.RESOLVED, step)


def test_an_unknown_status_allows_nothing() -> None:
    assert not any(can("archived", step) for step in Step)


def test_every_status_has_a_row_and_plain_strings_compare_equal() -> None:
    assert set(TRANSITIONS) == set(Status)
    assert can("open", Step.ACKNOWLEDGE) and Status.OPEN == "open"
