"""htmx conventions: one helper picks the page or its fragment; responses vary on HX-Request."""

from __future__ import annotations

from flask import Flask, current_app, render_template

from portal.extensions import htmx
from portal.security import add_vary


def render_htmx_template(page: str, fragment: str, *, status: int = 200, **context):
    """Render `fragment` for an htmx request that targets it, else the full `page`.

    The page includes the same fragment file, so there is never duplicated markup. Boosted
    navigation (hx-boost) gets the full page.
    """
    return render_template(fragment if wants_fragment() else page, **context), status


def wants_fragment() -> bool:
    """An htmx request aimed at part of the page (boosted navigation wants the whole page)."""
    return bool(htmx) and not htmx.boosted


def whole_page_to(target: str, *, status: int = 200):
    """The answer to an htmx request that must take the whole page elsewhere (sign-in, the
    second factor): HX-Redirect, never a 3xx, which the browser would follow inside the request
    and swap the other page into the region."""
    response = current_app.response_class("", status=status)
    response.headers["HX-Redirect"] = target
    return response


def _vary_on_htmx(response):
    add_vary(response, "HX-Request")
    return response


def init_app(app: Flask) -> None:
    app.after_request(_vary_on_htmx)
