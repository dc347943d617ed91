"""Loading what a customer asked for. The session is already scoped to the viewer's
organization (portal.tenancy), so another organization's object is simply not found: 404."""

from __future__ import annotations

from flask import abort

from portal.escalations.models import Escalation
from portal.extensions import db


def escalation_or_404(reference: str) -> Escalation:
    escalation_id = Escalation.id_from_reference(reference)
    escalation = db.session.get(Escalation, escalation_id) if escalation_id else None
    if escalation is None:
        abort(404)
    return escalation


def row_or_404(model, row_id: int, **must_match):
    """A tenant row by id, 404 unless it exists (in this organization) and matches."""
    row = db.session.get(model, row_id)
    if row is None or any(getattr(row, key) != value for key, value in must_match.items()):
        abort(404)
    return row
