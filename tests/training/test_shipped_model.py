"""models/ccvae-mnist: intact, and its manifest's figures reproduce with onnxruntime alone."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import onnxruntime as ort
import pytest
import yaml

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


def test_model_card_front_matter_gives_the_manifests_and_results_figures(manifest):
    """The card's model-index repeats figures measured elsewhere; they must not drift apart."""
    card = (SHIPPED_MODEL / "README.md").read_text()
    front = yaml.safe_load(card.split("---\n")[1])
    results = front["model-index"][0]["results"]
    figures = {(r["task"]["type"], m["type"]): m["value"] for r in results for m in r["metrics"]}
    ood = json.loads((SHIPPED_MODEL.parents[1] / "results" / "ood" / "results.json").read_text())
    metrics, pooled = manifest["metrics"], ood["pooled"]["score"]
    assert figures == {
        ("image-classification", "accuracy"): metrics["test_accuracy"],
        ("image-generation", "accuracy"): metrics["generation_fidelity"],
        ("image-generation", "frechet_distance"): round(metrics["generation_fid"], 2),
        ("out-of-distribution-detection", "roc_auc"): round(pooled["auroc"], 3),
        ("out-of-distribution-detection", "fpr_at_95_tpr"): round(pooled["fpr_at_95"], 3),
    }
    assert front["license"] == "mit" and f"# {manifest['name']} {manifest['version']}" in card
