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
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import event, false, or_
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.elements import TextClause

from portal.accounts.models import Organization, User
from portal.ownership import TenantScoped

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


@contextmanager
def unscoped(session: Session, reason: str) -> Iterator[None]:
    """Run a block unscoped (loading the signed-in user, sign-in by email), then restore."""
    previous = current_scope(session)
    set_scope(session, Scope.unscoped(reason))
    try:
        yield
    finally:
        if previous is None:
            clear_scope(session)
        else:
            set_scope(session, previous)


def _tenant_options(scope: Scope) -> tuple:
    return _options_for(scope.organization_id)


@lru_cache(maxsize=4096)
def _options_for(org_id: int | None) -> tuple:
    """The loader criteria of one organization (None: anonymous), built once per process:
    options are immutable, so every statement of that organization shares them."""
    if org_id is None:
        return (
            with_loader_criteria(TenantScoped, lambda cls: false(), include_aliases=True),
            with_loader_criteria(Organization, lambda cls: false(), include_aliases=True),
            with_loader_criteria(User, lambda cls: cls.organization_id.is_(None)),
        )
    return (
        with_loader_criteria(
            TenantScoped, lambda cls: cls.organization_id == org_id, include_aliases=True
        ),
        with_loader_criteria(Organization, lambda cls: cls.id == org_id, include_aliases=True),
        # Customers see their colleagues and the vendor's staff (owners, communicators).
        with_loader_criteria(
            User,
            lambda cls: or_(cls.organization_id == org_id, cls.organization_id.is_(None)),
            include_aliases=True,
        ),
    )


def _scope_statement(state: ORMExecuteState) -> None:
    if state.is_column_load or isinstance(state.statement, TextClause):
        return  # column refreshes and plain SQL text (health checks) read no entity
    scope = current_scope(state.session)
    if scope is None:
        raise TenancyUndecided(
            "ORM statement before a tenancy decision: set_scope() with an organization, "
            "or Scope.unscoped('why') for staff, CLI and jobs"
        )
    if scope.is_unscoped:
        return
    state.statement = state.statement.options(*_tenant_options(scope))


def _owner_of(obj) -> tuple[bool, int | None]:
    if isinstance(obj, TenantScoped):
        return True, obj.organization_id
    if isinstance(obj, Organization):
        return True, obj.id
    if isinstance(obj, User):
        return True, obj.organization_id
    return False, None


def refuse_direct_write(session: Session) -> None:
    """A read-only session refuses any write: its flush asks this, and so does a write that
    bypasses the flush (a Core INSERT of an unowned row, such as an audit event)."""
    scope = current_scope(session)
    if scope is not None and scope.read_only:
        raise ReadOnlyViolation("a read-only (preview) session refuses every write")


def _refuse_foreign_writes(session: Session, flush_context, instances) -> None:
    scope = current_scope(session)
    if scope is None or scope.is_unscoped:
        return
    if session.new or session.dirty or session.deleted:
        refuse_direct_write(session)
    for obj in (*session.new, *session.dirty, *session.deleted):
        owned, owner = _owner_of(obj)
        if owned and owner != scope.organization_id:
            raise TenancyViolation(
                f"{type(obj).__name__} of organization {owner} written in a session scoped "
                f"to organization {scope.organization_id}"
            )


def install(session_class: type[Session]) -> None:
    """Attach the read and write guards to every session of this class (once, at import)."""
    if not event.contains(session_class, "do_orm_execute", _scope_statement):
        event.listen(session_class, "do_orm_execute", _scope_statement)
        event.listen(session_class, "before_flush", _refuse_foreign_writes)
