"""The out-of-distribution score: served by /classify, /encode and /v2 on the shipped model,
validated in the manifest, and absent (not failing) on a model directory without it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from service.errors import ModelError
from service.manifest import read_manifest
from service.settings import Settings
from tests.service.conftest import Client, png, serve


def upload(pixels: np.ndarray) -> dict[str, Any]:
    return {"files": {"file": ("x.png", png(pixels), "image/png")}}


def letter(character: str) -> np.ndarray:
    """A white letter on black, 64x64, in Pillow's own font (no system font needed)."""
    image = Image.new("L", (64, 64), 0)
    font = ImageFont.load_default(size=48)
    ImageDraw.Draw(image).text((32, 32), character, fill=255, font=font, anchor="mm")
    return np.asarray(image)


def test_classify_flags_uniform_noise_that_it_reads_as_a_confident_digit(client: Client) -> None:
    noise = (np.random.default_rng(0).random((64, 64)) * 255).astype(np.uint8)
    body = client.post("/classify", **upload(noise)).json()
    assert max(body["probabilities"]) > 0.9  # the classifier alone is sure of a digit
    assert body["ood"]["flagged"] and body["ood"]["percentile"] == 100.0


@pytest.mark.parametrize("character", ["A", "M", "W", "k"])
def test_classify_flags_letters(client: Client, character: str) -> None:
    # NOTE: letters shaped like digits (O, I, l, S, Z) are not flagged; results/ood measures all
    ood = client.post("/classify", **upload(letter(character))).json()["ood"]
    assert ood["flagged"] and ood["percentile"] > 99.0


