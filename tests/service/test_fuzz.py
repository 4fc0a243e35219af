"""Schemathesis against the real app: whatever the OpenAPI schema lets a client send, the service
answers without a 5xx, with a status, content type, headers and body that the schema declares.

Bounded for CI (a few dozen cases per operation, about 10 s); `python -m bench.fuzz` runs the
same checks far longer against a real server.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from service.app import create_app
from service.settings import Settings
from tests.service.conftest import SHIPPED

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
    unsupported_method,
]
"""Every check but positive_data_acceptance: a schema cannot say "a PNG that shows a digit", so
random bytes in a schema-valid upload rightly get 400 invalid_image."""


# NOTE: schemathesis parametrizes at collection, so the schema is built here, from the app's
# own OpenAPI document (no model is loaded for it); the app's lifespan starts with the first
# fuzzed request and ends with the test.
app = create_app(Settings(model_dir=SHIPPED, threads=1))
schema = schemathesis.openapi.from_dict(app.openapi())
schema.app = app  # requests go to the app in-process over ASGI, as schemathesis.openapi.from_asgi


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    database=None,  # no .hypothesis folder left in the work tree
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same cases on every run: CI stays reproducible
)
def test_fuzzed_requests_get_no_5xx_and_answers_that_conform_to_the_schema(
    case: schemathesis.Case,
) -> None:
    case.call_and_validate(checks=CHECKS)
