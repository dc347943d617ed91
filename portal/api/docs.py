"""The API's reference page, served by the app: Swagger UI (vendored under
portal/static/vendor/, started by a static script, so the strict CSP holds) over the generated
document; without JavaScript the page lists every operation, read from the same document."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

reference = Blueprint("api_reference", __name__)

METHODS = ("get", "post", "put", "patch", "delete")


@reference.route("/api/v1/docs")
def docs():
    spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    operations = [(method.upper(), path, operation.get("summary", ""))
                  for path, item in spec.get("paths", {}).items()
                  for method, operation in item.items() if method in METHODS]
    return render_template("api/docs.html", operations=operations, spec=spec)
