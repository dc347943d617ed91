"""Waiting on a live page's polls instead of on the clock: a loaded machine may poll late."""

from __future__ import annotations

POLL_TIMEOUT_MS = 30_000


def _is_poll(response, path: str) -> bool:
    return path in response.url and bool(response.request.headers.get("hx-request"))


def next_poll(page, path: str, *, status: int | None = None):
    """Block until the page's next htmx poll of `path` answers (with `status`, if given)."""
    with page.expect_response(
            lambda r: _is_poll(r, path) and (status is None or r.status == status),
            timeout=POLL_TIMEOUT_MS) as response:
        pass
    return response.value


def polls_after_now(page, path: str, count: int = 2) -> None:
    """Block until `count` whole polls of `path` have answered from now on: the second one
    was certainly sent after this call, so it saw whatever was committed before it."""
    for _ in range(count):
        next_poll(page, path)
