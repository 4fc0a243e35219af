"""models/ccvae-mnist: intact, and its manifest's figures reproduce with onnxruntime alone."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import onnxruntime as ort
import pytest

from tests.conftest import SHIPPED_MODEL
from training.data import load_mnist, to_float
from training.judge import load_judge
from training.quality import label_fidelity

JUDGE = SHIPPED_MODEL.parent / "judge-mnist"


@pytest.fixture(scope="module")
def manifest() -> dict:
    return json.loads((SHIPPED_MODEL / "manifest.json").read_text())


def _session(name: str) -> ort.InferenceSession:
    return ort.InferenceSession(str(SHIPPED_MODEL / f"{name}.onnx"),
                                providers=["CPUExecutionProvider"])  # fmt: skip


def test_shipped_files_match_their_manifest_hashes(manifest):
    assert set(manifest["files"]) == {"encoder", "decoder", "classifier", "prior", "density", "ood"}
    for entry in manifest["files"].values():
        digest = hashlib.sha256((SHIPPED_MODEL / entry["path"]).read_bytes()).hexdigest()
        assert digest == entry["sha256"], entry["path"]


def test_onnxruntime_reproduces_the_manifests_test_accuracy(manifest, mnist_dir):
    images, labels = load_mnist("test", mnist_dir)
    x = to_float(images).numpy()
    dc = manifest["latent"]["c"]
    loc, _ = _session("encoder").run(None, {"image": x})
    (logits,) = _session("classifier").run(None, {"z_c": loc[:, :dc]})
    accuracy = float((logits.argmax(1) == labels.numpy()).mean())
    assert accuracy == pytest.approx(manifest["metrics"]["test_accuracy"], abs=2e-4)


def test_judge_reads_generated_digits_as_the_manifest_says(manifest):
    """Generation by label through the ONNX files, read by the independent judge."""
    rng = np.random.default_rng(0)
    per_label = 100
    y = np.repeat(np.arange(10), per_label)
    loc, scale = _session("prior").run(None, {"label": y.astype(np.int64)})
    z_c = loc + scale * rng.standard_normal(loc.shape).astype(np.float32)
    z_s = rng.standard_normal((len(y), manifest["latent"]["s"])).astype(np.float32)
    (images,) = _session("decoder").run(None, {"z": np.concatenate([z_c, z_s], 1)})
    fidelity, per_class = label_fidelity(load_judge(JUDGE), images, y)
    recorded = manifest["metrics"]["generation_fidelity"]
    assert fidelity == pytest.approx(recorded, abs=0.03)  # other noise draws, same model
    assert per_class.min() >= manifest["metrics"]["generation_fidelity_min"] - 0.06
