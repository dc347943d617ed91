"""Downloading a report PDF as a browser does: a PDF not cached yet answers 202 with a progress
page; the render job runs (here in the test, as the scheduler's `prepare-reports` job runs it:
TestConfig has no render threads); the page's status route then hands over the file."""

from __future__ import annotations

import re

from portal.extensions import db
from portal.reports.jobs import prepare_reports
from portal.tenancy import Scope, set_scope

STATUS_URL = re.compile(r'data-progress="([^"]+)"')


def run_render_jobs(app) -> int:
    """Run every queued render job, as the scheduler's `prepare-reports` job does."""
    with app.app_context():
        set_scope(db.session(), Scope.unscoped("test: render jobs"))
        ran = prepare_reports()
        db.session.commit()
        return ran


def status_url_of(page) -> str:
    match = STATUS_URL.search(page.get_data(as_text=True))
    assert match, page.get_data(as_text=True)[:2000]
    return match.group(1).replace("&amp;", "&")


def download(client, url: str, **kwargs):
    """GET `url`; when it answers 202, run the render jobs and follow the status route to the
    file (or to the failure). Any other answer is returned as it is."""
    response = client.get(url, **kwargs)
    if response.status_code != 202:
        return response
    run_render_jobs(client.application)
    return client.get(status_url_of(response), follow_redirects=True, **kwargs)
