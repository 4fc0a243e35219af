"""Intervention: change only a digit's label part, decode, and ask what changed.

The CCVAE's claim is that its split latent lets one change the label of a written digit and keep
the writer's style. Each model answers `intervene(x, y)` (z_c ← the prior mean of p(z_c|y) for
the CCVAE; y itself for the CVAE and M2, with x's posterior mean of z), and the judge CNN reads
the result. Two questions, with numpy measures that need no training code:

- does the label change? the share of intervened digits the judge reads as the new label;
- does the style survive? the correlation between original and intervened digits of stroke
  thickness and of slant, each centred within its label so the digit's shape does not count,
  and the judge-feature distance to the original against that of a random real digit of the
  new label (a ratio below 1: closer to the original than another writer's digit is).

The style measures are taken twice: over every digit, and (suffix `_changed`) over only the
digits the judge reads as their new label, since a digit left unchanged keeps its style
trivially and would otherwise credit a model for failing to intervene.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from training.data import to_float
from training.model import LabelModel

if TYPE_CHECKING:
    from training.judge import Judge


STYLE_MEASURES = ("thickness_corr", "slant_corr", "feature_distance", "feature_distance_other",
                  "style_ratio")  # fmt: skip


def stroke_thickness(images: np.ndarray, threshold: float = 0.5) -> np.ndarray:
    """Mean stroke width per image (N,): 2·area / perimeter of the inked (> threshold) pixels.

    A stroke of width w and length ℓ has area ≈ w·ℓ and perimeter ≈ 2ℓ, so the ratio reads w in
    pixels whatever the digit; the perimeter counts the pixel edges between ink and background.
    """
    ink = np.asarray(images).reshape(len(images), 28, 28) > threshold
    padded = np.pad(ink, ((0, 0), (1, 1), (1, 1)))
    centre = padded[:, 1:-1, 1:-1]
    neighbours = (padded[:, :-2, 1:-1], padded[:, 2:, 1:-1], padded[:, 1:-1, :-2],
                  padded[:, 1:-1, 2:])  # fmt: skip
    perimeter = sum((centre & ~n).sum((1, 2)) for n in neighbours)
    area = ink.sum((1, 2))
    return 2.0 * area / np.maximum(perimeter, 1)


def slant(images: np.ndarray) -> np.ndarray:
    """Shear of the ink per image (N,): cov(col, row) / var(row) of the pixel intensities.

    Positive when the top of the digit leans right (rows grow downwards), the quantity that
    MNIST deskewing removes.
    """
    x = np.asarray(images, dtype=np.float64).reshape(len(images), 28, 28)
    rows, cols = np.mgrid[0:28, 0:28]
    mass = x.sum((1, 2)).clip(min=1e-6)
    mr = (x * rows).sum((1, 2)) / mass
    mc = (x * cols).sum((1, 2)) / mass
    dr, dc = rows[None] - mr[:, None, None], cols[None] - mc[:, None, None]
    cov = (x * dr * dc).sum((1, 2)) / mass
    var = (x * dr * dr).sum((1, 2)) / mass
    return -cov / np.maximum(var, 1e-6)


def centred_correlation(
    a: np.ndarray, b: np.ndarray, groups_a: np.ndarray, groups_b: np.ndarray
) -> float:
    """Pearson correlation of a and b after subtracting each one's mean within its group.

    Thickness and slant differ between digits (a 1 is thinner and more upright than an 8), so
    the raw correlation would credit a model for merely drawing the new label's average digit.
    """

    def centre(v: np.ndarray, groups: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=np.float64).copy()
        for g in np.unique(groups):
            v[groups == g] -= v[groups == g].mean()
        return v

    ca, cb = centre(a, groups_a), centre(b, groups_b)
    denominator = np.sqrt((ca**2).sum() * (cb**2).sum())
    return float((ca * cb).sum() / denominator) if denominator > 0 else 0.0


def intervention_targets(
    labels: torch.Tensor, num_classes: int, generator: torch.Generator
) -> torch.Tensor:
    """A new label for each digit, uniform over the other num_classes − 1 labels."""
    shift = torch.randint(1, num_classes, labels.shape, generator=generator)
    return (labels + shift) % num_classes


@torch.no_grad()
def intervention_quality(
    model: LabelModel,
    judge: Judge,
    images: torch.Tensor,
    labels: torch.Tensor,
    n: int = 1000,
    seed: int = 0,
    keep: float | None = None,
) -> dict[str, Any]:
    """Intervene on n test digits (uint8 `images`), each to a random other label; measure.

    The digits, their new labels and the random real digits of the new labels depend on `seed`
    only, so every model of a table is asked the same n questions. `keep`, when given, is
    passed to the CCVAE's `intervene` (the share of z_c's own offset carried over).
    """
    g = torch.Generator().manual_seed(seed)
    pick = torch.randperm(len(images), generator=g)[:n]
    x, y = to_float(images[pick]), labels[pick]
    k = int(labels.max()) + 1
    target = intervention_targets(y, k, g)
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    options = {} if keep is None else {"keep": keep}
    swapped = model.intervene(x.to(device), target.to(device), **options).cpu().numpy()
    model.train(was_training)
    # A real digit of the new label by another writer: the distance that "no style kept" gives.
    others = torch.empty_like(pick)
    for i, t in enumerate(target.tolist()):
        pool = (labels == t).nonzero().squeeze(1)
        others[i] = pool[torch.randint(len(pool), (1,), generator=g)]
    other = to_float(images[others]).numpy()
    original = x.numpy()
    f_orig, f_swap, f_other = (judge.features(a) for a in (original, swapped, other))
    y_np, t_np = y.numpy(), target.numpy()
    changed = judge.predict(swapped) == t_np

    def style(keep: np.ndarray) -> dict[str, float | None]:
        """The STYLE_MEASURES over the digits in `keep` (a boolean mask)."""
        o, s, yk, tk = original[keep], swapped[keep], y_np[keep], t_np[keep]
        d_swap = np.linalg.norm(f_swap[keep] - f_orig[keep], axis=1).mean()
        d_other = np.linalg.norm(f_other[keep] - f_orig[keep], axis=1).mean()
        thickness = centred_correlation(stroke_thickness(o), stroke_thickness(s), yk, tk)
        values = (thickness, centred_correlation(slant(o), slant(s), yk, tk), float(d_swap),
                  float(d_other), float(d_swap / d_other))  # fmt: skip
        return dict(zip(STYLE_MEASURES, values, strict=True))

    result: dict[str, Any] = {
        "intervention_fidelity": float(changed.mean()),
        "intervention_digits": n,
    }
    result.update({f"intervention_{k}": v for k, v in style(np.ones_like(changed)).items()})
    # A digit whose label did not change keeps its style for free; scored on the digits that
    # did change, the style measures no longer reward an intervention that does nothing.
    measured = style(changed) if changed.sum() >= 2 else dict.fromkeys(STYLE_MEASURES)
    result.update({f"intervention_{k}_changed": v for k, v in measured.items()})
    return result


KEEPS = (0.0, 0.25, 0.5, 0.75, 1.0)


def keep_curve(
    model: LabelModel, judge: Judge, images: torch.Tensor, labels: torch.Tensor, keeps=KEEPS
) -> dict[str, dict[str, Any]]:
    """The CCVAE's trade-off between a label change that takes and a style that survives:
    `intervention_quality` at each share `keep` of z_c's own offset, keyed by str(keep)."""
    return {str(k): intervention_quality(model, judge, images, labels, keep=k) for k in keeps}
