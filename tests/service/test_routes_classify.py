"""/classify and /encode on the shipped model."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from service.settings import Settings
from tests.service.conftest import Client, png, serve
from tests.service.prometheus import value

CHUNK = 250  # files per request: the accuracy run is 40 requests, not 10,000


def files(images: np.ndarray, start: int = 0) -> list[tuple[str, tuple[str, bytes]]]:
    return [("file", (f"{start + i}.png", png(image))) for i, image in enumerate(images)]


def test_classify_reaches_the_manifest_test_accuracy_on_mnist(
    client: Client, manifest: dict[str, Any], mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    images, labels = mnist
    predicted: list[int] = []
    for start in range(0, len(images), CHUNK):
        response = client.post("/classify", files=files(images[start : start + CHUNK], start))
        assert response.status_code == 200, response.text
        predicted += [p["label"] for p in response.json()]
    accuracy = float((np.array(predicted) == labels).mean())
    assert abs(accuracy - manifest["metrics"]["test_accuracy"]) < 0.005


def test_classify_one_file_gives_one_prediction_over_the_manifest_classes(
    client: Client, manifest: dict[str, Any], mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    body = client.post("/classify", files=files(mnist[0][:1])).json()
    assert set(body) == {"label", "class_name", "probabilities", "ood"}
    assert len(body["probabilities"]) == len(manifest["classes"])
    assert abs(sum(body["probabilities"]) - 1.0) < 1e-4
    assert body["class_name"] == manifest["classes"][body["label"]]
    assert body["label"] == int(np.argmax(body["probabilities"]))


def test_classify_reads_large_black_on_white_jpeg_drawings(
    client: Client, mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    digits = mnist[0][:20]
    expected = [p["label"] for p in client.post("/classify", files=files(digits)).json()]
    drawings = []
    for i, digit in enumerate(digits):
        canvas = Image.new("RGB", (400, 300), (250, 248, 240))
        stroke = Image.fromarray(255 - digit).resize((200, 200), Image.Resampling.BICUBIC)
        canvas.paste(stroke.convert("RGB"), (40 + 7 * i, 50))
        drawings.append(("file", (f"{i}.jpg", png(np.asarray(canvas), format="JPEG"))))
    got = [p["label"] for p in client.post("/classify", files=drawings).json()]
    assert np.mean(np.array(got) == np.array(expected)) >= 0.9


def test_classify_answers_concurrent_requests_from_merged_batches(
    shipped_model: Path, mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    digits = mnist[0][:16]
    with serve(Settings(model_dir=shipped_model, threads=1, max_wait_ms=50.0)) as c:
        alone = [c.post("/classify", files=files(digits[i : i + 1])).json() for i in range(16)]
        before = c.get("/metrics").text
        together = c.concurrently(
            [("POST", "/classify", {"files": files(digits[i : i + 1])}) for i in range(16)]
        )
        after = c.get("/metrics").text
    for one, response in zip(alone, together, strict=True):
        assert response.json()["label"] == one["label"]
        np.testing.assert_allclose(
            response.json()["probabilities"], one["probabilities"], atol=1e-5
        )
    calls = batch_count(after) - batch_count(before)
    assert 1 <= calls < 16  # merged: fewer model calls than requests


def batch_count(metrics: str) -> float:
    """Model calls of the batcher that reads digits (encoder plus out-of-distribution score)."""
    return value(metrics, "ccvae_batch_size_count", batcher="reader")


def test_encode_splits_the_posterior_into_z_c_and_z_s(
    client: Client, manifest: dict[str, Any], mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    upload = files(mnist[0][:1])
    body = client.post("/encode", files={"file": upload[0][1]}).json()
    c, s = manifest["latent"]["c"], manifest["latent"]["s"]
    assert len(body["z_c"]["loc"]) == len(body["z_c"]["scale"]) == c
    assert len(body["z_s"]["loc"]) == len(body["z_s"]["scale"]) == s
    assert min(body["z_c"]["scale"] + body["z_s"]["scale"]) > 0
    assert body["prediction"] == client.post("/classify", files=upload).json()
