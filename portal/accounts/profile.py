"""A person's own profile: their name and the timezone times are shown in."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from portal import audit
from portal.accounts.models import User
from portal.operations import OperationError

MAX_NAME_LENGTH = 200


@cache
def selectable_timezones() -> tuple[str, ...]:
    """IANA zones a person picks from: regions and cities, not aliases like "US/Eastern"."""
    return tuple(sorted(zone for zone in available_timezones() if "/" in zone
                        and not zone.startswith(("Etc/", "SystemV/", "US/", "posix", "right"))))


@cache
def _known_timezones() -> frozenset[str]:
    return frozenset(available_timezones())


def update_profile(user: User, *, name: str, timezone: str | None) -> None:
    """Set the user's own name and timezone (None or "": their organization's, or UTC for
    staff). Audited with the before and after values.

    Raises OperationError by `name` for an empty or too long name, by `timezone` for a zone the
    tz database does not know.
    """
    name = (name or "").strip()
    if not name:
        raise OperationError("Give your name.", "name")
    if len(name) > MAX_NAME_LENGTH:
        raise OperationError(f"Use at most {MAX_NAME_LENGTH} characters.", "name")
    # People type what the list shows ("America/New York"); the tz database says New_York.
    timezone = (timezone or "").strip().replace(" ", "_") or None
    if timezone is not None and timezone not in _known_timezones():
        raise OperationError("Choose a time zone from the list, such as Europe/Berlin.",
                             "timezone")
    fields = ("name", "timezone")
    before = audit.snapshot(user, fields)
    user.name, user.timezone = name, timezone
    audit.record_change("user.profile_updated", actor=user, obj=user, before=before,
                        after=audit.snapshot(user, fields))
