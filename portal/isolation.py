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

import weakref
from functools import lru_cache

from sqlalchemy import Integer, and_, bindparam, column, event, false, inspect, or_, select, table
from sqlalchemy.orm import ORMExecuteState, Session, with_loader_criteria
from sqlalchemy.sql.elements import TextClause

from portal.accounts.models import Organization, User
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


# The organization of a customer's session reaches the SQL as the value of this one bound
# parameter, supplied with each statement's parameters (`_scope_statement`). The criteria
# themselves are therefore the same for every organization: SQLAlchemy compiles each scoped
# statement once and its cache key carries no organization, while the value still comes from the
# session on every execution. A statement that somehow kept the criteria without the value fails
# ("a value is required for bind parameter"), it does not match every organization.
ORGANIZATION_PARAMETER = "tenancy_organization_id"


def _organization_id():
    return bindparam(ORGANIZATION_PARAMETER, type_=Integer, required=True)


def _drill_criterion(entity):
    """What hides drills from customers on one tenant model or alias of it: escalations that are
    drills, and every tenant row that names one (read from the table, so a new table inherits
    it); None for a model that names no escalation."""
    info = inspect(entity, raiseerr=False)
    if info is None:
        return None  # SQLAlchemy's first, analysing call names the mixin itself
    table = info.mapper.local_table
    columns = table.c
    if table.name == "escalations":
        return entity.is_drill.is_(False)
    if "escalation_id" not in columns:
        return None
    if columns["escalation_id"].nullable:
        return or_(entity.escalation_id.is_(None), entity.escalation_id.not_in(_DRILL_IDS))
    return entity.escalation_id.not_in(_DRILL_IDS)


def _customer_criterion(entity, own_organization):
    """Everything a customer's session adds to a tenant model (or an alias: SQLAlchemy calls
    this with what the statement names): its own organization's rows, no drills."""
    drill = _drill_criterion(entity)
    return own_organization if drill is None else and_(own_organization, drill)


# The criteria, built once per process and shared by every statement: the lambdas close over
# nothing (the organization is the bound parameter), so SQLAlchemy's cache key of each is its
# code alone. One option covers every tenant model (the mixin); a lambda runs only when a
# statement is compiled, once per model it meets, not per execution.
_CUSTOMER_OPTIONS = (
    with_loader_criteria(
        TenantScoped,
        lambda cls: _customer_criterion(cls, cls.organization_id == _organization_id()),
        include_aliases=True, propagate_to_loaders=False,
    ),
    with_loader_criteria(Organization, lambda cls: cls.id == _organization_id(),
                         include_aliases=True, propagate_to_loaders=False),
    # Customers see their colleagues and the vendor's staff (owners, communicators).
    with_loader_criteria(
        User,
        lambda cls: or_(cls.organization_id == _organization_id(), cls.organization_id.is_(None)),
        include_aliases=True, propagate_to_loaders=False,
    ),
)


@lru_cache(maxsize=4096)
def _options_naming(organization_id: int) -> tuple:
    """The same criteria with the organization written in, for the statements whose parameters
    cannot carry it: an INSERT's (or a bulk UPDATE's) parameters are its rows, and INSERT …
    SELECT reads tenant rows. SQLAlchemy reads the closure's value into the cache key at every
    execution: the cost that the bound parameter spares every other statement."""
    return (
        with_loader_criteria(
            TenantScoped,
            lambda cls: _customer_criterion(cls, cls.organization_id == organization_id),
            include_aliases=True, propagate_to_loaders=False,
        ),
        with_loader_criteria(Organization, lambda cls: cls.id == organization_id,
                             include_aliases=True, propagate_to_loaders=False),
        with_loader_criteria(
            User,
            lambda cls: or_(cls.organization_id == organization_id,
                            cls.organization_id.is_(None)),
            include_aliases=True, propagate_to_loaders=False,
        ),
    )


_ANONYMOUS_OPTIONS = (
    with_loader_criteria(TenantScoped, lambda cls: false(), include_aliases=True,
                         propagate_to_loaders=False),
    with_loader_criteria(Organization, lambda cls: false(), include_aliases=True,
                         propagate_to_loaders=False),
    with_loader_criteria(User, lambda cls: cls.organization_id.is_(None),
                         propagate_to_loaders=False),
)


def _scope_statement(state: ORMExecuteState) -> None:
    if state.is_column_load or isinstance(state.statement, TextClause):
        return  # column refreshes and plain SQL text (health checks) read no entity
    scope = _decided(state.session)
    if scope.is_unscoped:
        return
    # Every statement of the session gets the criteria, lazy and eager relationship loads
    # included (they run through here too), so none needs to inherit them from the statement
    # that loaded its parent (propagate_to_loaders=False): the session's decision applies.
    _refuse_foreign_bulk_writes(state, scope)
    if scope.organization_id is not None and (state.is_insert or state.is_executemany):
        state.statement = state.statement.options(*_options_naming(scope.organization_id))
    else:
        state.statement, state.parameters = _scoped(scope, state.statement, state.parameters)


