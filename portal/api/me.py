"""`/api/v1/me`: who the token acts as, and what it may do."""

from __future__ import annotations

from flask import g
from flask_login import current_user

from portal.api.blueprint import bp, needs
from portal.api.schemas import MeSchema


@bp.route("/me", methods=["GET"])
@bp.etag
@bp.response(200, MeSchema)
@needs("read")
def me():
    """The person the token acts as (its issuer), their organization, and the token's scopes."""
    user, token = current_user, g.api_token
    return {"id": user.id, "name": user.name, "email": user.email, "role": user.role.value,
            "organization": None if user.is_staff else user.organization,
            "token_name": token.name, "token_prefix": token.prefix, "scopes": token.scopes,
            "token_expires_at": token.expires_at}
