"""The tenancy criteria on every shape of ORM statement, and across SQLAlchemy's compiled cache:
a statement compiled for one organization answers the next organization with its own rows."""

import pytest
from sqlalchemy import event, exc, func, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from portal.accounts.models import Organization, User
from portal.enums import Role
from portal.escalations.models import Escalation, StatusChange, Update
from portal.escalations.queries import customer_visible
from portal.extensions import db
from portal.isolation import ORGANIZATION_PARAMETER
from portal.tenancy import Scope, set_scope, unscoped
from tests import factories


@pytest.fixture
def drill_id(app, world, as_staff) -> int:
    """An escalation of organization A marked as a drill (with its opening rows)."""
    with as_staff() as session:
        agent = session.merge(world.staff[Role.AGENT])
        escalation = factories.make_escalation(session.merge(world.org_a), actor=agent,
                                               title="Rehearsal")
        escalation.is_drill = True
        session.flush()
        return escalation.id


def _scoped(org_id: int | None):
    session = db.session()
    set_scope(session, Scope.organization(org_id) if org_id else Scope.anonymous())
    session.expunge_all()  # what an earlier turn loaded must not answer this one
    return session


@pytest.fixture
def cache_hits(app):
    """The compiled-cache outcome of every SELECT the engine runs, in order."""
    outcomes: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            outcomes.append(str(context.cache_hit).rsplit(".", 1)[-1])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", record)
    yield outcomes
    event.remove(engine, "after_cursor_execute", record)


def test_one_compiled_statement_answers_each_organization_with_its_own_rows(
        app, world, cache_hits):
    """The same query, taking turns between two organizations in one process, returns each
    organization's rows only, although SQLAlchemy compiled it once and reuses it."""
    query = select(Escalation.id, Update.organization_id).join(
        Update, Update.escalation_id == Escalation.id).order_by(Update.id)
    expected = {world.org_a.id: world.escalation_a.id, world.org_b.id: world.escalation_b.id}
    with app.app_context():
        for turn in range(6):
            org_id = (world.org_a.id, world.org_b.id)[turn % 2]
            rows = _scoped(org_id).execute(query).all()
            assert rows and {tuple(row) for row in rows} == {(expected[org_id], org_id)}
    assert cache_hits[2:] == ["CACHE_HIT"] * 4  # the later turns did reuse the compiled form


def test_a_statement_built_per_request_is_answered_per_organization(app, world, cache_hits):
    """Built anew each time (as views do), entity loads, counts and gets still follow the
    session's organization on the cached path."""
    with app.app_context():
        turns = ((world.org_a, world.escalation_a, world.escalation_b),
                 (world.org_b, world.escalation_b, world.escalation_a))
        for turn in range(6):
            org, mine, theirs = turns[turn % 2]
            session = _scoped(org.id)
            assert session.scalars(select(Escalation)).all() == [session.get(Escalation, mine.id)]
            session.expunge_all()
            assert session.get(Escalation, theirs.id) is None
            assert session.scalar(select(func.count()).select_from(Update).where(
                Update.escalation_id == theirs.id)) == 0
            assert session.scalars(select(Organization)).all() == [session.get(
                Organization, org.id)]
    assert "CACHE_HIT" in cache_hits[len(cache_hits) // 2:]


def test_aliases_joins_and_eager_loads_are_scoped(app, world):
    """An alias, a join to an alias, a joined eager load and a select-in load all reach only
    the session's organization."""
    with app.app_context():
        session = _scoped(world.org_a.id)
        alias = aliased(Escalation)
        assert session.scalars(select(alias.id)).all() == [world.escalation_a.id]
        joined = session.execute(select(Update.id, alias.organization_id).join(
            alias, alias.id > 0)).all()
        assert {org for _, org in joined} == {world.org_a.id}
        assert not session.scalars(select(Update.id).join(
            alias, Update.escalation_id == alias.id).where(alias.id == world.escalation_b.id)
        ).all()
        for option in (joinedload, selectinload):
            session.expunge_all()
            loaded = session.scalars(select(StatusChange).options(
                option(StatusChange.escalation))).unique().all()
            assert loaded and {change.escalation.id for change in loaded} == {
                world.escalation_a.id}
            session.expunge_all()
            escalations = session.scalars(select(Escalation).options(
                option(Escalation.status_history))).unique().all()
            assert [e.id for e in escalations] == [world.escalation_a.id]
            assert {c.organization_id for c in escalations[0].status_history} == {
                world.org_a.id}


def test_relationship_loads_follow_the_sessions_decision(app, world):
    """A row loaded while unscoped, then walked in a customer's session, still reaches only
    that customer's rows: the lazy load is scoped by the session, not by how its parent came."""
    with app.app_context():
        session = db.session()
        with unscoped(session, "test: staff load"):
            foreign = session.get(Escalation, world.escalation_b.id)
        set_scope(session, Scope.organization(world.org_a.id))
        assert foreign.status_history == []
        assert foreign.organization is None
        with unscoped(session, "test: staff walk"):
            colleagues = session.scalars(select(User).where(
                User.organization_id == world.org_b.id)).all()
        assert colleagues  # unscoped sees everything, as it says


def test_drills_and_rows_naming_them_are_hidden_on_every_path(app, world, drill_id):
    """A drill of the customer's own organization does not exist for it: not as an entity,
    an alias, a count, a get, nor through the rows that name it."""
    with app.app_context():
        session = _scoped(world.org_a.id)
        alias = aliased(Escalation)
        assert drill_id not in session.scalars(select(Escalation.id)).all()
        assert drill_id not in session.scalars(select(alias.id)).all()
        assert session.get(Escalation, drill_id) is None
        for model in (Update, StatusChange):
            assert session.scalar(select(func.count()).select_from(model).where(
                model.escalation_id == drill_id)) == 0
            assert not session.scalars(select(model.id).join(
                alias, model.escalation_id == alias.id).where(alias.id == drill_id)).all()
        with unscoped(session, "test: the drill is there"):
            assert session.scalar(select(func.count()).select_from(StatusChange).where(
                StatusChange.escalation_id == drill_id)) > 0


def test_anonymous_sees_no_tenant_row(app, world):
    """Nobody signed in: no escalation, update, organization or customer exists."""
    with app.app_context():
        session = _scoped(None)
        assert session.scalars(select(Escalation)).all() == []
        assert session.scalars(select(aliased(Update))).all() == []
        assert session.scalars(select(Organization)).all() == []
        assert session.get(Escalation, world.escalation_a.id) is None
        assert all(user.organization_id is None for user in session.scalars(select(User)))


def test_criteria_without_the_sessions_organization_fail_closed(app, world):
    """Should a statement ever carry the criteria but not the organization's value, it fails
    instead of matching some organization."""
    from portal.isolation import _CUSTOMER_OPTIONS

    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("test: criteria by hand"))
        with pytest.raises(exc.StatementError, match=ORGANIZATION_PARAMETER):
            session.scalars(select(Escalation).options(*_CUSTOMER_OPTIONS)).all()
        session.rollback()