def test_classify_leaves_mnist_test_digits_mostly_unflagged(
    client: Client, manifest: dict[str, Any], mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    oods = []
    for start in (0, 250):  # 500 digits in requests of 250 files
        digits = mnist[0][start : start + 250]
        files = [("file", (f"{i}.png", png(d))) for i, d in enumerate(digits)]
        oods += [p["ood"] for p in client.post("/classify", files=files).json()]
    flagged = np.mean([o["flagged"] for o in oods])
    assert flagged < 3 * manifest["ood"]["false_alarm_rate"]
    percentiles = np.array([o["percentile"] for o in oods])
    assert 35.0 < np.median(percentiles) < 65.0  # test digits sit among the held-out ones


def test_flagged_means_a_score_above_the_manifest_threshold(
    client: Client, manifest: dict[str, Any], mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    images = [*mnist[0][:20], letter("M"), letter("O")]
    files = [("file", (f"{i}.png", png(d))) for i, d in enumerate(images)]
    oods = [p["ood"] for p in client.post("/classify", files=files).json()]
    threshold = manifest["ood"]["threshold"]
    assert [o["flagged"] for o in oods] == [o["score"] > threshold for o in oods]
    order = np.argsort([o["score"] for o in oods])
    assert np.all(np.diff([oods[i]["percentile"] for i in order]) >= 0)


def test_encode_reports_the_same_score_as_classify(client: Client) -> None:
    request = upload(letter("W"))
    encoded = client.post("/encode", **request).json()
    assert encoded["prediction"]["ood"] == client.post("/classify", **request).json()["ood"]


def test_v2_ood_graph_gives_the_classify_score_from_encoder_and_decoder_outputs(
    client: Client, mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    digit = mnist[0][0]
    image = (digit / 255.0).astype(np.float32)[None, None]

    def infer(model: str, inputs: dict[str, np.ndarray]) -> dict[str, list[float]]:
        tensors = [
            {"name": k, "datatype": "FP32", "shape": list(v.shape), "data": v.ravel().tolist()}
            for k, v in inputs.items()
        ]
        outputs = client.post(f"/v2/models/{model}/infer", json={"inputs": tensors}).json()
        return {o["name"]: o["data"] for o in outputs["outputs"]}

    z = np.array(infer("encoder", {"image": image})["loc"], np.float32)[None]
    reconstruction = np.array(infer("decoder", {"z": z})["image"], np.float32).reshape(image.shape)
    served = infer("ood", {"image": image, "z": z, "reconstruction": reconstruction})
    classified = client.post("/classify", params={"fit": "false"}, **upload(digit)).json()
    assert served["score"][0] == pytest.approx(classified["ood"]["score"], abs=1e-3)
    assert set(served) == {"score", "reconstruction_nll", "latent_nll"}


def test_the_score_can_be_turned_off_for_the_cost_of_encoding_alone(
    shipped_model: Path, mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    with serve(Settings(model_dir=shipped_model, ood=False)) as plain:
        body = plain.post("/classify", **upload(mnist[0][0])).json()
        assert body["ood"] is None and body["label"] == int(mnist[1][0])
        assert plain.post("/encode", **upload(mnist[0][0])).json()["prediction"]["ood"] is None
        assert plain.get("/v2/models/ood").status_code == 200  # the graph stays on /v2


def test_a_model_without_the_score_still_classifies_and_says_it_has_none(
    tiny_model_dir: Path, mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    with serve(Settings(model_dir=tiny_model_dir)) as tiny:
        body = tiny.post("/classify", **upload(mnist[0][0])).json()
        assert body["ood"] is None and len(body["probabilities"]) == 10
        assert tiny.post("/encode", **upload(mnist[0][0])).json()["prediction"]["ood"] is None
        info = tiny.get("/model").json()
        assert info["ood"] is None and info["card"] is None
        assert tiny.get("/model/card").status_code == 404
        assert tiny.get("/v2/models/ood").status_code == 404


def test_model_reports_the_calibration_and_links_the_card(
    client: Client, manifest: dict[str, Any]
) -> None:
    info = client.get("/model").json()
    assert info["ood"] == manifest["ood"]
    card = client.get(info["card"])
    assert card.status_code == 200 and card.headers["content-type"].startswith("text/markdown")
    assert card.text.startswith("---\n") and manifest["version"] in card.text


Raw = dict[str, Any]


def _with_ood(directory: Path, shipped_model: Path, edit: Callable[[Raw], object]) -> None:
    """Give a tiny model the shipped model's ood block and file entry, then `edit` the JSON."""
    shipped = json.loads((shipped_model / "manifest.json").read_text())
    path = directory / "manifest.json"
    raw = json.loads(path.read_text())
    raw["ood"], raw["files"]["ood"] = shipped["ood"], shipped["files"]["ood"]
    edit(raw)
    path.write_text(json.dumps(raw))


def test_manifest_reads_a_valid_ood_block(tiny_model_dir: Path, shipped_model: Path) -> None:
    _with_ood(tiny_model_dir, shipped_model, lambda raw: None)
    spec = read_manifest(tiny_model_dir).ood
    assert spec is not None and spec.false_alarm_rate == 0.01
    np.testing.assert_allclose(spec.percentile(np.array([-1e9, spec.quantiles[50], 1e9])),
                               [0.0, 50.0, 100.0])  # fmt: skip


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda raw: raw.pop("ood"), "files.ood and the ood block"),
        (lambda raw: raw["files"].pop("ood"), "files.ood and the ood block"),
        (lambda raw: raw["ood"].update(false_alarm_rate=1.5), "ood.false_alarm_rate"),
        (lambda raw: raw["ood"].update(quantiles=[1.0, 0.0]), "ood.quantiles must be non-de"),
        (lambda raw: raw["ood"].update(threshold="high"), "ood.threshold"),
    ],
)
def test_manifest_refuses_an_inconsistent_ood_block(
    tiny_model_dir: Path, shipped_model: Path, edit: Callable[[Raw], object], message: str
) -> None:
    _with_ood(tiny_model_dir, shipped_model, edit)
    with pytest.raises(ModelError, match=message):
        read_manifest(tiny_model_dir)
