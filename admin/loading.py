"""Loading what staff asked for (staff requests run unscoped: any organization's rows)."""

from __future__ import annotations

from flask import abort

from portal.escalations.models import Escalation
from portal.extensions import db


def escalation_or_404(escalation_id: int) -> Escalation:
    escalation = db.session.get(Escalation, escalation_id)
    if escalation is None:
        abort(404)
    return escalation


def row_or_404(model, row_id: int, **must_match):
    row = db.session.get(model, row_id)
    if row is None or any(getattr(row, key) != value for key, value in must_match.items()):
        abort(404)
    return row
