"""The request's own copy of the remembered account: `session.merge(copy, load=False)`, less
its walk through every mapped attribute.

Every signed-in request served from the memo merges the remembered user (with their
organization) into its still empty session. SQLAlchemy's merge asks each of the two mappers'
forty-odd properties to copy itself (a method call each, the relationships each checking
their cascade), and wraps the whole in a `no_autoflush` block that a merge without loading
never needs. Here each mapper's properties are sorted once into plain columns and to-one
relationships that cascade merge, and the values are copied as SQLAlchemy's `merge(load=False)`
copies them: the same new instance attached as persistent, the same values (the same
objects), the same load path, options and callables, an attribute the copy never loaded
expired as merge expires it, history committed and the `load` events sent, in the same order
of instances.

Anything else (a version column, a property other than a column or a relationship, a loaded
collection that cascades merge, an instance that is transient or changed, a session that
already holds rows) goes through `session.merge` itself. It relies on SQLAlchemy's
session internals (`_update_impl`, `InstanceState._commit_all`, the `_sa_event_merge_wo_load`
dispatch); tests/live/test_account_copy.py compares the result with `session.merge`'s.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import ColumnProperty, Relationship, Session
from sqlalchemy.orm.attributes import instance_state

# A mapper -> its properties in merge order as (key, relationship?), or None (merge it).
_PLANS: dict[Any, tuple[tuple[str, bool], ...] | None] = {}


def _plan(mapper) -> tuple[tuple[str, bool], ...] | None:
    try:
        return _PLANS[mapper]
    except KeyError:
        pass
    steps: list[tuple[str, bool]] | None = []
    if mapper.version_id_col is not None:
        steps = None
    else:
        for prop in mapper.iterate_properties:
            if isinstance(prop, ColumnProperty) and type(prop) is ColumnProperty:
                if prop.instrument:
                    steps.append((prop.key, False))
            elif isinstance(prop, Relationship):
                if "merge" in prop._cascade:  # a loaded collection sends it all to merge()
                    steps.append((prop.key, True))
            else:
                steps = None
                break
    plan = None if steps is None else tuple(steps)
    _PLANS[mapper] = plan
    return plan


def _plain(state, seen: dict) -> bool:
    """Whether the graph from `state` is what the copy handles (else: session.merge): one
    instance per identity, none transient or changed, no collection to merge."""
    if state.key is None or state.modified:
        return False
    if state.key in seen:
        return seen[state.key] is state
    seen[state.key] = state
    mapper = state.mapper
    plan = _plan(mapper)
    if plan is None:
        return False
    values = state.dict
    for key, relationship in plan:
        if relationship and key in values:
            if mapper.relationships[key].uselist:
                return False
            related = values[key]
            if related is not None and not _plain(instance_state(related), seen):
                return False
    return True


def merged_copy(session: Session, instance):
    """What `session.merge(instance, load=False)` returns for a detached, unchanged
    `instance` (and what it refers to) merged into an empty `session`."""
    state = instance_state(instance)
    if len(session.identity_map) or not _plain(state, {}):
        return session.merge(instance, load=False)
    return _copy(session, state, {})


def _copy(session: Session, state, done: dict):
    manager = state.manager
    merged = manager.new_instance()
    merged_state = instance_state(merged)
    merged_state.key = state.key
    session._update_impl(merged_state)
    done[state] = merged
    merged_state.load_path = state.load_path
    merged_state.load_options = state.load_options
    merged_state._copy_callables(state)
    values, merged_values = state.dict, merged_state.dict
    expired = None
    for key, relationship in _PLANS[manager.mapper]:
        if key in values:
            value = values[key]
            if relationship and value is not None:
                related = instance_state(value)
                value = done.get(related)
                if value is None:
                    value = _copy(session, related, done)
            merged_values[key] = value
        elif not relationship and key not in merged_values:
            if expired is None:
                expired = []
            expired.append(key)
    if expired is not None:
        merged_state._expire_attributes(merged_values, expired, no_loader=True)
    merged_state._commit_all(merged_values, session.identity_map)
    manager.dispatch._sa_event_merge_wo_load(merged_state, None)
    manager.dispatch.load(merged_state, None)
    return merged
