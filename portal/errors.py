"""Error pages that say what happened and nothing else."""

from __future__ import annotations

from flask import Flask, render_template
from werkzeug.exceptions import HTTPException, InternalServerError

MESSAGES = {
    400: "The request could not be understood. Please go back and try again.",
    403: "You do not have access to this page.",
    404: "We could not find that page. It may have moved, or you may not have access to it.",
    405: "That action is not available here.",
    413: "That upload is too large.",
    429: "Too many attempts. Please wait a minute and try again.",
    500: "Something went wrong on our side. The team has been told; please try again shortly.",
    503: "This is taking longer than it should. Please try again in a few minutes; if it keeps "
         "happening, tell your Clearpath contact.",
}


def _render(code: int):
    message = MESSAGES.get(code, "Something went wrong.")
    return render_template("errors/error.html", code=code, message=message), code


def _handle_http(exc: HTTPException):
    response = _render(exc.code or 500)
    if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
        body, code = response
        return body, code, {"Allow": ", ".join(exc.valid_methods)}
    return response


def _handle_unexpected(exc: Exception):
    from flask import current_app

    current_app.logger.exception("unhandled error", exc_info=exc)
    return _render(InternalServerError.code)


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _handle_http)
    if not app.testing:
        app.register_error_handler(Exception, _handle_unexpected)
