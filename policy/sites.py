"""Sites and routes (spec 8.2): where people work, and which categories go to HR only.

``sites`` is a list; the first is the default (a quick report without a known site,
the environment's channels). Each site has its own business ``hours``; holidays and
closure days stay the policy's (``follow_ups``). ``routes.restricted`` lists the
categories whose incidents go to the HR channel only.

Imported at the end of :mod:`policy.model` (the schema's shared types live there).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from policy.model import OpeningHours, Text, _Strict

if TYPE_CHECKING:
    from policy.model import Policy


class SiteHours(OpeningHours):
    """When a site works: these weekdays, ``from``–``to`` in the policy time zone."""


class Site(_Strict):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)
    labels: Text
    hours: SiteHours


class Routes(_Strict):
    restricted: list[str] = Field(default_factory=list)


def problems(policy: Policy) -> list[str]:
    """Cross references of ``sites`` and ``routes``, one ``dotted.path: problem`` each."""
    found: list[str] = []
    seen: set[str] = set()
    for i, site in enumerate(policy.sites):
        if site.id in seen:
            found.append(f"sites.{i}.id: {site.id!r} appears more than once")
        seen.add(site.id)
    categories = {c.id for c in policy.categories}
    for i, category in enumerate(policy.routes.restricted):
        if category not in categories:
            found.append(f"routes.restricted.{i}: unknown category {category!r} "
                         f"(known: {', '.join(sorted(categories))})")
    return found
