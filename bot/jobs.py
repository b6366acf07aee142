"""The sweep: claim due rows (jobs and stuck outbox leases) and run them exactly once."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta

from bot import escalation, followups
from bot.context import Context
from storage import incidents as repo
from storage import outbox, schedule
from storage.models import Job

log = logging.getLogger("haven.jobs")
JOB_LEASE = timedelta(seconds=60)
ESCALATION_KINDS = frozenset({"renotify", "page", "remind_owner", "remind_channel", "ask_join"})


class Sweeper:
    """One tick: the watchdog, then every due job. Correctness lives in the rows:
    a missed tick only delays work, and a job's effects commit together with its
    compare-and-set finish, so a job whose lease was lost changes nothing."""

    def __init__(self, ctx: Context, *, worker: str | None = None) -> None:
        self.ctx = ctx
        self.worker = worker or f"{socket.gethostname()}-{id(self):x}"

    async def tick(self) -> int:
        await self.watchdog()
        done = 0
        while True:
            jobs = await schedule.claim_jobs(db=self.ctx.db, now=self.ctx.now(), worker=self.worker,
                                             lease=JOB_LEASE, limit=100)
            if not jobs:
                break
            for job in jobs:
                done += await self._run(job)
        self.ctx.wake()
        return done

    async def watchdog(self) -> int:
        rescued = await schedule.rescue_expired_jobs(db=self.ctx.db, now=self.ctx.now())
        rescued += await outbox.rescue_expired(db=self.ctx.db, now=self.ctx.wall_now())
        if rescued:
            self.ctx.metrics.watchdog_rescued.inc(rescued)
            log.warning("watchdog re-queued %d rows whose lease expired", rescued)
        return rescued

    async def _run(self, job: Job) -> int:
        assert job.id is not None
        try:
            async with self.ctx.db.session() as session:
                incident = None
                if job.incident_id is not None:
                    incident = await repo.get_incident_by_id(session=session, incident_id=job.incident_id)
                if incident is not None:
                    if job.kind in ESCALATION_KINDS:
                        await escalation.run(session, self.ctx, job, incident)
                    elif job.kind == "checkin":
                        await followups.run_checkin(session, self.ctx, job, incident)
                if not await schedule.finish_job(session=session, job_id=job.id, worker=self.worker):
                    await session.rollback()
                    log.warning("job %s lost its lease before finishing; another worker owns it", job.id)
                    return 0
                await session.commit()
            return 1
        except Exception:
            log.exception("job %s (%s) failed; it will be retried", job.id, job.kind)
            await schedule.retry_job(db=self.ctx.db, job_id=job.id,
                                     due_at=self.ctx.now() + timedelta(seconds=30))
            return 0
