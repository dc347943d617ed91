"""Shared by the lifecycle, create and handoff tests: signing staff in and posting forms."""

from __future__ import annotations

from sqlalchemy import func, select

from portal.enums import Role


def sign_in(auth, world, role=Role.AGENT, user=None) -> str:
    """Sign a member of staff in; return the CSRF token their console pages carry."""
    auth.login((user or world.staff[role]).email)
    return auth.csrf_token("/admin/")


def form(prefix: str, token: str, **fields) -> dict:
    return {f"{prefix}-csrf_token": token, **{f"{prefix}-{k}": v for k, v in fields.items()}}


def count(as_staff, model, **where) -> int:
    with as_staff() as session:
        return session.scalar(select(func.count()).select_from(model).filter_by(**where))


def overview(world, escalation=None) -> str:
    return f"/admin/escalations/{(escalation or world.escalation_a).id}"
