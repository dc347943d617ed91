"""The staff console, under /admin. Only staff reach it; customers get a 403.

Each module registers its routes on `bp` and its navigation entries (admin.navigation) when
imported below.
"""

from flask import Blueprint

from admin import navigation
from portal import chrome
from portal.auth.access import staff_only
from portal.permissions import can

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")
bp.before_request(staff_only)


@bp.app_template_global()
def console_nav(user):
    """The console's navigation for `user`: (the bar's entries, the Administration menu's)."""
    entries = navigation.visible(navigation.MAIN, user)
    return ([entry for entry in entries if entry.in_bar],
            [entry for entry in entries if not entry.in_bar])


chrome.use_console_nav(console_nav)  # the main navigation draws the console's entries


@bp.app_template_global()
def escalation_tabs(user):
    return navigation.visible(navigation.ESCALATION_TABS, user)


bp.add_app_template_global(can, "can")

from admin import (  # noqa: E402,F401  (routes register on import)
    accounts,
    analytics,
    api_tokens,
    approvals,
    audit_log,
    broadcasts,
    create,
    delivery,
    drills,
    escalation,
    exports,
    handoffs,
    integrations,
    oncall,
    oncall_pages,
    oncall_routing,
    people,
    plan,
    policies,
    preview,
    priority,
    reviews,
    rules,
    scheduled,
    sent_mail,
    single_sign_on,
    timeline,
    two_factor,
    update_templates,
    views,
    webhooks,
)
