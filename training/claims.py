"""The seed report's observations about β, the latent size and the loss curves, as measures.

The report says: lower β is sharper, but 0.001 conditions poorly; higher β interpolates more
smoothly; lower β reaches high accuracy sooner; latent 128 is noisier and overfits; validation
loss sits below training loss. Each is read here from a trained CCVAE and its metrics.jsonl:

- sharpness: the variance of the discrete Laplacian ∇²x = x[i−1,j] + x[i+1,j] + x[i,j−1] +
  x[i,j+1] − 4x[i,j] over an image (Pech-Pacheco et al., 2000; blur lowers it), averaged over
  generated digits and divided by the same over real test digits (1: as sharp as real);
- conditioning: the judge's reading of generated digits (training.evaluate's fidelity);
- interpolation smoothness, along z_c from label a's prior mean to label b's with one style z_s
  held: the path length in the judge's features, Σ_t ‖f(x_{t+1}) − f(x_t)‖ / ‖f(x_T) − f(x_0)‖
  (1: a straight path; detours and jumps add to it), and the share of paths whose judged label
  goes from a to b once, without passing through a third label (a monotone transition);
- speed: the first epoch whose validation accuracy reaches a level;
- overfitting and the loss curves: the labelled loss per image on training batches (`loss_l`)
  against the same loss on the validation digits (`val_loss_l`, written by training), at the
  last epoch, and the epoch at which the validation loss was lowest.
"""

from __future__ import annotations

import json
from itertools import permutations
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training.data import to_float
from training.judge import Judge
from training.model import CCVAE

ACCURACY_LEVELS = (0.9, 0.95, 0.98)
"""The validation accuracies whose first epoch is reported."""


def laplacian_variance(images: np.ndarray) -> np.ndarray:
    """Var(∇²x) per image of (N, 1, H, W) images in [0, 1], over the interior pixels."""
    x = images[:, 0]
    lap = x[:, :-2, 1:-1] + x[:, 2:, 1:-1] + x[:, 1:-1, :-2] + x[:, 1:-1, 2:] - 4 * x[:, 1:-1, 1:-1]
    variance: np.ndarray = lap.reshape(len(x), -1).var(axis=1)
    return variance


def sharpness(generated: np.ndarray, real: np.ndarray) -> float:
    """Mean Laplacian variance of generated digits over that of real ones."""
    return float(laplacian_variance(generated).mean() / laplacian_variance(real).mean())


def path_length(features: np.ndarray) -> float:
    """Σ‖f_{t+1} − f_t‖ / ‖f_T − f_0‖ along one path of (T + 1, D) features."""
    steps = np.linalg.norm(np.diff(features, axis=0), axis=1).sum()
    return float(steps / max(np.linalg.norm(features[-1] - features[0]), 1e-12))


def monotone(read: np.ndarray, start: int, end: int) -> bool:
    """Whether judged labels along a path read start…start end…end: both, once, nothing else."""
    if not (read == end).any():
        return False
    switch = int(np.argmax(read == end))
    return bool(switch > 0 and (read[:switch] == start).all() and (read[switch:] == end).all())


@torch.no_grad()
def interpolation_smoothness(
    model: CCVAE, judge: Judge, steps: int = 11, styles: int = 4, seed: int = 0
) -> dict[str, float]:
    """Mean feature path length and share of monotone label transitions over every ordered
    pair of labels, `styles` style codes z_s each, `steps` points from one prior mean to the
    other."""
    locs, _ = model.all_priors()
    g = torch.Generator().manual_seed(seed)
    z_s = torch.randn(styles, model.cfg.latent_s, generator=g)
    t = torch.linspace(0, 1, steps)[:, None]
    lengths, monotones = [], []
    for a, b in permutations(range(model.cfg.num_classes), 2):
        z_c = (1 - t) * locs[a] + t * locs[b]  # (steps, Dc)
        z = torch.cat([z_c.repeat(styles, 1), z_s.repeat_interleave(steps, 0)], -1)
        images = torch.sigmoid(model.decoder(z)).numpy()
        features = judge.features(images).reshape(styles, steps, -1)
        read = judge.predict(images).reshape(styles, steps)
        lengths += [path_length(f) for f in features]
        monotones += [monotone(r, a, b) for r in read]
    return {
        "interpolation_path_length": float(np.mean(lengths)),
        "interpolation_monotone": float(np.mean(monotones)),
    }


def curve_measures(metrics: Path) -> dict[str, Any]:
    """Epochs to each accuracy level, and the training against the validation loss."""
    epochs = [json.loads(line) for line in metrics.read_text().splitlines() if line]
    result: dict[str, Any] = {}
    for level in ACCURACY_LEVELS:
        reached = [e["epoch"] for e in epochs if e["val_accuracy"] >= level]
        result[f"epochs_to_{level:g}"] = reached[0] if reached else None
    with_val = [e for e in epochs if "val_loss_l" in e and "loss_l" in e]
    if with_val:
        last = with_val[-1]
        result["train_loss_l"], result["val_loss_l"] = last["loss_l"], last["val_loss_l"]
        result["val_below_train"] = float(
            np.mean([e["val_loss_l"] < e["loss_l"] for e in with_val])
        )
        result["best_val_loss_epoch"] = min(with_val, key=lambda e: e["val_loss_l"])["epoch"]
    return result


@torch.no_grad()
def report_measures(
    model: CCVAE, judge: Judge, reference: torch.Tensor, metrics: Path, per_label: int = 100
) -> dict[str, Any]:
    """Every measure of the report's claims for one trained CCVAE."""
    g = torch.Generator().manual_seed(0)
    y = torch.arange(model.cfg.num_classes).repeat_interleave(per_label)
    generated = model.generate(y, generator=g).numpy()
    real = to_float(reference[: len(generated)]).numpy()
    return {
        "sharpness": sharpness(generated, real),
        **interpolation_smoothness(model, judge),
        **curve_measures(metrics),
    }
