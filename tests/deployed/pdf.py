"""What is in a downloaded PDF, as a reader would see it (poppler's pdftotext)."""

from __future__ import annotations

import re
import shutil
import subprocess

from tests.conftest import unavailable
from tests.deployed.stack import wait_until

STATUS_URL = re.compile(r'data-progress="([^"]+)"')


def pdf_text(data: bytes) -> str:
    assert data.startswith(b"%PDF-"), f"not a PDF: {data[:200]!r}"
    if shutil.which("pdftotext") is None:
        unavailable("pdftotext is not installed (apt-get install poppler-utils)")
    done = subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          timeout=60, check=True)
    return " ".join(done.stdout.decode().split())  # words as read, whatever the layout


def status_url_of(page) -> str:
    match = STATUS_URL.search(page.text)
    assert match, page.text[:2000]
    return match.group(1).replace("&amp;", "&")


def job_status(visitor, status_url: str, *, timeout: float = 90) -> dict:
    """Poll a render job's status route (as the progress page's script does) until it ends."""
    def ended():
        status = visitor.get(status_url, headers={"Accept": "application/json"}).json()
        return status if status["state"] in ("done", "failed") else None

    return wait_until(ended, what=f"the render job at {status_url}", timeout=timeout)


def prepared(visitor, path: str, *, timeout: float = 90):
    """GET a report PDF as a browser does: a 202 progress page is followed until the file is
    ready (then fetched), or until it failed (then the status route's 503 page)."""
    answer = visitor.get(path)
    if answer.status_code != 202:
        return answer
    status_url = status_url_of(answer)
    status = job_status(visitor, status_url, timeout=timeout)
    return visitor.get(status["ready_url"] if status["state"] == "done" else status_url)
