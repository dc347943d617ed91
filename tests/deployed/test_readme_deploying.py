"""The README's "Deploying" section and this package run the same commands and settings."""

from __future__ import annotations

import runpy
from pathlib import Path

from portal.database import SQLITE_BUSY_TIMEOUT_MS
from portal.reports.rendering import RENDER_TIMEOUT_SECONDS
from tests.deployed.stack import GUNICORN_CONFIG, MIGRATE, REPO, SCHEDULER, WEB

README = (REPO / "README.md").read_text()


def test_the_deployed_tests_run_the_readmes_commands(deployment):
    """The commands in the README's Deploying section are the ones these tests start."""
    deploying = README.split("## Deploying", 1)[1].split("\n## ", 1)[0]
    for command in (WEB, MIGRATE, SCHEDULER):
        assert f"`{command}`" in deploying
    assert "tests/deployed/" in deploying
    # ... and those are the commands the running deployment was started with.
    started = {p.name: p.popen.args for p in deployment.processes}
    assert started["gunicorn"][1:3] == ["--config", str(GUNICORN_CONFIG)]
    assert started["gunicorn"][-1] == "wsgi:app"
    assert started["scheduler"][1:] == SCHEDULER.split()[1:]


def test_gunicorns_timeout_is_above_the_render_bound_and_the_busy_timeout(monkeypatch):
    """A slow report or a busy SQLite ends with the app's answer before gunicorn's timeout."""
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    settings = runpy.run_path(str(GUNICORN_CONFIG))
    assert settings["worker_class"] == "gthread" and settings["workers"] >= 2
    assert settings["threads"] >= 2
    assert settings["timeout"] > RENDER_TIMEOUT_SECONDS[1]
    assert settings["timeout"] > SQLITE_BUSY_TIMEOUT_MS / 1000
    assert settings["graceful_timeout"] >= settings["timeout"]
    assert settings["accesslog"] == "-"
    assert Path(GUNICORN_CONFIG).is_relative_to(REPO)
