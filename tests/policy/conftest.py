"""Fixtures for the pure policy tests: the bundled default policy and its calendar."""

from __future__ import annotations

import pytest

from policy.calendar import BusinessCalendar
from policy.loader import default_policy
from policy.model import Policy


@pytest.fixture(scope="session")
def policy() -> Policy:
    """The bundled reference policy."""
    return default_policy()


@pytest.fixture(scope="session")
def calendar(policy: Policy) -> BusinessCalendar:
    """The business calendar of the reference policy (Asia/Tokyo, 10:00-19:00, JP)."""
    return BusinessCalendar.from_policy(policy)
