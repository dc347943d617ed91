"""Preview as customer: staff open the customer portal exactly as one customer user sees it.

The preview is a note in the signed session (who is previewed, and where to come back to). On
a customer page (the `customer` blueprint) the request's identity becomes that customer, decided
in the same place as every request's tenancy (`portal.auth.request_scope`): Flask-Login's
`current_user` is the customer and the session is scoped to their organization, read-only. So
the real views, templates, queries and visibility filter run unchanged; nothing is copied.

Read-only twice over: any request but GET/HEAD/OPTIONS to a customer page is refused with a
403 page before its view runs, and the scoped session refuses to flush anything at all (not
even a "last seen" marker). Console pages keep the real staff user. Sign-out (and sign-in)
clear the session, so the preview ends with it.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, flash, g, make_response, render_template, request, session
from flask.globals import _cv_app

from portal import audit, sessions
from portal.accounts.models import User
from portal.extensions import db, login_manager
from portal.permissions import Capability, can

SESSION_KEY = sessions.PREVIEW
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
PREVIEWED_BLUEPRINTS = frozenset({"customer"})
READ_ONLY_MESSAGE = "This is a read-only preview: nothing was saved."


@dataclass(frozen=True)
class Preview:
    """What the banner says, from the session (no query needed on any page)."""

    user_id: int
    name: str
    role: str
    organization: str
    return_to: str

    @property
    def active_here(self) -> bool:
        """True on the pages that render as the customer (the request's identity swapped)."""
        return g.get("preview_staff") is not None


def start_preview(staff: User, customer: User, *, return_to: str) -> Preview:
    """Begin previewing the portal as `customer`. Raises PermissionError unless `staff` may
    read the console and `customer` is an active customer user."""
    if not can(staff, Capability.VIEW_CONSOLE):
        raise PermissionError("only staff with console access may preview")
    if customer.is_staff or not customer.active or customer.organization_id is None:
        raise PermissionError("only active customer users can be previewed")
    preview = Preview(user_id=customer.id, name=customer.name, role=customer.role.label,
                      organization=customer.organization.name, return_to=return_to)
    session[SESSION_KEY] = {"user_id": preview.user_id, "name": preview.name,
                            "role": preview.role, "organization": preview.organization,
                            "return_to": return_to}
    audit.record("preview.started", actor=staff, obj=customer,
                 organization_id=customer.organization_id)
    return preview


def end_preview(staff: User) -> Preview | None:
    """Stop previewing (audited). Returns the preview that ended, or None."""
    preview = current_preview()
    session.pop(SESSION_KEY, None)
    if preview is not None:
        audit.record("preview.ended", actor=staff, obj=None, previewed_user_id=preview.user_id)
    return preview


def current_preview() -> Preview | None:
    data = session.get(SESSION_KEY)
    if not isinstance(data, dict):
        return None
    try:
        return Preview(**data)
    except TypeError:
        return None


def identity_for_request(user):
    """The identity this request runs as: the previewed customer on a customer page of a
    previewing staff member, else `user`. Called by the tenancy decision, inside its unscoped
    block, before anything else loads."""
    if not (getattr(user, "is_authenticated", False) and user.is_staff):
        return user
    preview = current_preview()
    if preview is None or request.blueprint not in PREVIEWED_BLUEPRINTS:
        return user
    if not can(user, Capability.VIEW_CONSOLE):
        session.pop(SESSION_KEY, None)
        return user
    customer = db.session.get(User, preview.user_id)
    if customer is None or customer.is_staff or not customer.active:
        session.pop(SESSION_KEY, None)  # deactivated meanwhile: back to the staff identity
        return user
    g.preview_staff = user
    login_manager._update_request_context_with_user(customer)
    return customer


def is_previewing() -> bool:
    """True while this request renders as a previewed customer."""
    ctx = _cv_app.get(None)  # `g` without its proxy (asked twice by every request)
    return (ctx.g if ctx is not None else g).get("preview_staff") is not None


def refuse_writes():
    """before_request: a previewed page is read-only, whatever the form or htmx call."""
    if not is_previewing() or request.method in SAFE_METHODS:
        return None
    if request.headers.get("HX-Request") == "true":
        # htmx does not swap a 403 (see base.html): reload the page, which shows the refusal.
        flash(READ_ONLY_MESSAGE, "error")
        response = make_response(READ_ONLY_MESSAGE, 403)
        response.headers["HX-Refresh"] = "true"
        return response
    return refusal()


def refusal(reason: str | None = None):
    """The read-only preview's 403 page, with why this particular thing is refused."""
    return render_template("auth/preview_refused.html", customer_preview=current_preview(),
                           reason=reason), 403


def _banner_context() -> dict:
    return {"customer_preview": current_preview() if SESSION_KEY in session else None}


def init_app(app: Flask) -> None:
    app.before_request(refuse_writes)
    app.context_processor(_banner_context)
