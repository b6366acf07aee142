"""Sites of incidents: where a reporter last reported from (the form's preselection)."""

from __future__ import annotations

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from storage.incident_models import Incident


async def last_site(*, session: AsyncSession, platform: str, reporter_id: str) -> str | None:
    """The site of the reporter's latest incident that has one, or None."""
    query = (
        select(Incident.site)
        .where(Incident.platform == platform, Incident.reporter_id == reporter_id, col(Incident.site).is_not(None))
        .order_by(col(Incident.id).desc())
        .limit(1)
    )
    return (await session.exec(query)).first()


async def set_site(*, session: AsyncSession, incident_id: int, site: str | None, route: str) -> None:
    """Move an incident to another site and/or route (its version bumped)."""
    incident = await session.get(Incident, incident_id)
    if incident is None:
        return
    incident.site = site
    incident.route = route
    incident.version += 1
    session.add(incident)
    await session.flush()


async def held(*, session: AsyncSession, platform: str) -> list[Incident]:
    """Incidents on the HR route still waiting for an HR channel on ``platform``."""
    query = select(Incident).where(Incident.platform == platform, Incident.route == "held").order_by(col(Incident.id))
    return list((await session.exec(query)).all())
