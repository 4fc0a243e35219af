"""`ccvae-ood`: an out-of-distribution score from the model's own evidence, calibrated on the
held-out training digits and exported beside the model as `ood.onnx` and a manifest block.

For an image x with posterior mean ẑ = E q(z|x) and reconstruction x̂ = decoder(ẑ), two
negative log-likelihoods in nats:

    r(x) = −Σ_pixels [x log x̂ + (1 − x) log(1 − x̂)]          (Bernoulli p(x|ẑ); x̂ clipped to ε)
    l(ẑ) = −log Σ_y (1/K) N(ẑ; μ_y, Σ_y)                       (the fitted density.onnx, a mixture)

    score(x) = max((r − median r)/MAD r, (l − median l)/MAD l)

with the median and the scaled median absolute deviation (1.4826·MAD) of each term taken on the
run's validation digits, so that each term counts in units of its spread among real digits, and
an image is as unusual as its more unusual term. r alone misses strokes and letters that the
decoder redraws well; l alone misses noise whose code lands among the digits' codes; together
they beat either and the classifier's maximum softmax probability (results/ood/). r alone gives
a black image a higher likelihood than any test digit (the pitfall of Nalisnick et al., 2019):
l flags it, and the maximum keeps it flagged where a sum of the two would not.

Calibration: the score of every validation digit; `threshold` is their (1 − false alarm rate)
quantile, and `quantiles` (0, 1, …, 100 %) turn a score into its percentile among them.

The graph takes (image [N,1,H,W], z [N,D], reconstruction [N,1,H,W]) and returns
(score, reconstruction_nll, latent_nll), each [N]: the caller has already run the encoder and the
decoder. Everything is computed from the exported graphs with onnxruntime, so a model directory
whose checkpoint is gone can be calibrated too.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import torch
from torch import nn

from training.data import load_training_split, to_float
from training.onnx_io import export_graph, sha256

FALSE_ALARM_RATE = 0.01
"""Share of held-out digits the threshold flags."""
EPS = 1e-6
"""x̂ is clipped to [ε, 1 − ε] before its logarithm."""
MAD_TO_SD = 1.4826
"""Scales a median absolute deviation to a Gaussian's standard deviation."""
INPUTS = ("image", "z", "reconstruction")
OUTPUTS = ("score", "reconstruction_nll", "latent_nll")
DESCRIPTION = (
    "max((r - median r)/MAD r, (l - median l)/MAD l) on the validation digits; r = -log p(x|z) "
    "(Bernoulli, decoder at the posterior mean), l = -log of the posterior mean under the fitted "
    "latent density (a uniform mixture over labels); higher is less like a digit"
)