def scoped_read(session: Session, statement, parameters: dict | None = None
                ) -> tuple[object, dict | None]:
    """`statement` and its `parameters` as the session's tenancy decision has an ORM read run
    them: the read that portal.reads runs on the session's connection, outside the ORM's
    execution (and so outside `_scope_statement`), gets the same criteria in the same scoped
    form. Raises TenancyUndecided before a decision."""
    scope = _decided(session)
    if scope.is_unscoped:
        return statement, parameters
    return _scoped(scope, statement, parameters)


def _decided(session: Session) -> Scope:
    scope = current_scope(session)
    if scope is None:
        raise TenancyUndecided(
            "ORM statement before a tenancy decision: set_scope() with an organization, "
            "or Scope.unscoped('why') for staff, CLI and jobs"
        )
    return scope


def _scoped(scope: Scope, statement, parameters):
    """A read (or an anonymous session's statement) under a scope that is not unscoped."""
    if scope.organization_id is None:
        return scoped_form(statement, _ANONYMOUS), parameters
    return (scoped_form(statement, _CUSTOMER),
            {**(parameters or {}), ORGANIZATION_PARAMETER: scope.organization_id})


# The scoped form of a statement executed again. `statement.options(...)` makes a new object,
# whose cache key SQLAlchemy computes by walking the whole statement (about as many calls as the
# rest of its execution); the object keeps its key once computed. A statement built once (at
# module level, or memoised per shape) therefore gets the same scoped object back each time and
# its key is computed once per process. Both forms name no organization (the customer's goes in
# the parameters), so one object serves every organization; statements are immutable, so the
# scoped form of one never changes. Entries are keyed by the statement's identity (and the
# kind of scope); each holds a weak reference to its statement, checked on every hit, and goes
# when the statement does (a statement built per request lives only as long as the request).
# Statements kept in reference cycles wait for the collector: MEMO_LIMIT bounds the memo
# whatever happens, by starting over.
_CUSTOMER = 0
_ANONYMOUS = 1
_OPTIONS = {_CUSTOMER: _CUSTOMER_OPTIONS, _ANONYMOUS: _ANONYMOUS_OPTIONS}
MEMO_LIMIT = 512
_scoped_forms: dict[tuple[int, int], tuple[weakref.ref, object]] = {}


def scoped_form(statement, kind: int):
    """`statement` with the criteria of `kind` (_CUSTOMER, _ANONYMOUS): the same object as
    the last time this statement object was scoped so, while it lives."""
    key = (id(statement), kind)
    entry = _scoped_forms.get(key)
    if entry is not None and entry[0]() is statement:
        return entry[1]
    scoped = statement.options(*_OPTIONS[kind])
    try:
        reference = weakref.ref(statement, _forget(key))
    except TypeError:
        return scoped  # a statement that cannot be weakly referenced is scoped every time
    if len(_scoped_forms) >= MEMO_LIMIT:
        _scoped_forms.clear()
    _scoped_forms[key] = (reference, scoped)
    return scoped


def _forget(key, forms=_scoped_forms):
    # `forms` held by the closure: at interpreter exit the module's globals are gone first.
    def forget(reference):
        entry = forms.get(key)
        if entry is not None and entry[0] is reference:
            forms.pop(key, None)
    return forget


def _refuse_foreign_bulk_writes(state: ORMExecuteState, scope: Scope) -> None:
    """ORM DML whose parameters are its rows passes neither the flush guard nor loader
    criteria on its target: in a customer's (or anonymous) session, an INSERT's rows must each
    be the session's organization's, and an UPDATE by primary key (`update(Model)` with a list
    of rows, which names no organization) is refused."""
    if not (state.is_insert or state.is_update):
        return  # reads, every customer page's statements: nothing more to ask
    mapper = state.bind_mapper
    if mapper is None or not issubclass(mapper.class_, (TenantScoped, Organization, User)):
        return
    if state.is_update and isinstance(state.parameters, list | tuple):
        raise TenancyViolation(
            f"bulk UPDATE of {mapper.class_.__name__} by primary key in a session scoped to "
            f"organization {scope.organization_id}: load the rows and change them instead")
    if state.is_insert:
        rows = state.parameters if isinstance(state.parameters, list | tuple) \
            else [state.parameters or {}]
        # What .values() wrote into the statement (SQLAlchemy keeps it as column → bound value;
        # an ORM INSERT cannot be compiled outside its execution). The test writes both ways.
        values = getattr(state.statement, "_values", None) or {}
        named = {getattr(key, "key", key): getattr(value, "value", value)
                 for key, value in values.items()}
        column = "id" if mapper.class_ is Organization else "organization_id"
        for row in (*rows, named):
            if column in row and row[column] != scope.organization_id:
                raise TenancyViolation(
                    f"{mapper.class_.__name__} of organization {row[column]} inserted in a "
                    f"session scoped to organization {scope.organization_id}")


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
