"""Label-keeping deformations of digit images: a weak view and FixMatch's strong view.

A semi-supervised classifier trained from 100 labels overfits them within an epoch; seeing each
digit under small deformations that keep its label is the cheapest regulariser there is, and
it gives the pseudo-label term a second view of every unlabelled digit.

`random_affine` is the weak view: small rotations, scalings and shifts. `strong_view` is the
strong view of FixMatch (Sohn et al., 2020), whose pseudo-labels are read off the weak view and
taught to the strong one: a larger affine jitter with shear, a random change of stroke
thickness, and Cutout (DeVries & Taylor, 2017), a zeroed square. RandAugment's colour
operations do not apply to ink-on-blank digits, so these are the digit-shaped equivalents.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _uniform(b: int, bound: float, device: torch.device, *shape: int) -> torch.Tensor:
    return (torch.rand(b, *shape, device=device) * 2 - 1) * bound


def random_affine(
    x: torch.Tensor,
    degrees: float = 12.0,
    scale: float = 0.1,
    shift: float = 2.5,
    shear: float = 0.0,
) -> torch.Tensor:
    """x (B, 1, H, W) → the same digits, each rotated by ±degrees, scaled by 1 ± scale, sheared
    by ±shear (x += shear·y) and shifted by ±shift pixels (uniform draws from torch's global
    generator), zero-filled."""
    b, _, h, _ = x.shape
    device = x.device
    angle = _uniform(b, math.radians(degrees), device)
    factor = 1 + _uniform(b, scale, device)
    offset = _uniform(b, 2 * shift / h, device, 2)  # in [-1, 1] units
    cos, sin = angle.cos() / factor, angle.sin() / factor
    k = _uniform(b, shear, device) if shear else torch.zeros(b, device=device)
    theta = torch.stack(
        [torch.stack([cos + k * sin, -sin + k * cos, offset[:, 0]], 1),
         torch.stack([sin, cos, offset[:, 1]], 1)], 1
    )  # fmt: skip  # (B, 2, 3): rotation·scale, then shear
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


def stroke_thickness(x: torch.Tensor, amount: float = 0.7) -> torch.Tensor:
    """Thicker or thinner strokes: x + t·(dilate(x) − x) for t ∈ [0, amount], or toward the
    erosion for t ∈ [−amount, 0), per image (3×3 grey-level max / min filters)."""
    t = _uniform(len(x), amount, x.device)[:, None, None, None]
    dilated = F.max_pool2d(x, 3, stride=1, padding=1)
    eroded = -F.max_pool2d(-x, 3, stride=1, padding=1)
    return torch.where(t >= 0, x + t * (dilated - x), x + t * (x - eroded))


def cutout(x: torch.Tensor, size: int = 10) -> torch.Tensor:
    """x with one size×size square per image set to 0, its centre uniform over the image."""
    b, _, h, w = x.shape
    cy = torch.randint(0, h, (b, 1, 1), device=x.device)
    cx = torch.randint(0, w, (b, 1, 1), device=x.device)
    ys = torch.arange(h, device=x.device)[None, :, None]
    xs = torch.arange(w, device=x.device)[None, None, :]
    inside = ((ys - cy).abs() <= size // 2) & ((xs - cx).abs() <= size // 2)
    return x.masked_fill(inside[:, None], 0.0)


def strong_view(x: torch.Tensor) -> torch.Tensor:
    """FixMatch's strong view of digits x (B, 1, H, W): ±25°, ±20 % scale, ±0.3 shear, ±4 px,
    stroke thickness ±0.7 of a dilation, and a 10×10 cutout."""
    x = random_affine(x, degrees=25.0, scale=0.2, shift=4.0, shear=0.3)
    return cutout(stroke_thickness(x).clamp(0.0, 1.0))