class OODScore(nn.Module):
    """score, r(x), l(ẑ) of (image, z, reconstruction): see the module docstring."""

    def __init__(self, loc: torch.Tensor, scale_tril: torch.Tensor) -> None:
        super().__init__()
        k, d = loc.shape
        tril = scale_tril.double()
        self.register_buffer("loc", loc.float())  # (K, D)
        # L⁻¹: the Mahalanobis distance is |L⁻¹(z − μ)|², log N = −½|·|² − log|L| − D/2 log 2π
        self.register_buffer("whiten", torch.linalg.inv(tril).float())  # (K, D, D)
        log_norm = -torch.diagonal(tril, dim1=-2, dim2=-1).log().sum(-1) - 0.5 * d * math.log(
            2 * math.pi
        )
        self.register_buffer("log_weight", (log_norm - math.log(k)).float())  # (K,)
        self.register_buffer("center", torch.zeros(2))  # medians of (r, l)
        self.register_buffer("spread", torch.ones(2))  # scaled MADs of (r, l)

    def forward(
        self, image: torch.Tensor, z: torch.Tensor, reconstruction: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x_hat = reconstruction.clamp(EPS, 1.0 - EPS)
        bernoulli = image * x_hat.log() + (1.0 - image) * (1.0 - x_hat).log()
        r = -bernoulli.flatten(1).sum(1)  # (N,)
        diff = z.unsqueeze(1) - self.loc  # (N, K, D)
        white = torch.matmul(diff.unsqueeze(-2), self.whiten.transpose(-1, -2)).squeeze(-2)
        l_ = -torch.logsumexp(self.log_weight - 0.5 * white.pow(2).sum(-1), dim=1)  # (N,)
        standard = (torch.stack([r, l_], 1) - self.center) / self.spread  # (N, 2)
        return standard.amax(1), r, l_

    def calibrate_terms(self, r: np.ndarray, l_: np.ndarray) -> None:
        """Set the medians and scaled MADs of the two terms from held-out digits."""
        terms = np.stack([r, l_], 1).astype(np.float64)
        median = np.median(terms, axis=0)
        spread = MAD_TO_SD * np.median(np.abs(terms - median), axis=0)
        self.center.copy_(torch.from_numpy(median))
        self.spread.copy_(torch.from_numpy(spread))


def _session(path: Path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def encode_and_decode(
    model_dir: Path, images: np.ndarray, batch: int = 1000
) -> tuple[np.ndarray, np.ndarray]:
    """Posterior means and their reconstructions, by the directory's encoder and decoder graphs."""
    encoder, decoder = _session(model_dir / "encoder.onnx"), _session(model_dir / "decoder.onnx")
    codes, redrawn = [], []
    for start in range(0, len(images), batch):
        loc, _ = encoder.run(None, {"image": images[start : start + batch]})
        codes.append(loc)
        redrawn.append(decoder.run(None, {"z": loc})[0])
    return np.concatenate(codes), np.concatenate(redrawn)


def score_graph(model_dir: Path, num_classes: int) -> OODScore:
    """An uncalibrated score over the directory's fitted latent density (density.onnx)."""
    loc, tril = _session(model_dir / "density.onnx").run(
        None, {"label": np.arange(num_classes, dtype=np.int64)}
    )
    return OODScore(torch.from_numpy(loc), torch.from_numpy(tril))


def validation_images(manifest: dict[str, Any], data_dir: str | None) -> np.ndarray:
    """The run's held-out validation digits as the model's input, (N, 1, 28, 28) in [0, 1]."""
    cfg = manifest["training"]
    images, _, split = load_training_split(
        data_dir, cfg.get("limit"), cfg["labels"], cfg["validation"], cfg["seed"]
    )
    return to_float(images[split.validation]).numpy()


def calibrate(
    model_dir: Path,
    data_dir: str | None,
    version: str | None = None,
    false_alarm_rate: float = FALSE_ALARM_RATE,
) -> dict[str, Any]:
    """Fit the score's scales on the validation digits, write ood.onnx, record its calibration in
    manifest.json (and the new version, when given); return the manifest's `ood` block."""
    path = model_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    images = validation_images(manifest, data_dir)
    z, reconstruction = encode_and_decode(model_dir, images)
    graph = score_graph(model_dir, len(manifest["classes"])).eval()
    with torch.no_grad():
        _, r, l_ = graph(*(torch.from_numpy(a) for a in (images, z, reconstruction)))
    graph.calibrate_terms(r.numpy(), l_.numpy())
    out = model_dir / "ood.onnx"
    export_graph(
        graph,
        {"image": torch.from_numpy(images[:2]), "z": torch.from_numpy(z[:2]),
         "reconstruction": torch.from_numpy(reconstruction[:2])},
        list(OUTPUTS),
        out,
    )  # fmt: skip
    (scores, _, _) = _session(out).run(
        None, {"image": images, "z": z, "reconstruction": reconstruction}
    )
    block = {
        "score": DESCRIPTION,
        "false_alarm_rate": false_alarm_rate,
        "threshold": float(np.quantile(scores, 1.0 - false_alarm_rate)),
        "quantiles": [round(float(q), 5) for q in np.quantile(scores, np.linspace(0, 1, 101))],
        "calibration_images": len(images),
        "calibration_split": "validation",
    }
    manifest["files"]["ood"] = {
        "path": out.name,
        "sha256": sha256(out),
        "inputs": list(INPUTS),
        "outputs": list(OUTPUTS),
    }
    manifest["ood"] = block
    if version:
        manifest["version"] = version
    path.write_text(json.dumps(manifest, indent=2) + "\n")
    return block


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="ccvae-ood",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("model_dir", help="an exported CCVAE directory with density.onnx")
    p.add_argument("--data-dir", default=None, help="MNIST IDX files (default $CCVAE_MNIST_DIR)")
    p.add_argument("--version", default=None, help="new model version for the manifest")
    p.add_argument(
        "--false-alarm-rate",
        type=float,
        default=FALSE_ALARM_RATE,
        help="share of validation digits the threshold flags",
    )
    args = p.parse_args(argv)
    block = calibrate(Path(args.model_dir), args.data_dir, args.version, args.false_alarm_rate)
    print(
        f"ood.onnx written to {args.model_dir}: threshold {block['threshold']:.3f} flags "
        f"{args.false_alarm_rate:.1%} of {block['calibration_images']} validation digits"
    )


if __name__ == "__main__":
    main()
