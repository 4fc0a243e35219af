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
  last epoch, and the share of epochs in which the validation loss was the lower; the same
  share for the unlabelled bound's reconstruction term (`rec_u`, training's running mean over
  the epoch, against `val_reconstruction_bce`, read after it); the epoch at which the labelled
  validation loss was lowest, and how far it rose after it, (L_val(last) − min L_val) / min L_val.

`verdict_table` then sets each claim against its measures over the sweep's seeds: a claim is
confirmed when the means differ its way by more than the two sides' standard deviations added,
contradicted when they differ the other way by as much, and within the spread otherwise.
"""

from __future__ import annotations

import statistics
from itertools import permutations
from pathlib import Path
from typing import Any

import numpy as np
import torch

from training.data import to_float
from training.epochs import read_epochs
from training.judge import Judge
from training.model import CCVAE
from training.tables import Row, column, markdown, measured

ACCURACY_LEVELS = (0.8, 0.85, 0.9, 0.95, 0.98)
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
    epochs = read_epochs(metrics)
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
        best = min(with_val, key=lambda e: e["val_loss_l"])
        result["best_val_loss_epoch"] = best["epoch"]
        result["val_loss_rise"] = (last["val_loss_l"] - best["val_loss_l"]) / best["val_loss_l"]
    with_rec = [e for e in epochs if "val_reconstruction_bce" in e and "rec_u" in e]
    if with_rec:  # the unlabelled bound's reconstruction term, on training and validation digits
        result["val_below_train_reconstruction"] = float(
            np.mean([e["val_reconstruction_bce"] < e["rec_u"] for e in with_rec])
        )
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


def claims_table(rows: list[Row]) -> str:
    """The claims sweep's measures, one line per β or latent size."""
    head = ["run", "seeds", "test acc %", "sharpness (real 1)", "judge reads label %",
            "path length", "monotone %", "epochs to 85 / 90 / 95 %", "train / val loss (last)",
            "val < train % (labelled / reconstruction)", "best val epoch",
            "val loss rise %"]  # fmt: skip
    lines = []
    for row in rows:
        r = row.results
        losses = f"{column(r, 'train_loss_l', digits=1)} / {column(r, 'val_loss_l', digits=1)}"
        speed = " / ".join(column(r, f"epochs_to_{x:g}", digits=1) for x in (0.85, 0.9, 0.95))
        shares = ("val_below_train", "val_below_train_reconstruction")
        below = " / ".join(column(r, k, 100, 0) for k in shares)
        lines.append([
            row.tag, str(len(r)), column(r, "test_accuracy", 100), column(r, "sharpness"),
            column(r, "generation_fidelity", 100, 1), column(r, "interpolation_path_length"),
            column(r, "interpolation_monotone", 100, 0), speed, losses,
            below, column(r, "best_val_loss_epoch", digits=1),
            column(r, "val_loss_rise", 100, 1),
        ])  # fmt: skip
    return markdown(head, lines) + "\n"


def verdict(claimed: list[float], other: list[float], higher: bool) -> str:
    """Whether the claimed side's measure is higher (or lower) than the other side's, as the
    claim says, beyond the seeds' spread: the means must differ by more than sd + sd."""
    if not claimed or not other:
        return "not yet measured"
    diff = (statistics.mean(claimed) - statistics.mean(other)) * (1 if higher else -1)
    way = "confirmed" if diff > 0 else "contradicted"
    if min(len(claimed), len(other)) < 2:
        return f"leans {way} (one seed: no spread to read)" if diff else "no difference"
    if abs(diff) <= statistics.stdev(claimed) + statistics.stdev(other):
        return "within the seeds' spread"
    return way


def verdict_table(rows: list[Row]) -> str:
    """Each of the report's claims, the figures that test it, and its verdict."""
    betas = sorted((r for r in rows if r.tag.startswith("beta=")), key=lambda r: r.cfg.loss.beta)
    sizes = [r for r in rows if r.tag.startswith("latent=")]
    sizes.sort(key=lambda r: r.cfg.model.latent)
    if not betas or not sizes:
        return "(the claims sweep's β and latent rows are needed)\n"

    def values(row: Row, key: str) -> list[float]:
        return measured(row.results, key)

    def compare(claimed: Row, other: Row, key: str, higher: bool) -> str:
        return verdict(values(claimed, key), values(other, key), higher)

    def by(group: list[Row], key: str, scale: float = 1.0, digits: int = 2) -> str:
        cells = " / ".join(column(r.results, key, scale, digits) for r in group)
        return f"{key} at {' / '.join(r.tag for r in group)}: {cells}"

    low, high, small, large = betas[0], betas[-1], sizes[0], sizes[-1]
    fidelity = "generation_fidelity"
    weakest = min(betas[1:], key=lambda r: statistics.mean(values(r, fidelity) or [1.0]))
    runs = [result for row in rows for result in row.results]
    reached = [x for x in ACCURACY_LEVELS if runs and all(r.get(f"epochs_to_{x:g}") for r in runs)]
    speed = f"epochs_to_{max(reached):g}" if reached else None

    def below(key: str, what: str) -> list[str]:
        shares = measured(runs, key)
        return [f"validation loss sits below training loss ({what})",
                f"share of epochs with validation below training, over the {len(shares)} runs: "
                f"{column(runs, key, 100, 0)} %",
                "not yet measured" if not shares else "confirmed" if min(shares) > 0.5
                else "contradicted" if max(shares) < 0.5
                else "mixed: below in some runs, not in others"]  # fmt: skip

    lines = [
        ["lower β is sharper", by(betas, "sharpness"),
         compare(low, high, "sharpness", higher=True)],
        ["β = 0.001 conditions poorly", by(betas, fidelity, 100, 1),
         compare(low, weakest, fidelity, higher=False)],
        ["higher β interpolates more smoothly",
         f"{by(betas, 'interpolation_path_length')}; "
         f"{by(betas, 'interpolation_monotone', 100, 0)}",
         compare(high, low, "interpolation_path_length", higher=False)],
        ["lower β reaches high accuracy sooner",
         by(betas, speed, digits=1) if speed else f"no level of {ACCURACY_LEVELS} reached by all",
         compare(low, high, speed, higher=False) if speed else "not measurable"],
        ["latent 128 is noisier (high-frequency energy: Laplacian variance)",
         by(sizes, "sharpness"), compare(large, small, "sharpness", higher=True)],
        ["latent 128 overfits (validation loss rises after its minimum)",
         f"{by(sizes, 'val_loss_rise', 100, 1)} %; {by(sizes, 'best_val_loss_epoch', digits=1)}",
         compare(large, small, "val_loss_rise", higher=True)],
        below("val_below_train", "the labelled loss, `loss_l` against `val_loss_l`"),
        below("val_below_train_reconstruction",
              "the reconstruction, `rec_u` against `val_reconstruction_bce`"),
    ]  # fmt: skip
    return markdown(["claim", "figures (mean ± sd over seeds)", "verdict"], lines) + "\n"
