"""A latent density fitted after training, for generation by label.

The CCVAE's priors, p(z_c|y) and p(z_s) = N(0, I), are not where its encoder puts real digits:
with β < 1 the posteriors of the training digits fill a narrower, correlated region (the shipped
model's z_s has a per-dimension spread of about 0.5, not 1), so a prior sample lands where the
decoder has seen little and draws blots and broken strokes. Fitting a density to the codes of the
training digits after training — ex-post density estimation (Ghosh et al., "From variational to
deterministic autoencoders", ICLR 2020) — samples where the decoder is at home: here a Gaussian
with full covariance over the whole z per label, the label being what the model's own classifier
reads, so no label budget is needed. On the shipped model this halves the Fréchet distance of
generated digits (README).

Exported as `density.onnx` (label → loc [N, D], scale_tril [N, D, D]); the service samples
z = loc + T·scale_tril·ε with it when the model directory has one.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from training.data import load_training_split, to_float
from training.model import CCVAE


class LatentDensity(nn.Module):
    """N(loc[y], scale_tril[y] scale_tril[y]ᵀ) over the whole z = [z_c, z_s], one per label."""

    def __init__(self, loc: torch.Tensor, scale_tril: torch.Tensor) -> None:
        super().__init__()
        self.register_buffer("loc", loc)  # (K, D)
        self.register_buffer("scale_tril", scale_tril)  # (K, D, D), lower triangular

    def forward(self, label: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.loc[label], self.scale_tril[label]

    def sample(
        self, y: torch.Tensor, temperature: float = 1.0, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """z (B, D) for labels y; temperature scales the spread around each label's mean."""
        loc, tril = self(y)
        eps = torch.randn(loc.shape, generator=generator, device=loc.device)
        return loc + temperature * (tril @ eps.unsqueeze(-1)).squeeze(-1)

    @torch.no_grad()
    def generate(
        self,
        decoder: nn.Module,
        y: torch.Tensor,
        temperature: float = 1.0,
        generator: torch.Generator | None = None,
    ) -> torch.Tensor:
        """Images (B, 1, 28, 28) in [0, 1] of labels y: `decoder`'s logits of z drawn here."""
        return torch.sigmoid(decoder(self.sample(y, temperature, generator)))


@torch.no_grad()
def fit_density(
    model: nn.Module, images: torch.Tensor, batch: int = 2000, ridge: float = 1e-4
) -> LatentDensity:
    """Fit each label's Gaussian to the posterior means of `images` (uint8) that the model's
    classifier reads as that label.

    Each label's mean and covariance are shrunk towards a fallback with the weight of D + 1
    pseudo-digits (D = dim z): the covariance towards that of all codes, the mean towards the
    label's prior mean of z_c beside the mean z_s of all codes. With thousands of digits per
    label that moves nothing; a label the classifier (almost) never reads — a small or poorly
    trained model — still gets a proper Gaussian. `ridge` keeps every covariance positive
    definite.
    """
    model.eval()
    codes, labels = [], []
    for start in range(0, len(images), batch):
        loc, _ = model.encoder(to_float(images[start : start + batch]))
        codes.append(loc)
        labels.append(model.classifier(model.split(loc)[0]).argmax(-1))
    z, y = torch.cat(codes).double(), torch.cat(labels)
    d = z.shape[1]
    pseudo = float(d + 1)
    pooled = torch.cov(z.T)
    prior_loc, _ = model.all_priors()
    locs, trils = [], []
    for label in range(model.cfg.num_classes):
        mine = z[y == label]
        n = len(mine)
        fallback = torch.cat([prior_loc[label].double(), z[:, model.cfg.latent_c :].mean(0)])
        mean = (mine.sum(0) + pseudo * fallback) / (n + pseudo)
        scatter = (mine - mean).T @ (mine - mean) if n else torch.zeros_like(pooled)
        cov = (scatter + pseudo * pooled) / (n + pseudo) + ridge * torch.eye(d, dtype=z.dtype)
        locs.append(mean)
        trils.append(torch.linalg.cholesky(cov))
    return LatentDensity(torch.stack(locs).float(), torch.stack(trils).float())


def fit_training_density(
    model: nn.Module, train_config: dict[str, Any], data_dir: str | None
) -> LatentDensity:
    """The latent density of the training digits the model trained on (validation left out)."""
    images, _, split = load_training_split(
        data_dir,
        train_config.get("limit"),
        train_config["labels"],
        train_config["validation"],
        train_config["seed"],
    )
    return fit_density(model, images[torch.cat([split.labelled, split.unlabelled])])


def checkpoint_density(
    model: nn.Module, state: dict[str, Any], data_dir: str | None, wanted: bool = True
) -> LatentDensity | None:
    """The training digits' density of a checkpoint's model when it is wanted and the model
    is a CCVAE (the baselines sample N(0, I) and have none), else None."""
    if not wanted or not isinstance(model, CCVAE):
        return None
    return fit_training_density(model, state["train_config"], data_dir)
