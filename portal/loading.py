"""Loading what a request asked for by its id, or answering 404.

Whose rows a request may see is decided once, by the session's scope (portal.tenancy): staff
requests run unscoped, a customer's is scoped to their organization. So the same lookups serve
the console and the portal, and another organization's row is simply not found: a foreign id
answers 404 exactly like a missing one.
"""

from __future__ import annotations

from flask import abort

from portal.escalations.models import Escalation
from portal.extensions import db


def row_or_404(model, row_id: int, **must_match):
    """A row by id, 404 unless it exists (for this session) and matches `must_match`."""
    row = db.session.get(model, row_id)
    if row is None or any(getattr(row, key) != value for key, value in must_match.items()):
        abort(404)
    return row


def escalation_or_404(escalation_id: int) -> Escalation:
    """An escalation by id (the console's URLs)."""
    return row_or_404(Escalation, escalation_id)


def escalation_by_reference_or_404(reference: str) -> Escalation:
    """An escalation by its reference, "ESC-1042" (the portal's URLs)."""
    escalation_id = Escalation.id_from_reference(reference)
    if escalation_id is None:
        abort(404)
    return row_or_404(Escalation, escalation_id)
