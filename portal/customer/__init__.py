"""The customer portal. One module per page area; every view is customer-only and reads
through the organization-scoped session."""

from flask import Blueprint

bp = Blueprint("customer", __name__)

from portal.customer import (  # noqa: E402,F401  (routes register)
    actions,
    api_tokens,
    dashboard,
    escalation,
    executive,
    history,
    preferences,
    reports,
    team,
    team_two_factor,
    views,
    webhooks,
)
