"""The API's escalation list: the dashboard's and the queue's filters over the same base
queries (`portal.escalations.queries`), paged by an opaque cursor (newest first, by id) so a
client walking the list never sees a row twice or skips one when rows are added meanwhile.

Whose escalations a caller sees is the session's scope (portal.tenancy), as on the web.
"""

from __future__ import annotations

import base64
import binascii

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from portal.escalations.listing import search_criterion
from portal.escalations.models import Escalation
from portal.escalations.queries import escalations_for_organization, open_escalations
from portal.extensions import db
from portal.operations import OperationError


def encode_cursor(escalation_id: int) -> str:
    return base64.urlsafe_b64encode(f"e{escalation_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The id a cursor stands for. Raises OperationError (field `cursor`) for anything else."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith("e") and text[1:].isdigit() and len(text) < 20:
            return int(text[1:])
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise OperationError("This cursor is not one the API gave out.", "cursor")


def _base(user, *, open_only: bool) -> Select:
    if not user.is_staff:
        return escalations_for_organization(user.organization_id, open_only=open_only)
    if open_only:
        return open_escalations()
    return select(Escalation).options(selectinload(Escalation.organization),
                                      selectinload(Escalation.owner),
                                      selectinload(Escalation.communicator))


def escalations_page(user, filters: dict) -> tuple[list[Escalation], str | None]:
    """One page of the escalations `user` may see that match `filters`, and the cursor of
    the next page (None on the last)."""
    stmt = _base(user, open_only=filters.get("open", True)).order_by(None)
    if filters.get("q"):
        stmt = stmt.where(search_criterion(filters["q"]))
    for name in ("status", "severity", "tier", "product_area"):
        if filters.get(name) is not None:
            stmt = stmt.where(getattr(Escalation, name) == filters[name])
    if user.is_staff:  # a customer's scope already fixes the organization
        for name in ("organization_id", "owner_id"):
            if filters.get(name) is not None:
                stmt = stmt.where(getattr(Escalation, name) == filters[name])
    if filters.get("cursor"):
        stmt = stmt.where(Escalation.id < decode_cursor(filters["cursor"]))
    limit = filters.get("limit", 25)
    rows = list(db.session.scalars(stmt.order_by(Escalation.id.desc()).limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id) if more and rows else None
