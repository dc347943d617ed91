"""The request's copy of the remembered account (portal.live.account_copy) against
SQLAlchemy's own `session.merge(copy, load=False)`, which it stands in for."""

from __future__ import annotations

from sqlalchemy import event, orm
from sqlalchemy.orm.attributes import instance_state

from portal import live
from portal.accounts import credentials
from portal.accounts.models import Organization, User
from portal.enums import Role
from portal.extensions import db
from portal.live.account_copy import merged_copy
from portal.tenancy import Scope, set_scope


def _remembered_copy(app, user_id):
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("test"))
        return live._detached_copy(credentials.user_with_organization(user_id))


def _described(session, user):
    """Everything merge leaves behind that a request could notice."""
    states = []
    for state in session.identity_map.all_states():
        values = {key: value for key, value in state.dict.items() if key != "_sa_instance_state"}
        states.append((state.key, state.persistent, values, dict(state.committed_state),
                       set(state.expired_attributes), set(state.callables),
                       state.load_path, state.load_options, state.modified))
    states.sort(key=lambda described: repr(described[0]))
    return (states, user.organization is session.identity_map.get(
        instance_state(user.organization).key), session.dirty, session.new)


def _shape(described):
    """The description with instances replaced by their identity (two sessions' instances
    are never the same objects)."""

    def plain(value):
        state = getattr(value, "_sa_instance_state", None)
        return ("instance", state.key) if state is not None else value

    states, same_organization, dirty, new = described
    return ([(key, persistent, {k: plain(v) for k, v in values.items()}, committed, expired,
              callables, path, options, modified)
             for key, persistent, values, committed, expired, callables, path, options, modified
             in states], same_organization, len(dirty), len(new))


def test_the_copy_is_what_merge_gives(app, world):
    """A signed-in request's account is the same persistent user and organization whether
    SQLAlchemy merges the remembered copy or the portal copies it."""
    viewer = world.customers_a[Role.VIEWER]
    copy = _remembered_copy(app, viewer.id)
    merged_session, copied_session = orm.Session(), orm.Session()
    merged = merged_session.merge(copy, load=False)
    copied = merged_copy(copied_session, copy)
    assert copied is not copy and copied.organization is not copy.organization
    assert _shape(_described(copied_session, copied)) == _shape(
        _described(merged_session, merged))
    assert instance_state(copy).session_id is None  # the remembered copy stays detached


def test_the_copy_sends_the_events_merge_sends(app, world):
    """Listeners of SQLAlchemy's attach and load events hear the same events in the same
    order from the copy as from merge."""
    copy = _remembered_copy(app, world.customers_b[Role.EXECUTIVE].id)
    heard = []

    def listen(name):
        def record(*args):
            target = args[1] if name in ("after_attach", "transient_to_pending",
                                         "detached_to_persistent") else args[0]
            heard.append((name, type(target).__name__))
        return record

    listeners = [(orm.Session, name) for name in ("after_attach", "detached_to_persistent")]
    listeners += [(model, "load") for model in (User, Organization)]
    added = []
    for target, name in listeners:
        fn = listen(name)
        event.listen(target, name, fn)
        added.append((target, name, fn))
    try:
        orm.Session().merge(copy, load=False)
        by_merge, heard[:] = list(heard), []
        merged_copy(orm.Session(), copy)
        assert heard == by_merge and by_merge
    finally:
        for target, name, fn in added:
            event.remove(target, name, fn)


def test_a_session_holding_rows_merges_as_before(app, world):
    """A session that already holds the user (a job's, a test's) gets SQLAlchemy's merge."""
    viewer = world.customers_a[Role.VIEWER]
    copy = _remembered_copy(app, viewer.id)
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("test"))
        held = session.get(User, viewer.id)
        assert merged_copy(session, copy) is held


def test_a_changed_copy_is_flushed_like_a_loaded_user(app, world):
    """The copied user is a persistent row of the request's session: a change to it is
    written at the next flush, and what the copy never loaded is read on demand."""
    viewer = world.customers_a[Role.VIEWER]
    copy = _remembered_copy(app, viewer.id)
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("test"))
        user = merged_copy(session, copy)
        assert user in session and not session.dirty
        user.name = "Renamed Viewer"
        assert user in session.dirty
        session.flush()
        assert user.organization.sla_policy is not None  # lazy, through the session
        session.expire_all()
        assert session.get(User, viewer.id).name == "Renamed Viewer"
    assert copy.name != "Renamed Viewer"
