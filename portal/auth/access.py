"""Who may reach a view. One decorator per audience; the order of checks is visible here."""

from __future__ import annotations

from functools import wraps

from flask import abort, redirect, url_for
from flask_login import current_user, login_required

from portal.extensions import login_manager


def customer_required(view):
    """Signed-in customers only; staff are sent to their console."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if current_user.is_staff:
            return redirect(url_for("admin.home"))
        return view(*args, **kwargs)

    return wrapped


def home_url_for(user) -> str:
    return url_for("admin.home") if user.is_staff else url_for("customer.home")


def staff_only() -> None:
    """Blueprint guard for admin/: anonymous users sign in, customers are refused (403)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_staff:
        abort(403)
    return None
