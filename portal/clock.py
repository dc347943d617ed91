"""The one clock. Everything that needs "now" calls `now()`; tests and simulations replace it."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

_source: Callable[[], datetime] = lambda: datetime.now(UTC)  # noqa: E731


def now() -> datetime:
    """The current instant, timezone-aware UTC."""
    return _source()


@contextmanager
def frozen_at(instant: datetime) -> Iterator[None]:
    """Make `now()` answer `instant` inside the block (tests, simulations, demo seeding)."""
    if instant.tzinfo is None:
        raise ValueError("frozen_at needs a timezone-aware datetime")
    global _source
    previous = _source
    _source = lambda: instant  # noqa: E731
    try:
        yield
    finally:
        _source = previous


def ensure_utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes; every stored time is UTC, so say so."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value
