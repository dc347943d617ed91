"""Report HTML → PDF: bounded in size and time, cached by content hash.

Why a forked child process: WeasyPrint cannot be interrupted from inside (no cancellation, and
a thread cannot be killed), so the only hard bound on time is a process we can kill. A fork
shares the already-imported WeasyPrint and fonts (copy-on-write), so it costs a few
milliseconds, not a new interpreter. The request waits at most `reports.render_timeout_seconds`
(below gunicorn's 30 s worker timeout); then the child is killed and the request answers 503.
The input is bounded before that: at most MAX_HTML_BYTES of HTML, timeline and actions capped
by the content builder, user Markdown sanitized by nh3 (no attributes such as colspan survive),
and every URL refused except the bundled assets (portal.reports.fetcher).

Cache: `instance/reports/<sha256(assets version + HTML)>.pdf`. The same content renders to the
same file, so a version is rendered once, whoever asks; a change of template, CSS, fonts or
WeasyPrint changes the assets version and so every key. An in-process memo maps a published
version to its key, so a cached download does no templating at all: one lookup and send_file.
"""

from __future__ import annotations

import hashlib
import os
import re
import secrets
import select
import signal
import time
import traceback
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

import weasyprint
from flask import current_app, render_template

from portal.markdown import render_markdown
from portal.reports import charts
from portal.reports.fetcher import AssetFetcher, bundled_assets
from portal.settings import get_setting

RENDERER_REVISION = "3"  # bump when code (not templates) changes what a report looks like
MAX_HTML_BYTES = 3_000_000
RENDER_TIMEOUT_SECONDS = ("reports.render_timeout_seconds", 20)
_TEMPLATES = Path(__file__).resolve().parent.parent / "templates" / "reports"
_MEMO: dict[tuple, str] = {}
_MEMO_LIMIT = 4096


class RenderError(RuntimeError):
    """The PDF could not be made (too large, too slow, or WeasyPrint failed)."""


class RenderTimeout(RenderError):
    pass


@cache
def assets_version() -> str:
    """A fingerprint of everything besides the content that shapes a PDF."""
    digest = hashlib.sha256(f"{RENDERER_REVISION}:{weasyprint.__version__}".encode())
    for path in sorted(_TEMPLATES.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    for name, path in sorted(bundled_assets().items()):
        digest.update(f"{name}:{path.stat().st_size}".encode())
    return digest.hexdigest()[:16]


# ------------------------------------------------------------------ HTML

class Formatter:
    """Dates, times and durations as the organization reads them (its timezone)."""

    def __init__(self, timezone: str):
        self.zone = ZoneInfo(timezone)

    def _local(self, value: str | datetime | None) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            value = datetime.fromisoformat(value)
        return value.astimezone(self.zone)

    def at(self, value) -> str:
        local = self._local(value)
        return local.strftime("%d %b %Y, %H:%M") if local else "—"

    def short(self, value) -> str:
        local = self._local(value)
        return local.strftime("%d %b, %H:%M") if local else "—"

    def day(self, value) -> str:
        if value is None:
            return "—"
        if isinstance(value, str) and len(value) == 10:
            value = date.fromisoformat(value)
        if isinstance(value, date) and not isinstance(value, datetime):
            return value.strftime("%d %b %Y")
        return self._local(value).strftime("%d %b %Y")

    @staticmethod
    def duration(minutes: int | float | None) -> str:
        if minutes is None:
            return "—"
        minutes = int(round(minutes))
        days, rest = divmod(minutes, 1440)
        hours, mins = divmod(rest, 60)
        if days:
            return f"{days} d {hours} h" if hours else f"{days} d"
        if hours:
            return f"{hours} h {mins:02d} min" if mins else f"{hours} h"
        return f"{mins} min"

    @property
    def zone_name(self) -> str:
        return self.zone.key


def review_html(content: dict) -> str:
    """The finished HTML of one report version (chart included)."""
    fmt = Formatter(content["timezone"])
    chart = charts.escalation_path(content["statuses"], content["tiers"],
                                   end=content.get("resolved_at"),
                                   timezone=content["timezone"])
    return render_template("reports/review.html", c=content, f=fmt, chart=chart,
                           md=render_markdown)


def summary_html(summary) -> str:
    fmt = Formatter(summary.timezone)
    return render_template("reports/summary.html", s=summary, f=fmt, md=render_markdown,
                           chart=charts.attainment_trend(summary.trend))


# ------------------------------------------------------------------ PDF

_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
_SPAN_ATTRIBUTE = re.compile(
    r"""(\s(?:colspan|rowspan)\s*=\s*(["']?))(\d+)\2|"[^"]*"|'[^']*'""", re.IGNORECASE)
MAX_SPAN = 100


def clamp_spans(html: str) -> str:
    """WeasyPrint lays out every spanned column: colspan=1000000 takes minutes. Our templates
    never span more than a few; user Markdown never carries the attribute (nh3).

    Only attributes of tags are clamped: text is escaped (no raw "<" in it), and a quoted
    attribute value is skipped whole, so words such as "colspan=100000" stay as written."""

    def clamp_attribute(match: re.Match) -> str:
        if match[3] is None:
            return match[0]  # a quoted value: somebody's words
        return f"{match[1]}{min(int(match[3]), MAX_SPAN)}{match[2]}"

    return _TAG.sub(lambda tag: _SPAN_ATTRIBUTE.sub(clamp_attribute, tag[0]), html)


def write_pdf(html: str, target) -> AssetFetcher:
    """Render in this process (the child below, benchmarks and tests call it)."""
    fetcher = AssetFetcher()
    # Tagged (PDF/UA-1: structure, reading order, the document's language and title), so
    # screen readers read it and copied text keeps its words.
    weasyprint.HTML(string=clamp_spans(html), base_url="asset:", url_fetcher=fetcher).write_pdf(
        target, uncompressed_pdf=False, pdf_variant="pdf/ua-1")
    return fetcher


def cache_dir() -> Path:
    """Where the PDFs are (made on the first render: a cached download makes no syscall)."""
    configured = current_app.config.get("REPORT_CACHE_DIR")
    return Path(configured) if configured else Path(current_app.instance_path) / "reports"


def cache_key(html: str) -> str:
    return hashlib.sha256(f"{assets_version()}\n{html}".encode()).hexdigest()


def render_bounded(html: str, target: Path, *, timeout: float | None = None) -> None:
    """Render `html` to `target` in a forked child, killed after `timeout` seconds.

    Raises RenderError when the HTML is too large or the child fails, RenderTimeout when it
    runs out of time; either way nothing half-written is left behind."""
    if len(html.encode()) > MAX_HTML_BYTES:
        raise RenderError("the report is too large to render")
    timeout = timeout if timeout is not None else float(get_setting(*RENDER_TIMEOUT_SECONDS))
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")
    try:
        status = _run_forked(lambda: write_pdf(html, str(partial)), timeout)
        if status is None:
            raise RenderTimeout(f"rendering took longer than {timeout:g} s")
        if status != 0 or not partial.exists():
            raise RenderError(f"the renderer failed (exit status {status})")
        os.replace(partial, target)  # atomic: readers see a whole file or none
    finally:
        partial.unlink(missing_ok=True)


def _run_forked(work, timeout: float) -> int | None:
    """Run `work` in a forked child; its exit status, or None once it was killed at `timeout`.

    A bare fork and `os._exit`, not multiprocessing: a child of a gunicorn worker inherits the
    worker's threads' state (gthread's pool, the live feed's listener), and multiprocessing's
    exit path joins inherited threads and runs atexit hooks — it exited 1 after writing the PDF.
    `os._exit` runs none of that, and never touches the inherited database connections."""
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 1
        try:
            work()
            code = 0
        except BaseException:  # the exit status is all the parent reads
            traceback.print_exc()
        finally:
            os._exit(code)
    if not _wait_for_exit(pid, timeout):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        return None
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)


