"""Who may reach a view. One decorator per audience; the order of checks is visible here."""

from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import abort, flash, g, redirect, request, url_for
from flask_login import current_user, login_url

from portal.chrome import link_to
from portal.extensions import htmx, login_manager
from portal.htmx import whole_page_to
from portal.login import login_required  # Flask-Login's, without its proxies


@login_manager.unauthorized_handler
def sign_in_first():
    """Someone not signed in asks for a page that needs it: to sign-in, and back here after.

    When their session has just ended, the sign-in page says why (portal.security) instead
    of the generic "Please sign in". An htmx request (a poll, a form of a page left open)
    takes the whole page to sign-in: a redirect would be followed inside the request and
    put the sign-in page where the region was.
    """
    if not g.get("session_expired"):
        flash(login_manager.login_message, login_manager.login_message_category)
    if not htmx:
        return redirect(login_url(login_manager.login_view, request.url))
    return whole_page_to(login_url(login_manager.login_view, _page_behind()), status=401)


def _page_behind() -> str | None:
    """The page an htmx request came from (a boosted navigation: the page it goes to), as a
    path for `next`; the sign-in view accepts only paths inside the portal anyway."""
    if htmx.boosted:
        return request.full_path
    page = urlsplit(htmx.current_url or "")
    return page.path + (f"?{page.query}" if page.query else "") if page.path else None


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
    return link_to("admin.home") if user.is_staff else link_to("customer.home")


def staff_only() -> None:
    """Blueprint guard for admin/: anonymous users sign in, customers are refused (403)."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    if not current_user.is_staff:
        abort(403)
    return None
