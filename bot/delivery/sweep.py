"""The sweep: claim due rows (jobs and stuck outbox leases) and run them exactly once."""

from __future__ import annotations

import logging
from datetime import timedelta

from bot.flows import care, escalation, escalation_steps, routes
from bot.flows import followups
from bot.delivery.dispatcher import STALE, worker_name
from bot.flows import register, register_review
from bot.flows.context import Context
from bot.flows.lifecycle import JobKind
from bot.model.messages import Audience
from storage.delivery_models import Job
from storage import checkins as bursts
from storage import incidents as repo
from storage import intake as bulk
from storage import outbox, outbox_upkeep
from storage import schedule
from storage.schedule import ClaimedJob

log = logging.getLogger("haven.jobs")
JOB_LEASE = timedelta(seconds=60)
BATCH = 250
RETRY_FIRST = timedelta(seconds=30)
RETRY_MAX = timedelta(hours=1)


class Sweeper:
    """One tick: the watchdog, then every due job, in batches.

    Correctness lives in the rows, never in one tick running: a missed or late tick only
    delays work, and overdue rows run at the next tick (also right after a restart). A
    job's effects (outbox rows, audit events, the next step) commit in the same
    transaction as its compare-and-set finish, so a job whose lease was rescued and
    re-claimed elsewhere changes nothing. Job leases are in Haven's policy time (the
    clock every due time is in); the outbox's are in wall time.
    """

    def __init__(self, ctx: Context, *, worker: str | None = None, batch: int = BATCH) -> None:
        self.ctx = ctx
        self.worker = worker or worker_name()
        self.batch = batch

    async def tick(self) -> int:
        """Run everything due now; returns how many jobs finished."""
        await self.watchdog()
        done = 0
        while True:
            jobs = await schedule.claim_jobs(db=self.ctx.db, now=self.ctx.now(), worker=self.worker,
                                             lease=JOB_LEASE, limit=self.batch)
            if not jobs:
                break
            done += await self._run_batch(jobs)
            self.ctx.wake()  # deliver this batch while the next one is claimed
        return done

    async def next_due_in(self) -> float | None:
        """Seconds until the next pending job falls due (0 when one is due), or None."""
        due = await schedule.next_due(db=self.ctx.db)
        return None if due is None else max(0.0, (due - self.ctx.now()).total_seconds())

    async def watchdog(self) -> int:
        """Re-queue job and outbox rows whose lease expired, and outbox rows of workers
        whose heartbeat stopped (they died mid-send)."""
        rescued = await schedule.rescue_expired_jobs(db=self.ctx.db, now=self.ctx.now())
        expired, orphaned = await outbox_upkeep.rescue_stuck(db=self.ctx.db, now=self.ctx.wall_now(), stale=STALE)
        rescued += expired
        if rescued:
            log.warning("watchdog re-queued %d rows whose lease expired", rescued)
        if orphaned:
            log.warning("watchdog re-queued %d sends of workers that stopped (no heartbeat)", orphaned)
            self.ctx.wake()
        if rescued + orphaned:
            self.ctx.metrics.watchdog_rescued.inc(rescued + orphaned)
        return rescued + orphaned

    async def _run_batch(self, jobs: list[ClaimedJob]) -> int:
        """Check-ins of a batch in one transaction (the common burst); everything else,
        and any check-in batch that fails or lost a lease, one job per transaction."""
        checkins = [j for j in jobs if j.kind == followups.CHECKIN and j.incident_id is not None]
        done = await self._run_checkins(checkins) if len(checkins) > 1 else 0
        batched = {j.id for j in checkins}
        rest = [j for j in jobs if j.id not in batched] if done else jobs
        for job in rest:
            done += await self._run(job)
        return done

    async def _run_checkins(self, jobs: list[ClaimedJob]) -> int:
        """All or nothing: the DMs, the events and every row's compare-and-set finish,
        written with a few multi-row statements (:mod:`storage.checkins`)."""
        ids = [j.id for j in jobs]
        try:
            hr = await self._hr_platforms()
            async with self.ctx.db.session() as session:
                recipients = await bursts.lock_recipients(
                    session=session, incident_ids=[j.incident_id for j in jobs if j.incident_id is not None])
                stopped = await schedule.checkins_stopped(session=session, incident_ids=list(recipients))
                newest = await bursts.newest_due(session=session, incident_ids=list(recipients), now=self.ctx.now())
                burst = followups.checkin_rows(self.ctx, jobs, recipients, stopped, hr=hr, newest=newest)
                await outbox.enqueue_many(session=session, rows=burst.messages)
                await bulk.add_events(session=session, rows=burst.events)
                await bursts.advance_chains(session=session, heads=burst.heads)
                skipped = set(burst.skipped)
                finished = await schedule.finish_jobs(session=session, job_ids=[i for i in ids if i not in skipped],
                                                      worker=self.worker, at=self.ctx.now())
                finished += await schedule.finish_jobs(session=session, job_ids=skipped, worker=self.worker,
                                                       at=self.ctx.now(), state=followups.SKIPPED_STATE)
                if finished != len(ids):
                    await session.rollback()
                    log.warning("%d of %d check-ins lost their lease; running the batch one by one",
                                len(ids) - finished, len(ids))
                    return 0
                await session.commit()
            return len(ids)
        except Exception:
            log.exception("a batch of %d check-ins failed; running them one by one", len(ids))
            return 0

    async def _run(self, claimed: ClaimedJob) -> int:
        job = claimed.model()
        assert job.id is not None
        try:
            reachable = await self._escalation_reachable(job) if job.kind in (JobKind.PAGE, JobKind.TALK_PAGE) else True
            hr = await self._hr_platforms() if job.kind == followups.CHECKIN else frozenset()
            async with self.ctx.db.session() as session:
                incident, state = None, "done"
                if job.incident_id is not None:
                    incident = await schedule.lock_incident(session=session, incident_id=job.incident_id)
                if job.kind == register.REVIEW:
                    await register_review.run(session, self.ctx, job)
                elif incident is None:
                    log.info("job %s (%s) has no incident any more; closing it", job.id, job.kind)
                elif job.kind in escalation.KINDS:
                    await escalation_steps.run(session, self.ctx, job, incident, escalation_reachable=reachable)
                elif job.kind == followups.CHECKIN:
                    state = await followups.run_checkin(session, self.ctx, job, incident,
                                                        hr=incident.platform in hr) or state
                elif job.kind in care.KINDS:
                    await care.run(session, self.ctx, job, incident, reachable=reachable)
                else:
                    log.error("job %s has unknown kind %s; closing it", job.id, job.kind)
                if not await schedule.finish_job(session=session, job_id=job.id, worker=self.worker,
                                                 at=self.ctx.now(), state=state):
                    await session.rollback()
                    log.warning("job %s lost its lease before finishing; another worker owns it", job.id)
                    return 0
                await session.commit()
            return 1
        except Exception:
            delay = min(RETRY_MAX, RETRY_FIRST * 2 ** max(0, job.attempts - 1))
            log.exception("job %s (%s) failed (attempt %d); retrying in %s", job.id, job.kind, job.attempts, delay)
            await schedule.retry_job(db=self.ctx.db, job_id=job.id, due_at=self.ctx.now() + delay)
            return 0

    async def _hr_platforms(self) -> frozenset[str]:
        """The platforms with an HR channel (a check-in may then offer ``talk_hr``); asked
        before a transaction opens, like :meth:`_escalation_reachable`."""
        found = set()
        for platform in self.ctx.messengers:
            try:
                if await routes.reachable(self.ctx, platform, Audience.HR, None):
                    found.add(platform)
            except Exception:  # unknown: offer only what surely works
                log.warning("could not tell whether %s has an HR channel", platform)
        return frozenset(found)

    async def _escalation_reachable(self, job: Job) -> bool:
        """Whether the incident's platform has the channel a page goes to (the escalation
        channel, or HR for a talk request to HR). Asked before the
        job's transaction opens: an adapter may read the database to answer."""
        if job.incident_id is None:
            return False
        async with self.ctx.db.session() as session:
            incident = await repo.get_incident_by_id(session=session, incident_id=job.incident_id)
        if incident is None:
            return False
        try:
            page = care.page_audience(job) if job.kind == JobKind.TALK_PAGE else Audience.ESCALATION
            audience, site = routes.destination(self.ctx, incident, page)
            return await routes.reachable(self.ctx, incident.platform, audience, site)
        except Exception:  # unknown: try to page; a failed post is dead-lettered visibly
            log.warning("could not tell whether the escalation channel is reachable for job %s", job.id)
            return True
