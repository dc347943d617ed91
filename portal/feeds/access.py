"""Who a feed URL speaks for, and the tenancy scope it reads under.

A feed request carries no session: the request hook decided "anonymous", and the token in the
URL is the only credential. `open_feed` looks the token up unscoped (a token is not a tenant
row, and nothing else is read before the decision), notes its use, and then scopes the session
to the owner's organization, read-only, exactly as a customer's own page request is scoped
(portal.auth.request_scope): every read after it goes through the same tenancy criteria, so
another organization's escalation simply does not exist.

Unknown, revoked, a deactivated owner, or a feed that is not for this kind of owner: all answer
None, and the view answers 404 without saying which (a 401 would confirm the URL once worked).
"""

from __future__ import annotations

from dataclasses import dataclass

from portal.extensions import db
from portal.feeds import operations, queries, tokens
from portal.tenancy import Scope, set_scope, unscoped


@dataclass(frozen=True)
class FeedOwner:
    """What a feed needs of its owner, as plain values (nothing lazy to load later)."""

    token_id: int
    token: str
    user_id: int
    organization_id: int | None
    organization_name: str

    @property
    def is_customer(self) -> bool:
        return self.organization_id is not None


def open_feed(token: str, *, customers_only: bool = True) -> FeedOwner | None:
    """The owner of an active token, with the session scoped to what they may read; None for
    anything else (see the module note). `customers_only=False` is for feeds of staff (a later
    on-call calendar), which then run unscoped and must scope their reads themselves."""
    if not tokens.looks_like_token(token):
        return None
    session = db.session()
    with unscoped(session, "resolving a feed token"):
        statement, params = queries.token_with_owner(tokens.token_hash(token))
        row = session.scalar(statement, params)
        user = row.user if row is not None else None
        if user is None or not user.active or (customers_only and user.organization_id is None):
            return None
        owner = FeedOwner(token_id=row.id, token=token, user_id=user.id,
                          organization_id=user.organization_id,
                          organization_name=user.organization.name if user.organization else "")
        if operations.record_use(row):
            session.commit()
    if owner.is_customer:
        set_scope(session, Scope.organization(owner.organization_id, read_only=True))
    else:
        set_scope(session, Scope.unscoped("a staff member's own feed"))
    return owner
