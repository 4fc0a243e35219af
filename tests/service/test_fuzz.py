"""Schemathesis against the real app: whatever the OpenAPI schema lets a client send, the service
answers without a 5xx, with a status, content type, headers and body that the schema declares;
every request the schema allows gets a 2xx (positive_data_acceptance), and a request it forbids
a 4xx (negative_data_rejection).

A schema cannot say "a PNG that shows a digit", so the uploads (raw image bodies, multipart
files, whose encoding says image/png or image/jpeg, and /classify's repeated `format: binary`
parts) are drawn from MNIST test digits, as PNG or JPEG, embossed on grey (a white digit with a
black shadow) so that they show a digit whichever polarity `invert` claims; everything else
comes from the schema: labels and limits from the manifest and the settings, model names from
the served graphs. The protocol's infer operations are left out of positive_data_acceptance:
which tensors a request must carry depends on the model its path names, and
Inference-Header-Content-Length on its body, neither of which OpenAPI can state
(test_inference_protocol sends them real tensors).

Bounded for CI (a few dozen cases per operation, well under a minute); `python -m bench.fuzz`
runs the same checks far longer against a real server.
"""

from __future__ import annotations

import io
import os
from collections import Counter
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis.checks import not_a_server_error
from schemathesis.config._checks import NegativeDataRejectionConfig, PositiveDataAcceptanceConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from bench.fuzz import REJECTION_STATUSES
from service.app import create_app
from service.settings import Settings
from tests.service.conftest import SHIPPED
from tests.service.mnist_idx import load_test_set

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    negative_data_rejection,
    unsupported_method,
]
DIGITS = 16
"""MNIST test digits the uploads are drawn from."""
MODEL_ENDPOINTS = {
    "POST /classify",
    "POST /encode",
    "POST /generate",
    "POST /interpolate",
    "POST /interpolate/images",
    "POST /reconstruct",
    "POST /intervene",
}
"""The operations that run the model: each must answer some fuzzed request with a 2xx."""
TENSOR_OPERATIONS = {
    "POST /v2/models/{name}/infer",
    "POST /v2/models/{name}/versions/{version}/infer",
}
"""Where a schema-valid request may rightly be refused (see the module's docstring)."""

if not os.environ.get("CCVAE_MNIST_DIR") and not os.environ.get("CI"):
    pytest.skip("CCVAE_MNIST_DIR is not set: no digits to upload", allow_module_level=True)


def embossed(digit: np.ndarray) -> np.ndarray:
    """A white-on-black digit as a white digit with a black shadow on grey: a digit either way."""
    ink = digit.astype(np.float32) / 255
    shadow = np.roll(ink, (2, 2), axis=(0, 1))
    return np.round(np.clip(0.5 + 0.5 * ink - 0.5 * shadow, 0, 1) * 255).astype(np.uint8)


@cache
def digits(image_format: str) -> tuple[bytes, ...]:
    """The first MNIST test digits, embossed, encoded as `image_format` (28x28)."""
    images, _ = load_test_set(Path(os.environ["CCVAE_MNIST_DIR"]))

    def encode(pixels: np.ndarray) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(embossed(pixels)).save(buffer, format=image_format)
        return buffer.getvalue()

    return tuple(encode(pixels) for pixels in images[:DIGITS])


def uploads(image_format: str) -> st.SearchStrategy[bytes]:
    return st.integers(0, DIGITS - 1).map(lambda i: digits(image_format)[i])


schemathesis.openapi.media_type("image/png", uploads("PNG"))
schemathesis.openapi.media_type("image/jpeg", uploads("JPEG"))
schemathesis.openapi.format("binary", uploads("PNG"))  # the parts of /classify's repeated field

# NOTE: schemathesis parametrizes at collection, so the schema is built here, from the app's
# own OpenAPI document (no model is loaded for it); the app's lifespan starts with the first
# fuzzed request and ends with the test.
app = create_app(Settings(model_dir=SHIPPED, threads=1))
schema = schemathesis.openapi.from_dict(app.openapi())
schema.app = app  # requests go to the app in-process over ASGI, as schemathesis.openapi.from_asgi
schema.config.checks.positive_data_acceptance = PositiveDataAcceptanceConfig(
    expected_statuses=["2xx"]
)
schema.config.checks.negative_data_rejection = NegativeDataRejectionConfig(
    expected_statuses=REJECTION_STATUSES
)
ANSWERS: dict[str, Counter[tuple[str, str]]] = {}
"""Per operation, how many fuzzed requests of each mode (positive: schema-valid, negative) got
each status class (2xx, 4xx, ...)."""


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    database=None,  # no .hypothesis folder left in the work tree
    suppress_health_check=list(HealthCheck),
    derandomize=True,  # the same cases on every run: CI stays reproducible
    # NOTE: generated cases alone (no explicit phase): schemathesis' examples and coverage cases
    # fill file fields from its own pool of strings, past the digits registered above.
    phases=[Phase.generate, Phase.shrink],
)
def test_fuzzed_requests_get_no_5xx_and_answers_that_conform_to_the_schema(
    case: schemathesis.Case,
) -> None:
    response = case.call()
    mode = case.meta.generation.mode.value if case.meta else "explicit"
    status = f"{response.status_code // 100}xx"
    ANSWERS.setdefault(case.operation.label, Counter())[mode, status] += 1
    tensors = case.operation.label in TENSOR_OPERATIONS
    case.validate_response(
        response, checks=CHECKS, excluded_checks=[positive_data_acceptance] if tensors else None
    )


def test_fuzzing_reaches_the_model_on_every_model_endpoint() -> None:
    """Runs after the fuzzing above (pytest keeps a module's order), and reports its 2xx shares."""
    assert ANSWERS, "run the whole module: this test reads what the fuzzing above got"

    def count(label: str, mode: str | None = None, status: str | None = None) -> int:
        return sum(
            n for (m, s), n in ANSWERS[label].items() if mode in (None, m) and status in (None, s)
        )

    print("\n2xx answers to fuzzed requests: schema-valid ones, all of them, per operation")
    for label in sorted(ANSWERS):
        valid, ok = count(label, "positive"), count(label, "positive", "2xx")
        every, every_ok = count(label), count(label, status="2xx")
        print(f"  {ok:3}/{valid:3} valid  {every_ok:3}/{every:3} all  {label}")
    unreached = sorted(label for label in MODEL_ENDPOINTS if not count(label, status="2xx"))
    assert not unreached, f"no fuzzed request got a 2xx from {unreached}: {ANSWERS}"
