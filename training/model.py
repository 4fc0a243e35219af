"""The CCVAE's networks: encoder q(z|x), decoder p(x|z), classifier q(y|z_c), prior p(z_c|y).

Generative story (single-label form of Joy et al., 2021):

    y   ~ Uniform{0..9}
    z_c ~ N(loc_y, scale_y)          # p(z_c|y): a label embedding → (loc, scale)
    z_s ~ N(0, I)                    # p(z_s): style, independent of the label
    x   ~ Bernoulli(decoder([z_c, z_s]))

Inference: q(z|x) is a diagonal Gaussian from a conv encoder; the label is read off z_c alone by
a linear classifier q(y|z_c), which is what ties z_c (and only z_c) to the label.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import nn

from training.config import ModelConfig

MIN_SCALE = 1e-3  # keeps log-densities finite when a posterior collapses


class LabelModel(Protocol):
    """What every model of the comparison answers (the CCVAE here, the CVAE and M2 in
    training.baselines): all that the objectives' shared terms, evaluation, the measures,
    figures and interventions ask of a model. Calling the model classifies, so
    `torch.func.functional_call` can classify with substituted (e.g. frozen) weights."""

    cfg: ModelConfig

    def __call__(self, x: torch.Tensor) -> torch.Tensor: ...

    def parameters(self, recurse: bool = True) -> Iterator[nn.Parameter]: ...

    def named_parameters(self) -> Iterator[tuple[str, nn.Parameter]]: ...

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of q(y|x), (B, K), differentiable."""
        ...

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Class probabilities (B, K), without gradients."""
        ...

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """Bernoulli logits (B, 1, 28, 28) decoded from the posterior mean."""
        ...

    def sample_logits(
        self, y: torch.Tensor, temperature: float = 1.0, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Bernoulli logits (B, 1, 28, 28) of digits drawn from the prior under labels y,
        differentiable with respect to the decoder and the prior."""
        ...

    def generate(
        self, y: torch.Tensor, temperature: float = 1.0, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Images (B, 1, 28, 28) in [0, 1] drawn under labels y, without gradients."""
        ...

    def intervene(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Images of x with the label changed to y, the rest of the code kept."""
        ...


def positive_scale(raw: torch.Tensor) -> torch.Tensor:
    """Map an unconstrained output to a standard deviation; softplus is gentler than exp."""
    return F.softplus(raw) + MIN_SCALE


class Encoder(nn.Module):
    """x (B, 1, 28, 28) in [0, 1] → loc, scale (B, Dc + Ds).

    `extra` widens the head's input for M2's q(z|x, y), which appends one-hot y to the features;
    the body (`features`) is the same network for every model in the comparison.
    """

    def __init__(self, cfg: ModelConfig, extra: int = 0) -> None:
        super().__init__()
        c = cfg.channels
        self.features = nn.Sequential(
            nn.Conv2d(1, c, 4, stride=2, padding=1),  # (B, c, 14, 14)
            nn.ReLU(),
            nn.Conv2d(c, 2 * c, 4, stride=2, padding=1),  # (B, 2c, 7, 7)
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(2 * c * 7 * 7, cfg.hidden),
            nn.ReLU(),
        )
        self.head = nn.Linear(cfg.hidden + extra, 2 * cfg.latent)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.posterior(self.features(x))

    def posterior(
        self, h: torch.Tensor, extra: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Features h (B, H) [and extra inputs (B, E)] → loc, scale (B, D)."""
        if extra is not None:
            h = torch.cat([h, extra], -1)
        loc, raw = self.head(h).chunk(2, dim=-1)  # (B, D) each
        return loc, positive_scale(raw)


class Decoder(nn.Module):
    """z (B, Dc + Ds) → Bernoulli logits (B, 1, 28, 28).

    `extra` widens the input for M2's p(x|y, z), which takes [z, one-hot y].
    """

    def __init__(self, cfg: ModelConfig, extra: int = 0) -> None:
        super().__init__()
        c = cfg.channels
        self.c = c
        self.body = nn.Sequential(
            nn.Linear(cfg.latent + extra, cfg.hidden),
            nn.ReLU(),
            nn.Linear(cfg.hidden, 2 * c * 7 * 7),
            nn.ReLU(),
        )
        self.deconv = nn.Sequential(
            nn.ConvTranspose2d(2 * c, c, 4, stride=2, padding=1),  # (B, c, 14, 14)
            nn.ReLU(),
            nn.ConvTranspose2d(c, 1, 4, stride=2, padding=1),  # (B, 1, 28, 28)
        )

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        h = self.body(z).view(-1, 2 * self.c, 7, 7)
        return self.deconv(h)


class ConditionalPrior(nn.Module):
    """p(z_c|y): one learned (loc, scale) per label."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.embedding = nn.Embedding(cfg.num_classes, 2 * cfg.latent_c)
        nn.init.normal_(self.embedding.weight, std=1.0)
        with torch.no_grad():  # start every scale at softplus(0.54) ≈ 1, like N(0, I)
            self.embedding.weight[:, cfg.latent_c :] = 0.5413

    def forward(self, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        loc, raw = self.embedding(y).chunk(2, dim=-1)  # (B, Dc) each
        return loc, positive_scale(raw)


class CCVAE(nn.Module):
    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        self.classifier = nn.Linear(cfg.latent_c, cfg.num_classes)
        self.prior = ConditionalPrior(cfg)

    def split(self, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """z → (z_c, z_s); the first latent_c columns are z_c."""
        return z[..., : self.cfg.latent_c], z[..., self.cfg.latent_c :]

    def all_priors(self) -> tuple[torch.Tensor, torch.Tensor]:
        """loc, scale of p(z_c|y) for every label, (K, Dc) each."""
        labels = torch.arange(self.cfg.num_classes, device=self.classifier.weight.device)
        return self.prior(labels)

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of q(y|z_c = posterior mean), (B, K)."""
        loc, _ = self.encoder(x)
        return self.classifier(self.split(loc)[0])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(x)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """Class probabilities from the posterior mean of z_c, as the service computes them."""
        return self.classify(x).softmax(-1)

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        """Bernoulli logits (B, 1, 28, 28) decoded from the posterior mean."""
        return self.decoder(self.encoder(x)[0])

    @torch.no_grad()
    def intervene(self, x: torch.Tensor, y: torch.Tensor, keep: float = 0.0) -> torch.Tensor:
        """Images of x with only the label part changed: x's z_s, and z_c moved to label y.

        With `keep` 0, z_c is the prior mean of p(z_c|y), as in the report. z_c also holds part
        of the writer's style (how this 3 differs from the typical 3), so `keep` > 0 carries
        that share of x's standardised offset from its own (predicted) label's prior into the
        new label's: z_c' = μ_y + keep·σ_y·(z_c − μ_ŷ)/σ_ŷ. More style survives as keep grows,
        and fewer digits read as the new label (results/baselines).
        """
        loc, _ = self.encoder(x)
        z_c, z_s = self.split(loc)
        mu_new, sd_new = self.prior(y)
        mu_old, sd_old = self.prior(self.classifier(z_c).argmax(-1))
        z_c = mu_new + keep * sd_new * (z_c - mu_old) / sd_old
        return torch.sigmoid(self.decoder(torch.cat([z_c, z_s], -1)))

    def sample_logits(
        self, y: torch.Tensor, temperature: float = 1.0, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Bernoulli logits decoded from z_c ~ p(z_c|y), z_s ~ N(0, I) (both scaled by the
        temperature), differentiable with respect to the decoder and the prior."""
        loc, scale = self.prior(y)
        eps_c = torch.randn(loc.shape, generator=generator, device=loc.device)
        eps_s = torch.randn((len(y), self.cfg.latent_s), generator=generator, device=loc.device)
        z = torch.cat([loc + temperature * scale * eps_c, temperature * eps_s], dim=-1)
        return self.decoder(z)

    @torch.no_grad()
    def generate(
        self, y: torch.Tensor, temperature: float = 1.0, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Images (B, 1, 28, 28) in [0, 1] from z_c ~ p(z_c|y), z_s ~ N(0, I)."""
        return torch.sigmoid(self.sample_logits(y, temperature, generator))
