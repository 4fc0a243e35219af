"""The latent arithmetic of generation, interpolation and intervention: small pure functions.

z = [z_c, z_s]: z_c (the first Dc dimensions) carries what the label explains, z_s the style.
"""

from __future__ import annotations

from enum import Enum

import numpy as np


class Source(str, Enum):
    """Where generation draws z from: the fitted density of the training digits' codes, or the
    priors z_c ~ p(z_c|y), z_s ~ N(0, I)."""

    density = "density"
    prior = "prior"


def sample_latents(
    loc: np.ndarray, scale: np.ndarray, style: int, n: int, temperature: float, seed: int
) -> np.ndarray:
    """z = [loc + T·scale·eps_c, T·eps_s] with eps ~ N(0, I): n draws from p(z_c|y) p(z_s)."""
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal((n, loc.shape[-1] + style))  # (n, Dc + Ds)
    z_c = loc + temperature * scale * eps[:, : loc.shape[-1]]
    z_s = temperature * eps[:, loc.shape[-1] :]
    return np.concatenate([z_c, z_s], axis=1).astype(np.float32)


def sample_density(
    loc: np.ndarray, scale_tril: np.ndarray, n: int, temperature: float, seed: int
) -> np.ndarray:
    """z = loc + T·scale_tril·eps with eps ~ N(0, I): n draws from one label's fitted density."""
    eps = np.random.default_rng(seed).standard_normal((n, loc.shape[-1]))
    z: np.ndarray = (loc + temperature * eps @ scale_tril.T).astype(np.float32)
    return z


def lerp(start: np.ndarray, end: np.ndarray, steps: int) -> np.ndarray:
    """`steps` points from start to end inclusive, evenly spaced: (D,), (D,) -> (steps, D)."""
    t = np.linspace(0.0, 1.0, steps)[:, None]
    points: np.ndarray = ((1.0 - t) * start + t * end).astype(np.float32)
    return points


def carry_offset(
    z_c: np.ndarray,
    own: tuple[np.ndarray, np.ndarray],
    new: tuple[np.ndarray, np.ndarray],
    keep: float,
) -> np.ndarray:
    """z_c moved from its own label's prior (loc, scale) to the new label's, keeping `keep` of
    its standardised offset: μ_new + keep·σ_new·(z_c − μ_own)/σ_own; keep 0 is μ_new."""
    (mu_own, sd_own), (mu_new, sd_new) = own, new
    moved: np.ndarray = (mu_new + keep * sd_new * (z_c - mu_own) / sd_own).astype(np.float32)
    return moved
