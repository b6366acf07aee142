"""Assembling the HR desk from the runtime (``haven serve`` and ``haven hr-link``)."""

from __future__ import annotations

from typing import TextIO

from bot.app.config import ConfigError, Settings
from bot.app.records import detail
from bot.app import export
from bot.app.runtime import Runtime, open_database
from bot.hr.access import HrAccess
from bot.hr.desk import Desk, ExportRefused
from bot.hr.signin import SignIn
from bot.model.clock import SystemClock
from storage.hr_desk import Identity


def build_desk(runtime: Runtime, *, access: HrAccess | None = None, signin: SignIn | None = None) -> Desk:
    """The desk shares the core's HR check (one membership cache) and sign-in links
    (tests pass their own, on a fake clock)."""
    settings = runtime.settings
    assert runtime.haven.desk is not None  # build_runtime always sets it

    async def record(ref: str) -> dict[str, object] | None:
        return await detail(runtime.db, ref)

    async def export_csv(filters: dict[str, str]) -> str:
        try:
            where = export.parse_filter(runtime.policy, start=filters.get("from"), end=filters.get("to"),
                                        site=filters.get("site"), status=filters.get("status"))
        except export.ExportError as exc:
            raise ExportRefused(str(exc).replace("--", "", 1)) from None
        return export.to_csv(await export.build_rows(runtime.db, runtime.policy, where))

    return Desk(
        db=runtime.db, policy=runtime.policy, clock=runtime.ctx.clock,
        access=access or runtime.haven.desk.access, signin=signin or runtime.haven.desk.signin, record=record,
        export_csv=export_csv, press=runtime.haven.press,
        default_locale=settings.locale,
        secure_cookie=settings.desk_url.startswith("https://"),
    )


async def hr_link_command(settings: Settings, *, user: str, platform: str, out: TextIO) -> int:
    """``haven hr-link --user ID``: a sign-in link printed, for trials on this machine only."""
    if not settings.host_is_loopback:
        raise ConfigError("hr-link: refused because HAVEN_HOST is not a loopback address "
                          "(HR members sign in with /haven hr in chat)")
    if user not in settings.hr_users:
        raise ConfigError(f"hr-link: {user} is not in HAVEN_HR_USERS")
    db = await open_database(settings)  # migrated, and the key checked like every command
    try:
        signin = SignIn(db=db, clock=SystemClock(), public_url=settings.desk_url)
        link = await signin.issue_link(Identity(platform=platform, user_id=user))
    finally:
        await db.dispose()
    out.write(link + "\n")
    return 0
