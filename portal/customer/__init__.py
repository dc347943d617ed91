"""The customer portal. One module per page area; every view is customer-only and reads
through the organization-scoped session."""

from flask import Blueprint

bp = Blueprint("customer", __name__)

from portal.customer import dashboard, escalation, views  # noqa: E402,F401  (routes register)
