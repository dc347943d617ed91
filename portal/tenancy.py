"""Tenancy in one place (DESIGN.md invariant 1).

Every ORM statement runs under a decision stored on the session:

* `Scope(organization_id=N)`: a customer's request. Reads of tenant rows get a loader criterion
  (`organization_id = N`) before anything loads, so another organization's row simply does not
  exist — a foreign id answers 404 exactly like a missing one. Writes of another organization's
  rows are refused at flush.
* `Scope.anonymous()`: nobody is signed in; tenant rows are invisible.
* `Scope.unscoped(reason)`: staff requests, CLI commands and jobs, which see everything on
  purpose and say why.

A session with no decision refuses to run ORM statements at all, so forgetting is loud.

This module is the decision only (it imports no model, so the audit log and every domain can
ask it); the guards that enforce it on reads and flushes are `portal.isolation`'s.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

INFO_KEY = "tenancy"


class TenancyUndecided(RuntimeError):
    """An ORM statement ran before anyone decided whose data this session may see."""


class TenancyViolation(PermissionError):
    """A customer-scoped session tried to write another organization's row."""


class ReadOnlyViolation(PermissionError):
    """A read-only (preview) session tried to write anything."""


@dataclass(frozen=True)
class Scope:
    organization_id: int | None = None
    unscoped_reason: str | None = None
    # A staff member previewing the portal as a customer: that customer's scope, and nothing
    # may be written (see portal.auth.preview).
    read_only: bool = False

    @classmethod
    def organization(cls, organization_id: int, *, read_only: bool = False) -> Scope:
        return cls(organization_id=organization_id, read_only=read_only)

    @classmethod
    def anonymous(cls) -> Scope:
        return cls()

    @classmethod
    def unscoped(cls, reason: str) -> Scope:
        if not reason:
            raise ValueError("say why this code runs unscoped")
        return cls(unscoped_reason=reason)

    @property
    def is_unscoped(self) -> bool:
        return self.unscoped_reason is not None


def set_scope(session: Session, scope: Scope) -> None:
    """Decide what `session` may see from now on (the request hook and CLI/jobs call this)."""
    session.info[INFO_KEY] = scope


def clear_scope(session: Session) -> None:
    session.info.pop(INFO_KEY, None)


def current_scope(session: Session) -> Scope | None:
    return session.info.get(INFO_KEY)


class unscoped:  # lower case: called as the function it was, `with unscoped(session, why):`
    """Run a block unscoped (loading the signed-in user, sign-in by email), then restore.

    A class rather than a generator under `contextlib.contextmanager`: every request enters
    one (loading the signed-in user), and the generator's machinery cost five times the calls
    of the two methods here; entering, restoring and letting exceptions through are the same."""

    __slots__ = ("_session", "_reason", "_previous")

    def __init__(self, session: Session, reason: str):
        self._session, self._reason = session, reason

    def __enter__(self) -> None:
        info = self._session.info
        self._previous = info.get(INFO_KEY)
        info[INFO_KEY] = Scope.unscoped(self._reason)

    def __exit__(self, *exc_info) -> None:
        if self._previous is None:
            self._session.info.pop(INFO_KEY, None)
        else:
            self._session.info[INFO_KEY] = self._previous


def refuse_direct_write(session: Session) -> None:
    """A read-only session refuses any write: its flush asks this, and so does a write that
    bypasses the flush (a Core INSERT of an unowned row, such as an audit event)."""
    scope = current_scope(session)
    if scope is not None and scope.read_only:
        raise ReadOnlyViolation("a read-only (preview) session refuses every write")
