"""What staff do while a customer watches, done through the operations as the console would."""

from __future__ import annotations

from portal.accounts.models import User
from portal.enums import Visibility
from portal.escalations import operations as ops
from portal.escalations.models import Escalation
from portal.extensions import db
from portal.tenancy import Scope, set_scope


def post_as_owner(app, reference: str, body: str, visibility: Visibility) -> str:
    """The escalation's owner posts an update, committed; returns the owner's name."""
    with app.app_context():
        session = db.session()
        set_scope(session, Scope.unscoped("browser test: staff posts an update"))
        escalation = session.get(Escalation, Escalation.id_from_reference(reference))
        author = session.get(User, escalation.owner_id)
        ops.post_update(escalation, author=author, body=body, visibility=visibility)
        session.commit()
        return author.name