def _wait_for_exit(pid: int, timeout: float) -> bool:
    """True once the child has exited (not yet reaped), False at `timeout`. A pidfd wakes us
    the moment it exits; without pidfds (not Linux) poll."""
    if hasattr(os, "pidfd_open"):
        fd = os.pidfd_open(pid)
        try:
            ready, _, _ = select.select([fd], [], [], timeout)
            return bool(ready)
        finally:
            os.close(fd)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
            return True
        time.sleep(0.01)
    return False


def cached_path(key: str) -> Path:
    """Where the PDF of the HTML with cache key `key` is (or will be)."""
    return cache_dir() / f"{key}.pdf"


def memo_lookup(memo_key: tuple) -> Path | None:
    """The cached PDF of an immutable document this process has served before, without
    templating it; None when it has not (or the file is gone)."""
    digest = _MEMO.get((*memo_key, assets_version()))
    if digest is None:
        return None
    path = cached_path(digest)
    return path if path.exists() else None


def memo_store(memo_key: tuple, key: str) -> None:
    if len(_MEMO) >= _MEMO_LIMIT:
        _MEMO.clear()
    _MEMO[(*memo_key, assets_version())] = key


def pdf_for_html(html: str, *, timeout: float | None = None) -> Path:
    """The cached PDF of this HTML, rendered (bounded) if it is not cached yet."""
    path = cache_dir() / f"{cache_key(html)}.pdf"
    if not path.exists():
        render_bounded(html, path, timeout=timeout)
    return path


def cached_pdf(memo_key: tuple, make_html, *, timeout: float | None = None) -> Path:
    """The PDF for an immutable document (a published version): the memo skips templating."""
    key = (*memo_key, assets_version())
    digest = _MEMO.get(key)
    if digest is not None:
        path = cache_dir() / f"{digest}.pdf"
        if path.exists():
            return path
    html = make_html()
    path = pdf_for_html(html, timeout=timeout)
    if len(_MEMO) >= _MEMO_LIMIT:
        _MEMO.clear()
    _MEMO[key] = path.stem
    return path
