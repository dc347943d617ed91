"""The API's reference page, served by the app: Swagger UI (vendored under
portal/static/vendor/, started by a static script, so the strict CSP holds) over the generated
document; without JavaScript the page lists every operation, read from the same document."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from portal.htmx import whole_page_to

reference = Blueprint("api_reference", __name__)

METHODS = ("get", "post", "put", "patch", "delete")


@reference.route("/api/v1/docs")
def docs():
    if request.headers.get("HX-Boosted"):
        # A boosted link swaps the body and runs no script in it: Swagger UI would never
        # start. The whole page is loaded instead.
        return whole_page_to(request.path)
    spec = current_app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    operations = [(method.upper(), path, operation.get("summary", ""))
                  for path, item in spec.get("paths", {}).items()
                  for method, operation in item.items() if method in METHODS]
    return render_template("api/docs.html", operations=operations, spec=spec)
