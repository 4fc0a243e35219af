"""`ccvae-ood`: the score is the equation of its docstring, calibrated on the validation digits,
and written beside the model without touching the other files."""

from __future__ import annotations

import json
import shutil

import numpy as np
import onnxruntime as ort
import pytest
import torch
from torch.distributions import Bernoulli, MultivariateNormal

from tests.conftest import SHIPPED_MODEL
from training import export, ood


@pytest.fixture(scope="module")
def exported(trained_run, tmp_path_factory, mnist_dir):
    """A tiny model exported as ccvae-export writes it: with its density, hence its ood.onnx."""
    out = tmp_path_factory.mktemp("export") / "tiny"
    export.main([str(trained_run / "best.pt"), "--out", str(out), "--data-dir", str(mnist_dir),
                 "--judge", ""])  # fmt: skip
    return out


def _run(directory, images: np.ndarray) -> tuple[np.ndarray, ...]:
    z, reconstruction = ood.encode_and_decode(directory, images)
    session = ort.InferenceSession(str(directory / "ood.onnx"), providers=["CPUExecutionProvider"])
    return (z, reconstruction, *session.run(None, {"image": images, "z": z,
                                                   "reconstruction": reconstruction}))  # fmt: skip


def test_export_writes_the_score_and_its_calibration_into_the_manifest(exported):
    manifest = json.loads((exported / "manifest.json").read_text())
    block = manifest["ood"]
    assert manifest["files"]["ood"]["inputs"] == list(ood.INPUTS)
    assert manifest["files"]["ood"]["outputs"] == list(ood.OUTPUTS)
    assert block["calibration_split"] == "validation" and block["calibration_images"] == 1000
    assert len(block["quantiles"]) == 101 and np.all(np.diff(block["quantiles"]) >= 0)
    assert block["quantiles"][0] < block["threshold"] < block["quantiles"][-1]


def test_threshold_flags_the_stated_share_of_validation_digits(exported, mnist_dir):
    manifest = json.loads((exported / "manifest.json").read_text())
    images = ood.validation_images(manifest, str(mnist_dir))
    *_, score, _, _ = _run(exported, images)
    flagged = float((score > manifest["ood"]["threshold"]).mean())
    assert flagged == pytest.approx(manifest["ood"]["false_alarm_rate"], abs=0.002)


def test_score_is_the_larger_standardised_nll_of_reconstruction_and_latent_density(mnist_dir):
    """On the shipped model, whose calibration was computed by ccvae-ood from its graphs."""
    manifest = json.loads((SHIPPED_MODEL / "manifest.json").read_text())
    images = ood.validation_images(manifest, str(mnist_dir))
    z, reconstruction, score, r, l_ = _run(SHIPPED_MODEL, images)
    density = ort.InferenceSession(str(SHIPPED_MODEL / "density.onnx"))
    loc, tril = density.run(None, {"label": np.arange(10, dtype=np.int64)})
    x_hat = torch.from_numpy(reconstruction).clamp(ood.EPS, 1 - ood.EPS)
    # NOTE: grey pixels are outside Bernoulli's {0, 1} support, as in training's reconstruction term
    pixels = Bernoulli(probs=x_hat, validate_args=False)
    expected_r = -pixels.log_prob(torch.from_numpy(images)).flatten(1).sum(1)
    per_label = MultivariateNormal(torch.from_numpy(loc), scale_tril=torch.from_numpy(tril))
    log_density = torch.logsumexp(per_label.log_prob(torch.from_numpy(z)[:, None]), 1)  # (N,)
    expected_l = -(log_density - np.log(10))  # a uniform mixture over the labels
    np.testing.assert_allclose(r, expected_r.numpy(), rtol=1e-4)
    np.testing.assert_allclose(l_, expected_l.numpy(), rtol=1e-4, atol=1e-3)
    terms = np.stack([r, l_], 1).astype(np.float64)  # standardised on these very digits
    median = np.median(terms, 0)
    spread = ood.MAD_TO_SD * np.median(np.abs(terms - median), 0)
    np.testing.assert_allclose(score, ((terms - median) / spread).max(1), rtol=1e-3, atol=1e-3)


def test_ccvae_ood_recalibrates_at_another_rate_and_bumps_only_the_version(tmp_path, mnist_dir):
    copy = shutil.copytree(SHIPPED_MODEL, tmp_path / "copy")
    before = json.loads((copy / "manifest.json").read_text())
    ood.main([str(copy), "--data-dir", str(mnist_dir), "--version", "9.9.9",
              "--false-alarm-rate", "0.05"])  # fmt: skip
    after = json.loads((copy / "manifest.json").read_text())
    assert after["version"] == "9.9.9" and after["ood"]["false_alarm_rate"] == 0.05
    assert after["ood"]["threshold"] < before["ood"]["threshold"]
    for role in ("encoder", "decoder", "classifier", "prior", "density"):
        assert after["files"][role] == before["files"][role]
    assert {k: v for k, v in after.items() if k not in ("version", "ood", "files")} == {
        k: v for k, v in before.items() if k not in ("version", "ood", "files")
    }
