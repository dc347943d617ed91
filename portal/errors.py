"""Error pages that say what happened and nothing else.

Every error answers with the app's own page (problem details under `/api/`), so it carries
the security headers that `portal.security` sets on every response. Before rendering, the
request's transaction is rolled back: a failed statement leaves PostgreSQL's transaction
aborted (the layout's own queries would fail again) and SQLite's write lock held, and an error
must never commit what the request half-wrote. If the full layout cannot render (the database
is the thing that broke), a plain page that touches nothing but Jinja answers instead of the
server's bare one.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

from portal.extensions import db
from portal.problems import problem, wants_problem

MESSAGES = {
    400: "The request could not be understood. Please go back and try again.",
    403: "You do not have access to this page.",
    404: "We could not find that page. It may have moved, or you may not have access to it.",
    405: "That action is not available here.",
    410: "This link is no longer valid. Ask for a new one.",
    413: "That upload is too large.",
    422: "Some of what was sent cannot be accepted (for example a NUL byte or a number far "
         "out of range). Please check it and try again.",
    429: "Too many attempts. Please wait a minute and try again.",
    500: "Something went wrong on our side. The team has been told; please try again shortly.",
    503: "This is taking longer than it should. Please try again in a few minutes; if it keeps "
         "happening, tell your Clearpath contact.",
}


def rollback_quietly() -> None:
    """End the request's transaction; a connection that is itself broken must not hide the
    error page behind a second exception."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the page matters more than a dead connection's excuse
        current_app.logger.exception("rollback before the error page failed")


def render_error(code: int):
    rollback_quietly()
    message = MESSAGES.get(code, "Something went wrong.")
    if wants_problem():  # the API's callers read problem details, not a page
        return problem(code, message), code
    try:
        return render_template("errors/error.html", code=code, message=message), code
    except Exception:  # noqa: BLE001 - the layout needs the database; the plain page does not
        current_app.logger.exception("error page layout failed; plain page instead")
        rollback_quietly()
        page = current_app.jinja_env.get_template("errors/plain.html")
        return page.render(code=code, message=message), code


def _handle_http(exc: HTTPException):
    body, code = render_error(exc.code or 500)
    headers = {}
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        headers["Allow"] = ", ".join(exc.valid_methods)
    if exc.code == 429 and getattr(exc, "retry_after", None):
        headers["Retry-After"] = str(exc.retry_after)
    return body, code, headers


def _handle_unexpected(exc: InternalServerError):
    # Flask has logged the original exception already (Flask.log_exception).
    return render_error(InternalServerError.code)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http)
    # Unhandled exceptions reach this as InternalServerError when they are not propagated
    # (production; a test app with PROPAGATE_EXCEPTIONS=False); tests see them raised.
    app.register_error_handler(InternalServerError, _handle_unexpected)