def test_a_parameter_of_the_same_name_cannot_choose_the_organization(app, world):
    """A caller's own parameter named like the tenancy one is overridden by the session's."""
    from sqlalchemy import bindparam

    with app.app_context():
        session = _scoped(world.org_a.id)
        rows = session.scalars(
            select(Escalation.id).where(
                Escalation.organization_id == bindparam(ORGANIZATION_PARAMETER)),
            {ORGANIZATION_PARAMETER: world.org_b.id}).all()
        assert rows == [world.escalation_a.id]


def test_insert_from_select_reads_only_the_sessions_organization(app, world):
    """An INSERT … SELECT (whose parameters are its rows) still selects only the session's
    organization, taking turns between organizations."""
    from sqlalchemy import insert, literal

    columns = [Update.organization_id, Update.escalation_id, Update.kind, Update.visibility,
               Update.body]
    with app.app_context():
        for turn in range(4):
            org_id = (world.org_a.id, world.org_b.id)[turn % 2]
            session = _scoped(org_id)
            session.begin_nested()
            session.execute(insert(Update).from_select(columns, select(
                Escalation.organization_id, Escalation.id, literal("note"),
                literal("customer"), literal(f"copied {turn}"))))
            with unscoped(session, "test: what was copied"):
                copied = session.scalars(select(Update.organization_id).where(
                    Update.body == f"copied {turn}")).all()
            session.rollback()
            assert copied == [org_id]  # one row copied: the session's escalation only


# A statement built once, at module level, as pages build theirs: the session gives back the
# same scoped object each time it runs it (portal.isolation.scoped_form).
_UPDATES_ONCE = select(Update.organization_id, Update.body).where(
    customer_visible(Update)).order_by(Update.id)
_ESCALATIONS_ONCE = select(Escalation)


def test_a_statement_built_once_is_scoped_once_and_answers_each_organization(app, world):
    """Taking turns between two organizations and nobody on the same statement objects: each
    turn sees its own organization's rows only, and never an internal note, while the scoped
    form (and so its cache key) is computed once per statement and kind of scope."""
    from portal.isolation import scoped_form

    made: list = []
    real_options = type(_UPDATES_ONCE).options

    def counting_options(statement, *options):
        made.append(statement)
        return real_options(statement, *options)

    with app.app_context(), pytest.MonkeyPatch.context() as patch:
        patch.setattr(type(_UPDATES_ONCE), "options", counting_options)
        for turn in range(9):
            org = (world.org_a, world.org_b, None)[turn % 3]
            session = _scoped(org.id if org else None)
            rows = session.execute(_UPDATES_ONCE).all()
            escalations = session.scalars(_ESCALATIONS_ONCE).all()
            if org is None:
                assert rows == [] and escalations == []
                continue
            assert rows and {organization for organization, _ in rows} == {org.id}
            assert not any(factories.CANARY in body for _, body in rows)
            assert [e.organization_id for e in escalations] == [org.id]
            session.rollback()
    assert made.count(_UPDATES_ONCE) == 2 and made.count(_ESCALATIONS_ONCE) == 2  # two kinds
    assert scoped_form(_UPDATES_ONCE, 0) is scoped_form(_UPDATES_ONCE, 0)


def test_the_scoped_forms_memo_cannot_grow_without_bound(app, world):
    """Statements built per request leave the memo when they go; however many are kept alive,
    it never holds more than MEMO_LIMIT."""
    import gc

    from portal import isolation

    with app.app_context():
        session = _scoped(world.org_a.id)
        before = len(isolation._scoped_forms)
        for n in range(50):
            assert session.scalars(select(Escalation.id).where(Escalation.id > n)).all() in (
                [world.escalation_a.id], [])
        gc.collect()
        assert len(isolation._scoped_forms) <= before
        kept = [select(Escalation.id).where(Escalation.id > n)
                for n in range(isolation.MEMO_LIMIT * 2)]
        for statement in kept:
            isolation.scoped_form(statement, 0)
            assert len(isolation._scoped_forms) <= isolation.MEMO_LIMIT
        # Whatever was dropped is simply scoped again, with the same criteria.
        assert session.scalars(kept[0]).all() == [world.escalation_a.id]
