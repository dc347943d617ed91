"""Running render jobs: claim one, render it (bounded), keep the PDF or the reason it failed.

Two runners share the queue. Each web process keeps a few render threads
(`REPORT_RENDER_THREADS`, default 2) and hands them the job a request has just queued, so a
download is usually ready within the render's own time. The scheduler's `prepare-reports` job
picks up whatever is left: jobs queued where no thread runs (a gunicorn deployment with the
threads set to 0, a web process that restarted) and jobs abandoned by a process that died
mid-render. Claiming is one conditional UPDATE (`queued` → `running`, or a `running` job past
its lease), so two runners never render the same job; a job abandoned three times fails.

A publication job publishes the review when its PDF is made, and refuses (audited, nobody
told) when it is not: a report that cannot be rendered cannot be published.
"""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import delete, or_, select, update

from portal.clock import now
from portal.extensions import db
from portal.reports.models import RenderJob, RenderKind, RenderState
from portal.reports.publishing import complete_publication, refuse_publication
from portal.reports.rendering import (
    RENDER_TIMEOUT_SECONDS,
    RenderError,
    RenderTimeout,
    cached_path,
    render_bounded,
)
from portal.settings import get_setting
from portal.tenancy import Scope, set_scope

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
LEASE_GRACE_SECONDS = 30  # past the render bound, a running job's process is taken for dead
KEPT = timedelta(days=7)  # finished jobs older than this are deleted (their PDFs stay cached)
BATCH = 10  # jobs one `prepare-reports` run takes on, at most

_pool: tuple[int, ThreadPoolExecutor] | None = None
_pool_lock = threading.Lock()


def render_timeout() -> float:
    return float(get_setting(*RENDER_TIMEOUT_SECONDS))


def reason_for(exc: RenderError) -> str:
    """A failure as the person reading the progress page understands it."""
    if isinstance(exc, RenderTimeout):
        return (
            f"Making the PDF took longer than {render_timeout():g} seconds, the limit for "
            "one report, so it was stopped. Shorten the longest sections or tables."
        )
    if "too large" in str(exc):
        return "The report is too large to make into a PDF (its pages would pass the size limit)."
    return "The PDF renderer could not lay this report out."


def claim(job_id: int) -> datetime | None:
    """Take job `job_id` for this runner: its start time (the claim's token), or None when it
    is not ours to run (another runner has it, or it has ended). Committed at once."""
    started = now()
    lease = started - timedelta(seconds=render_timeout() + LEASE_GRACE_SECONDS)
    claimed = db.session.execute(
        update(RenderJob)
        .where(
            RenderJob.id == job_id,
            or_(
                RenderJob.state == RenderState.QUEUED,
                (RenderJob.state == RenderState.RUNNING) & (RenderJob.started_at < lease),
            ),
        )
        .values(state=RenderState.RUNNING, started_at=started, attempts=RenderJob.attempts + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return started if claimed == 1 else None


def _finish(job_id: int, started: datetime, state: RenderState, reason: str = "") -> bool:
    """End a job we claimed; False when another runner took it over meanwhile."""
    return (
        db.session.execute(
            update(RenderJob)
            .where(
                RenderJob.id == job_id,
                RenderJob.state == RenderState.RUNNING,
                RenderJob.started_at == started,
            )
            .values(state=state, reason=reason[:500], finished_at=now(), html=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        == 1
    )


def run_job(job_id: int) -> bool:
    """Claim and run one job; True when this runner ran it. The caller's session must be
    unscoped (a job, not a request)."""
    started = claim(job_id)
    if started is None:
        return False
    job = db.session.get(RenderJob, job_id)
    db.session.refresh(job)
    if job.attempts > MAX_ATTEMPTS:
        _fail(job, started, "The renderer stopped before finishing, several times over.")
        return True
    html, target = job.html, cached_path(job.content_key)
    db.session.commit()  # no transaction stays open for the render's seconds
    try:
        if not target.exists():
            if html is None:
                raise RenderError("the renderer failed (the job lost its document)")
            render_bounded(html, target)
    except RenderError as exc:
        log.warning("render job %s (%s) failed: %s", job.id, job.kind, exc)
        _fail(job, started, reason_for(exc))
        return True
    if _finish(job.id, started, RenderState.DONE) and job.kind == RenderKind.PUBLICATION:
        complete_publication(job)
    db.session.commit()
    return True


def _fail(job: RenderJob, started: datetime, reason: str) -> None:
    if _finish(job.id, started, RenderState.FAILED, reason) and (
        job.kind == RenderKind.PUBLICATION
    ):
        refuse_publication(job, reason)
    db.session.commit()


def runnable() -> list[int]:
    """Queued jobs, and running ones whose lease has passed (their process died), oldest
    first."""
    lease = now() - timedelta(seconds=render_timeout() + LEASE_GRACE_SECONDS)
    return list(
        db.session.scalars(
            select(RenderJob.id)
            .where(
                or_(
                    RenderJob.state == RenderState.QUEUED,
                    (RenderJob.state == RenderState.RUNNING) & (RenderJob.started_at < lease),
                )
            )
            .order_by(RenderJob.id)
            .limit(BATCH)
        )
    )


def prepare_reports() -> int:
    """The scheduler's job: run what no render thread has taken, and forget finished jobs
    after KEPT (a publication's stays: the Review tab reads its refusal). Returns how many
    it ran."""
    db.session.execute(
        delete(RenderJob)
        .where(RenderJob.finished_at < now() - KEPT, RenderJob.kind != RenderKind.PUBLICATION)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return sum(run_job(job_id) for job_id in runnable())


# ------------------------------------------------------------------ the web process's threads


def _executor(threads: int) -> ThreadPoolExecutor:
    """This process's render threads, made on first use (after gunicorn forked the worker: a
    pool made before the fork would have no threads in the child)."""
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            _pool = (os.getpid(), ThreadPoolExecutor(threads, thread_name_prefix="render"))
        return _pool[1]


def _run_in_app(app: Flask, job_id: int) -> None:
    with app.app_context():
        set_scope(db.session(), Scope.unscoped("render job"))
        try:
            run_job(job_id)
        except Exception:
            db.session.rollback()
            log.exception("render job %s failed to run; the scheduler will pick it up", job_id)


def start(job: RenderJob) -> None:
    """Hand a committed, queued job to this process's render threads (none in tests and when
    `REPORT_RENDER_THREADS` is 0: the scheduler's `prepare-reports` job runs it then)."""
    threads = int(current_app.config.get("REPORT_RENDER_THREADS", 0) or 0)
    if threads <= 0 or job.state != RenderState.QUEUED:
        return
    _executor(threads).submit(_run_in_app, current_app._get_current_object(), job.id)
