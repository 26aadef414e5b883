"""Schemathesis against the running server's own OpenAPI spec: no generated request, valid or invalid, may
cause a 5xx; valid ones must be accepted; every answer must match the published schema (status codes,
content types, bodies)."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from tests.serving.conftest import Running


def test_no_generated_request_breaks_the_server(shared_server: Running) -> None:
    schema = schemathesis.openapi.from_url(f"{shared_server.url}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/v1/predict", "/v1/feedback", "/health", "/ready"}
    # invalid requests need something to make invalid: only the routes with a body get the negative mode
    runs = [
        (op, mode)
        for op in operations
        for mode in GenerationMode
        if op.method.upper() == "POST" or mode.value == "positive"
    ]
    for operation, mode in runs:

        @given(case=operation.as_strategy(generation_mode=mode))  # valid requests, and invalid ones
        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def run(case: schemathesis.Case) -> None:
            case.call_and_validate()

        run()
