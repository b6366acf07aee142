"""In-process fakes for the core's ports: a recording messenger and a directory."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from tests.support.clock import FakeClock
from tests.support.timing import TEST_COMMIT_WAIT
from bot.app.config import Settings
from bot.model.messages import Audience, Message
from bot.model.ports import DeliveryError, LookupFailed, Meta, PostRef, Target
from bot.app.runtime import Runtime, build_runtime, migrate


@dataclass
class Sent:
    op: str  # "post" | "update"
    target: Target | None
    message: Message
    meta: Meta
    thread: PostRef | None = None
    ref: PostRef | None = None


@dataclass
class RecordingMessenger:
    """Records every post and update; can be told to fail or to hang."""

    sent: list[Sent] = field(default_factory=list)
    failures: list[DeliveryError] = field(default_factory=list)  # raised, in order, before succeeding
    hang: asyncio.Event | None = None  # when set, posts wait for this event
    reachable_audiences: set[Audience] = field(
        default_factory=lambda: {Audience.SUPERVISORS, Audience.ESCALATION, Audience.USER}
    )

    async def post(self, target: Target, message: Message, *, meta: Meta, thread: PostRef | None = None) -> PostRef:
        if self.hang is not None:
            await self.hang.wait()
        if self.failures:
            raise self.failures.pop(0)
        ref = PostRef({"post": len(self.sent) + 1, "outbox_id": meta.outbox_id})
        self.sent.append(Sent("post", target, message, meta, thread, ref))
        return ref

    async def update(self, ref: PostRef, message: Message, *, meta: Meta) -> None:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append(Sent("update", None, message, meta, None, ref))

    async def reachable(self, audience: Audience) -> bool:
        return audience in self.reachable_audiences

    def to(self, audience: Audience, user_id: str | None = None) -> list[Sent]:
        return [s for s in self.sent if s.target is not None and s.target.audience == audience
                and (user_id is None or s.target.user_id == user_id)]

    def kinds(self) -> list[str]:
        return [f"{s.op}:{s.meta.kind}" for s in self.sent]


@dataclass
class RecordingDirectory:
    supervisors: set[str] = field(default_factory=set)
    escalation: set[str] = field(default_factory=set)
    hr: set[str] = field(default_factory=set)  # the HR channel's members (reachable only if the messenger says so)
    broken: bool = False
    asked: list[str] = field(default_factory=list)

    async def is_member(self, user_id: str, audience: Audience) -> bool:
        self.asked.append(user_id)
        if self.broken:
            raise LookupFailed("directory unavailable")
        members = {Audience.SUPERVISORS: self.supervisors, Audience.ESCALATION: self.escalation,
                   Audience.HR: self.hr}.get(audience, set())
        return user_id in members


PLATFORM = "test"


async def make_runtime(database_url: str, *, now: datetime, locale: str = "en",
                       encryption_key: str | None = None
                       ) -> tuple[Runtime, RecordingMessenger, RecordingDirectory, FakeClock]:
    """A migrated runtime on ``database_url`` with a fake clock and recording ports."""
    env = {"HAVEN_DATABASE_URL": database_url, "HAVEN_LOCALE": locale}
    if encryption_key:
        env["HAVEN_ENCRYPTION_KEY"] = encryption_key
    clock = FakeClock(now)
    runtime = build_runtime(Settings.model_validate(env), clock=clock)
    # A loaded test machine must not send a report down the slow-save path ("still saving");
    # the tests of that path set their own wait.
    runtime.haven.commit_wait = TEST_COMMIT_WAIT
    await migrate(runtime)
    messenger, directory = RecordingMessenger(), RecordingDirectory()
    runtime.haven.connect(PLATFORM, messenger=messenger, directory=directory)
    return runtime, messenger, directory, clock
