"""The forked renderer works inside a threaded server process, as it runs under gunicorn."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from portal.reports.rendering import render_bounded


def test_a_render_from_a_worker_thread_keeps_its_pdf(tmp_path):
    """A PDF asked for on a gthread worker's pool thread is written and kept (it was deleted:
    the child exited 1 joining the threads it inherited)."""
    release = threading.Event()
    with ThreadPoolExecutor(max_workers=2) as pool:
        pool.submit(release.wait, 60)  # another request, still being served
        try:
            done = pool.submit(render_bounded, "<p>Report</p>", tmp_path / "r.pdf", timeout=60)
            done.result()
        finally:
            release.set()
    assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")
    assert [p.name for p in tmp_path.iterdir()] == ["r.pdf"]
