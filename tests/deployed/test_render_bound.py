"""Report PDFs under gunicorn's sync workers too, and the render bound as deployed.

Every PDF that was not cached answered 503 under gunicorn (sync and gthread): the forked render
child exited 1 at interpreter shutdown and its finished file was deleted. The gthread case is
in test_journey.py; this is the sync one, on a second gunicorn over the same database. PDFs
are made by render jobs in the background (the worker's render threads, or the scheduler). A
runaway render is cut off at `reports.render_timeout_seconds` (here set very low, so any real
render overruns it): the person gets the app's own 503 page with the reason, no worker waits on
it, and nothing half-written is left in the cache.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest

from tests.conftest import free_port
from tests.deployed.pdf import pdf_text, prepared
from tests.deployed.visitor import Visitor


@pytest.fixture(scope="module")
def sync_url(deployment) -> Iterator[str]:
    port = free_port()
    process = deployment.start_web(name="gunicorn-sync", port=port, workers=2,
                                   extra=("--worker-class", "sync"))
    yield f"http://127.0.0.1:{port}"
    process.stop()


@pytest.fixture
def executive(deployment, sync_url) -> Iterator[Visitor]:
    person = Visitor(sync_url)
    facts = deployment.facts
    assert person.sign_in(facts["executive"], facts["password"]).status_code == 302
    yield person
    person.close()


@contextmanager
def render_timeout(deployment, seconds: float) -> Iterator[None]:
    """Set the render bound as an administrator would (a stored setting), then restore it."""
    from portal import create_app
    from portal.extensions import db
    from portal.reports.rendering import RENDER_TIMEOUT_SECONDS
    from portal.settings import Setting, set_setting
    from portal.tenancy import Scope, set_scope

    app = create_app({"DATABASE_URL": deployment.database_url, "SECRET_KEY": "unused",
                      "LIVE_MEMO": False, "REPORT_CACHE_DIR": str(deployment.report_cache)})
    key = RENDER_TIMEOUT_SECONDS[0]
    with app.app_context():
        set_scope(db.session(), Scope.unscoped("deployed test: render bound"))
        set_setting(key, seconds, actor=None)
        db.session.commit()
    try:
        yield
    finally:
        with app.app_context():
            set_scope(db.session(), Scope.unscoped("deployed test: render bound"))
            db.session.delete(db.session.get(Setting, key))
            db.session.commit()
            db.engine.dispose()


def _wait_for_a_minute_with_room(room: float = 20) -> None:
    """The summary says when it was generated, to the minute, and its PDF is keyed on its HTML:
    asked in the next minute, it is another document (a new render, not the failure answered
    from memory). So the asks that must meet the same failed job start in a minute with `room`
    seconds left (a wait on the clock's position, not a fixed sleep)."""
    while datetime.now(UTC).second + room >= 60:
        time.sleep(0.1)


def _cache(deployment) -> set[str]:
    return {p.name for p in deployment.report_cache.iterdir()} if (
        deployment.report_cache.exists()) else set()


def test_a_sync_worker_renders_a_cold_pdf(deployment, executive):
    """Under sync workers too, a summary nobody has downloaded yet is prepared in the
    background (202, its progress page) and arrives as a PDF."""
    before = _cache(deployment)
    assert executive.get("/reports/summary.pdf?period=2026-Q1").status_code == 202
    summary = prepared(executive, "/reports/summary.pdf?period=2026-Q1")
    assert summary.status_code == 200, summary.text[:2000]
    assert len(_cache(deployment) - before) == 1  # rendered by a render child
    text = pdf_text(summary.content)
    assert deployment.facts["organization"] in text and "2026" in text


def test_a_runaway_render_is_cut_off_and_its_reason_shown(deployment, executive, sync_url):
    """A render over the bound is stopped: the reader gets the app's 503 page saying why, at
    once on the next ask too (no new render), and nothing half-written stays in the cache;
    other downloads work as usual and no worker hangs."""
    before = _cache(deployment)
    _wait_for_a_minute_with_room()
    with render_timeout(deployment, 0.01):
        answer = prepared(executive, "/reports/summary.pdf?period=2026-Q2")
        again = executive.get("/reports/summary.pdf?period=2026-Q2")
    for page in (answer, again):
        assert page.status_code == 503
        assert "The PDF could not be made" in page.text
        assert "took longer than 0.01 seconds" in page.text
        assert "Content-Security-Policy" in page.headers  # the app's page, not gunicorn's
    assert _cache(deployment) == before  # no PDF, no partial file
    # The same worker pool answers the next download as usual.
    assert prepared(executive, "/reports/summary.pdf?period=2025-Q4").status_code == 200
    sync_log = next(p for p in deployment.processes if p.name == "gunicorn-sync").log()
    assert "WORKER TIMEOUT" not in sync_log
