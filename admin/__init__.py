"""The staff console, under /admin. Only staff reach it; customers get a 403."""

from flask import Blueprint

from portal.auth.access import staff_only

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
bp.before_request(staff_only)

from admin import sent_mail, views  # noqa: E402,F401  (routes register on import)
