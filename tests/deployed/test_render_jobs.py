"""Report PDFs prepared by the scheduler process, as deployed.

A gunicorn whose workers have no render threads (`PORTAL_REPORT_RENDER_THREADS=0`) still
answers a cold download: it queues the job and shows the progress page (202); the scheduler
process — `flask --app wsgi scheduler run`, the only runner left — claims and renders it, and
the reader's next poll finds the file.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.conftest import free_port
from tests.deployed.pdf import job_status, pdf_text, status_url_of
from tests.deployed.visitor import Visitor


@pytest.fixture(scope="module")
def threadless_url(deployment) -> Iterator[str]:
    port = free_port()
    process = deployment.start_web(name="gunicorn-no-render-threads", port=port, workers=2,
                                   settings={"PORTAL_REPORT_RENDER_THREADS": "0"})
    yield f"http://127.0.0.1:{port}"
    process.stop()


def test_the_scheduler_process_prepares_a_download(deployment, threadless_url):
    """With no render thread in the web workers, the scheduler makes the PDF and the reader
    downloads it; the web request itself rendered nothing."""
    facts = deployment.facts
    executive = Visitor(threadless_url)
    try:
        assert executive.sign_in(facts["executive"], facts["password"]).status_code == 302
        path = "/reports/summary.pdf?period=2025-Q2"
        page = executive.get(path)
        assert page.status_code == 202, page.text[:2000]
        assert "Preparing the PDF" in page.text
        status = job_status(executive, status_url_of(page))
        assert status["state"] == "done", status
        pdf = executive.get(status["ready_url"])
        assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
        assert facts["organization"] in pdf_text(pdf.content)
        assert executive.get(path).status_code in (200, 202)  # cached, or a new minute's page
    finally:
        executive.close()
    assert deployment.failed_jobs() == []
