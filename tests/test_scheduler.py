"""The scheduler's job list and the setting that tunes its intervals."""

from __future__ import annotations

import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from portal.scheduler import _configure


def _intervals(app) -> dict[str, float]:
    scheduler = BackgroundScheduler(timezone="UTC")
    _configure(scheduler, app)
    return {job.id: job.trigger.interval.total_seconds() for job in scheduler.get_jobs()}


def test_the_defaults_and_an_override(app):
    defaults = _intervals(app)
    assert defaults == {"evaluate-rules": 60, "oncall-triage": 60, "dispatch-notices": 10,
                        "due-scheduled-notices": 60, "daily-digests": 300,
                        "prepare-reports": 3, "drills": 15}
    app.config["SCHEDULER_JOB_SECONDS"] = {"dispatch-notices": 1.5}
    assert _intervals(app) == defaults | {"dispatch-notices": 1.5}


@pytest.mark.parametrize("setting", [{"dispatch-notice": 5}, {"daily-digests": 0},
                                     {"daily-digests": "often"}, {"daily-digests": True}])
def test_a_mistyped_setting_stops_the_scheduler_with_its_name(app, setting):
    app.config["SCHEDULER_JOB_SECONDS"] = setting
    with pytest.raises(ValueError, match="SCHEDULER_JOB_SECONDS"):
        _intervals(app)


def test_the_scheduler_prepares_report_pdfs_no_web_thread_took(app):
    """Report PDFs queued by the web process are made by the scheduler's prepare-reports job."""
    from portal.reports.jobs import prepare_reports
    from portal.scheduler import _jobs

    assert {job.name: job.run for job in _jobs()}["prepare-reports"] is prepare_reports


def test_the_scheduler_plays_drill_scripts(app):
    """Drills' scripted events are injected by the scheduler's drills job."""
    from portal.drills.jobs import run_drills
    from portal.scheduler import _jobs

    assert {job.name: job.run for job in _jobs()}["drills"] is run_drills
