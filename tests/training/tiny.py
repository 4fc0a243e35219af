"""A tiny CCVAE configuration, images it can learn from, and a few optimiser steps on a loss:
what the loss tests of the CCVAE and of the baselines share."""

from __future__ import annotations

from collections.abc import Callable

import torch

from training.config import ModelConfig

TINY = ModelConfig(latent_c=4, latent_s=3, channels=4, hidden=16)


def bars(n: int) -> torch.Tensor:
    """Images with one bright row each: structure a model can learn in a few steps."""
    x = torch.zeros(n, 1, 28, 28)
    for i in range(n):
        x[i, 0, 4 + 2 * (i % 10), 4:24] = 1.0
    return x


def losses_over_steps(
    loss_fn: Callable[..., tuple[torch.Tensor, dict[str, torch.Tensor]]],
    params: torch.nn.Module,
    *batch: torch.Tensor,
    steps: int = 30,
) -> list[float]:
    """The loss at each of `steps` Adam steps on one fixed batch; every term must stay finite."""
    opt = torch.optim.Adam(params.parameters(), lr=3e-3)
    history = []
    for _ in range(steps):
        loss, terms = loss_fn(*batch)
        assert torch.isfinite(loss) and all(torch.isfinite(v) for v in terms.values())
        opt.zero_grad()
        loss.backward()
        opt.step()
        history.append(loss.item())
    return history
