from flask import Blueprint

bp = Blueprint("auth", __name__)

from portal.auth import invitations, views  # noqa: E402,F401  (routes register on import)
