"""Random affine jitter of digit images: small rotations, scalings and shifts.

A semi-supervised classifier trained from 100 labels overfits them within an epoch; seeing each
digit under small deformations that keep its label is the cheapest regulariser there is, and
it gives the consistency term a second view of every unlabelled digit.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def random_affine(
    x: torch.Tensor, degrees: float = 12.0, scale: float = 0.1, shift: float = 2.5
) -> torch.Tensor:
    """x (B, 1, H, W) → the same digits, each rotated by ±degrees, scaled by 1 ± scale and
    shifted by ±shift pixels (uniform draws from torch's global generator), zero-filled."""
    b, _, h, _ = x.shape
    device = x.device
    angle = (torch.rand(b, device=device) * 2 - 1) * math.radians(degrees)
    factor = 1 + (torch.rand(b, device=device) * 2 - 1) * scale
    offset = (torch.rand(b, 2, device=device) * 2 - 1) * (2 * shift / h)  # in [-1, 1] units
    cos, sin = angle.cos() / factor, angle.sin() / factor
    theta = torch.stack(
        [torch.stack([cos, -sin, offset[:, 0]], 1), torch.stack([sin, cos, offset[:, 1]], 1)], 1
    )  # (B, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")
