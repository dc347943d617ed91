"""The periodic jobs, in one readable list, and the two ways to run them.

Production runs them in their own process (`flask --app wsgi scheduler run`), never inside
gunicorn workers. The demo (`flask --app wsgi serve`) runs them in a background thread of its
single process. Either way the jobs run only while this process holds the scheduler's lead
(`portal.leadership`): a second scheduler stands by, says so in its log, and takes over when
the leader dies.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from apscheduler.schedulers.background import BackgroundScheduler
from flask import Flask

from portal.config import positive_seconds
from portal.drills.jobs import run_drills
from portal.extensions import db
from portal.leadership import Lead, lead_for, standby_seconds
from portal.oncall.triage import triage_escalations
from portal.outreach.dispatch import dispatch_all
from portal.outreach.jobs import queue_daily_digests, queue_due_scheduled_notices
from portal.reports.jobs import prepare_reports
from portal.rules.jobs import evaluate_rules
from portal.tenancy import Scope, set_scope

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Job:
    name: str
    seconds: int
    run: Callable[[], object]


def _jobs() -> list[Job]:
    return [
        Job("evaluate-rules", 60, evaluate_rules),
        Job("oncall-triage", 60, triage_escalations),
        Job("dispatch-notices", 10, dispatch_all),
        Job("due-scheduled-notices", 60, queue_due_scheduled_notices),
        Job("daily-digests", 300, queue_daily_digests),
        Job("prepare-reports", 3, prepare_reports),  # PDFs no web render thread took
        Job("drills", 15, run_drills),  # scripted drill events at their minutes
    ]


def _run_in_app(app: Flask, job: Job) -> None:
    with app.app_context():
        set_scope(db.session(), Scope.unscoped(f"scheduled job {job.name}"))
        try:
            job.run()
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("job %s failed", job.name)
            raise


def job_seconds(app: Flask, job: Job) -> float:
    """A job's interval: the `SCHEDULER_JOB_SECONDS` setting for its name, else its default."""
    seconds = (app.config.get("SCHEDULER_JOB_SECONDS") or {}).get(job.name, job.seconds)
    return positive_seconds(seconds, f"SCHEDULER_JOB_SECONDS[{job.name!r}]")


def _configure(scheduler, app: Flask) -> None:
    jobs = _jobs()
    unknown = set(app.config.get("SCHEDULER_JOB_SECONDS") or {}) - {job.name for job in jobs}
    if unknown:
        raise ValueError(f"SCHEDULER_JOB_SECONDS names no such job: {', '.join(sorted(unknown))}")
    for job in jobs:
        scheduler.add_job(_run_in_app, "interval", seconds=job_seconds(app, job),
                          args=[app, job], id=job.name, max_instances=1, coalesce=True)


STANDING_BY = "scheduler standing by: another scheduler holds the lead"


def run_blocking(app: Flask) -> None:
    """Run the jobs while this process holds the lead; stand by while another one does.
    Returns only on an interrupt (or an error in the settings)."""
    _configure(BackgroundScheduler(timezone="UTC"), app)  # a mistyped setting stops us now
    standby = standby_seconds(app)
    with app.app_context():
        lead = lead_for(app)
    try:
        while True:
            _wait_for_lead(lead, standby)
            scheduler = BackgroundScheduler(timezone="UTC", daemon=True)
            _configure(scheduler, app)
            scheduler.start()
            log.info("scheduler has the lead: running %d jobs", len(scheduler.get_jobs()))
            try:
                while lead.held():
                    time.sleep(standby)
            finally:
                scheduler.shutdown(wait=True)
            log.warning("scheduler lost the lead; its jobs are stopped")
    finally:
        lead.give_up()


def _wait_for_lead(lead: Lead, standby: float) -> None:
    """Try for the lead every `standby` seconds; say once that we stand by."""
    announced = False
    while True:
        try:
            if lead.take():
                return
        except Exception:
            log.exception("scheduler could not ask for the lead; trying again in %g s", standby)
        else:
            if not announced:
                log.info(STANDING_BY)
                announced = True
        time.sleep(standby)


def start_background(app: Flask) -> threading.Thread:
    """Run the jobs in a thread of this process (the single-process demo only), under the
    same lead as `scheduler run`: the demo never runs them beside another scheduler."""
    _configure(BackgroundScheduler(timezone="UTC"), app)
    thread = threading.Thread(target=run_blocking, args=(app,), name="scheduler", daemon=True)
    thread.start()
    return thread
