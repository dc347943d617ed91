"""Isolation: the guards that hold every session to its tenancy decision (`portal.tenancy`).

Reads of tenant rows (every `TenantScoped` model, and the two rows that own themselves,
organizations and users) get a loader criterion before anything loads; a flush that writes
another organization's row, or anything in a read-only session, is refused. `install()` attaches
both to the app's session class once.

The decision (`Scope`, `set_scope`, the read-only refusal) lives below the models in
`portal.tenancy`, so the audit log can refuse a read-only write without importing the models;
these guards need the models, and sit above them.
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import column, event, false, or_, select, table
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.elements import TextClause

from portal.accounts.models import Organization, User
from portal.extensions import db
from portal.ownership import TenantScoped
from portal.tenancy import (
    Scope,
    TenancyUndecided,
    TenancyViolation,
    current_scope,
    refuse_direct_write,
)

# Drills (portal.drills) are staff rehearsals: for a customer, a drill escalation and every row
# hanging from it do not exist. The plain table (not the model) keeps the subquery free of
# these very criteria; an index on is_drill and a handful of drills keep it cheap.
_ESCALATIONS = table("escalations", column("id"), column("is_drill"))
_DRILL_IDS = select(_ESCALATIONS.c.id).where(_ESCALATIONS.c.is_drill.is_(True))


def _real_escalation(cls):
    return cls.is_drill.is_(False)


def _of_real_escalation(cls):
    return cls.escalation_id.not_in(_DRILL_IDS)


def _of_real_escalation_if_any(cls):
    return or_(cls.escalation_id.is_(None), cls.escalation_id.not_in(_DRILL_IDS))


def _drill_free_options() -> tuple:
    """The criteria that hide drills from customers: on escalations themselves, and on every
    tenant row that names an escalation (read from the mappers, so a new table inherits it)."""
    options = []
    for mapper in sorted(db.Model.registry.mappers, key=lambda m: m.class_.__name__):
        cls, columns = mapper.class_, mapper.local_table.c
        if not issubclass(cls, TenantScoped):
            continue
        if mapper.local_table.name == "escalations":
            criterion = _real_escalation
        elif "escalation_id" not in columns:
            continue
        elif columns["escalation_id"].nullable:
            criterion = _of_real_escalation_if_any
        else:
            criterion = _of_real_escalation
        # A lambda (not an expression) so that aliases of the class get it adapted too.
        options.append(with_loader_criteria(cls, criterion, include_aliases=True))
    return tuple(options)


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
        *_drill_free_options(),
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
