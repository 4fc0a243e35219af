"""The Python client generated from the service's OpenAPI schema (clients/, made by
scripts/generate-client): it is generated from the schema the app serves now, and it works
against a real `ccvae-serve` process on the shipped model."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from ccvae_mnist_client import Client
from ccvae_mnist_client.api.generate import generate_generate_post
from ccvae_mnist_client.api.inference_protocol import model_metadata_v2_models_name_get
from ccvae_mnist_client.api.read import classify_classify_post
from ccvae_mnist_client.models import (
    ClassifyClassifyPostFilesBody,
    GenerateGeneratePostFormat,
    Images,
    ModelMetadata,
    Prediction,
)
from ccvae_mnist_client.types import File

from service.app import create_app
from tests.service.conftest import png
from tests.service.live_server import start_server
from tests.service.mnist_idx import REPO

CLIENTS = REPO / "clients"
REGENERATE = "run scripts/generate-client and commit clients/"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def test_the_committed_schema_is_the_one_the_app_serves() -> None:
    committed = json.loads((CLIENTS / "openapi.json").read_text())
    assert committed == create_app().openapi(), f"clients/openapi.json is out of date: {REGENERATE}"


def _tree(root: Path) -> dict[str, bytes]:
    skip = {".ruff_cache", "__pycache__"}
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and not skip & set(path.relative_to(root).parts)
    }


def test_the_committed_client_is_what_the_generator_makes_of_the_schema(tmp_path: Path) -> None:
    bin_dir = Path(sys.executable).parent
    generator = bin_dir / "openapi-python-client"
    assert generator.is_file(), "openapi-python-client is missing: pip install -e .[dev]"
    subprocess.run(
        [
            str(generator),
            "generate",
            "--path",
            str(CLIENTS / "openapi.json"),
            "--config",
            str(CLIENTS / "openapi-python-client.yaml"),
            "--meta",
            "setup",
            "--output-path",
            str(tmp_path / "python"),
        ],
        check=True,
        capture_output=True,
        # The generator formats its output with ruff, found on PATH: the venv's, as the script.
        env={**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    fresh, committed = _tree(tmp_path / "python"), _tree(CLIENTS / "python")
    assert sorted(fresh) == sorted(committed), f"clients/python has other files: {REGENERATE}"
    stale = [name for name in fresh if fresh[name] != committed[name]]
    assert not stale, f"clients/python differs from the generator's output in {stale}: {REGENERATE}"


@pytest.fixture(scope="module")
def api(shipped_model: Path) -> Iterator[Client]:
    """The generated client, talking to a real ccvae-serve process."""
    server, url = start_server(shipped_model)
    try:
        with Client(base_url=url, timeout=30) as client:
            yield client
    finally:
        server.terminate()
        server.communicate(timeout=20)


def _classify(api: Client, *images: bytes) -> Prediction | list[Prediction]:
    files = [
        File(payload=io.BytesIO(image), file_name=f"{i}.png") for i, image in enumerate(images)
    ]
    result = classify_classify_post.sync(client=api, body=ClassifyClassifyPostFilesBody(file=files))
    assert isinstance(result, (Prediction, list)), result
    return result


def test_the_client_classifies_a_real_digit(
    api: Client, mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    images, labels = mnist
    prediction = _classify(api, png(images[0]))
    assert isinstance(prediction, Prediction)
    assert prediction.label == labels[0]
    assert prediction.class_name == str(labels[0])
    assert sum(prediction.probabilities) == pytest.approx(1.0, abs=1e-4)


def test_the_client_classifies_several_digits_in_one_request(
    api: Client, mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    images, labels = mnist
    predictions = _classify(api, *(png(image) for image in images[:4]))
    assert isinstance(predictions, list)
    assert [p.label for p in predictions] == labels[:4].tolist()


def test_the_client_generates_a_seven_that_the_service_reads_as_seven(api: Client) -> None:
    # NOTE: body=None: the parameters go in the query string (the generator would send UNSET).
    images = generate_generate_post.sync(
        client=api, body=None, label="7", n=2, seed=7, format_=GenerateGeneratePostFormat.JSON
    )
    assert isinstance(images, Images), images
    assert images.seed == 7
    drawn = [base64.b64decode(image.png) for image in images.images]
    assert all(data.startswith(PNG_SIGNATURE) for data in drawn)
    predictions = _classify(api, *drawn)
    assert isinstance(predictions, list)
    assert [p.class_name for p in predictions] == ["7", "7"]


def test_the_client_reads_inference_protocol_metadata(api: Client) -> None:
    metadata = model_metadata_v2_models_name_get.sync("classifier", client=api)
    assert isinstance(metadata, ModelMetadata), metadata
    assert metadata.platform == "onnxruntime_onnx"
    assert [t.name for t in metadata.inputs] == ["z_c"]
    assert metadata.inputs[0].shape[0] == -1
