from __future__ import annotations

from flask import redirect, url_for
from flask_login import current_user

from portal.auth.access import home_url_for
from portal.customer import bp


@bp.route("/")
def index():
    user = current_user._get_current_object()
    if user.is_authenticated:
        return redirect(home_url_for(user))
    return redirect(url_for("auth.login"))
