"""The API's errors are problem details (RFC 9457), never an HTML page."""

from portal.operations import OperationError
from portal.problems import PROBLEM_JSON, invalid_fields, refused


def test_a_missing_api_resource_answers_problem_details(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.mimetype == PROBLEM_JSON
    body = response.get_json(force=True)
    assert body["status"] == 404 and body["title"] == "Not Found"
    assert "could not find" in body["detail"]


def test_a_missing_page_is_still_a_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_a_refused_operation_names_its_field(app):
    with app.test_request_context("/api/v1/escalations"):
        response = refused(OperationError("Give the escalation a title.", field="title"))
        assert response.status_code == 422 and response.mimetype == PROBLEM_JSON
        assert response.get_json(force=True)["errors"] == [
            {"field": "title", "detail": "Give the escalation a title."}]
        both = invalid_fields({"severity": ["Choose 1 to 4."], "title": "Too long."})
        assert [e["field"] for e in both.get_json(force=True)["errors"]] == ["severity", "title"]
