"""schemathesis against the generated document, in-process (WSGI), as staff: no answer is a
server error and every answer matches what the document says of it."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import response_schema_conformance

from portal.enums import Role

EXAMPLES = 8  # per operation: enough to find a crash, quick enough for every CI run


def test_the_api_keeps_its_document(app, world, issue):
    """Generated requests never make the API fail, and its answers match the document."""
    bearer = {"Authorization": f"Bearer {issue(world.staff[Role.ADMINISTRATOR])}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations
    statuses: list[int] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def exercise(case):
            response = case.call(headers=bearer)
            statuses.append(response.status_code)
            assert response.status_code < 500, (case.method, case.formatted_path,
                                                response.text[:300])
            case.validate_response(response, checks=[response_schema_conformance])

        exercise()
    assert sum(200 <= status < 300 for status in statuses) >= len(operations) // 2, statuses
