"""The two models the CCVAE is compared with, built from the same encoder and decoder bodies.

`cvae` — the report's first version, whose latent is not split (a conditional VAE):

    y ~ Uniform{0..9},  z ~ N(0, I),  x ~ Bernoulli(decoder(z + MLP(onehot(y))))
    q(z|x) from the encoder; q(y|x) a linear classifier on the encoder's features.

`m2` — Kingma et al. (2014), M2:

    y ~ Uniform{0..9},  z ~ N(0, I),  x ~ Bernoulli(decoder([z, onehot(y)]))
    q(y|x) a linear classifier on the encoder's features; q(z|x, y) the encoder's head on
    [features(x), onehot(y)], so enumerating y costs ten small heads but ten decoder passes.

Both use one latent z as large as the CCVAE's [z_c, z_s], so the three differ only in where the
label enters. Every model here answers the same questions (`classify`, `reconstruct`,
`generate`, `intervene`), which is all that evaluation, figures and the measures need.
"""

from __future__ import annotations

import typing

import torch
import torch.nn.functional as F
from torch import nn

from training.config import ModelConfig, ModelKind
from training.model import CCVAE, Decoder, Encoder

MODELS: tuple[str, ...] = typing.get_args(ModelKind)


class LabelledVAE(nn.Module):
    """What the two baselines share: encoder body, classifier q(y|x), prior N(0, I) on z."""

    cfg: ModelConfig
    encoder: Encoder
    decoder: Decoder

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.classifier = nn.Linear(cfg.hidden, cfg.num_classes)

    def onehot(self, y: torch.Tensor) -> torch.Tensor:
        return F.one_hot(y, self.cfg.num_classes).float()

    def posterior(self, h: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """loc, scale of q(z|x[, y]) from the encoder's features h (B, H)."""
        raise NotImplementedError

    def decode(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Bernoulli logits (B, 1, 28, 28) of p(x|y, z)."""
        raise NotImplementedError

    def classify(self, x: torch.Tensor) -> torch.Tensor:
        """Logits of q(y|x), (B, K)."""
        return self.classifier(self.encoder.features(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(x)

    @torch.no_grad()
    def predict(self, x: torch.Tensor) -> torch.Tensor:
        return self.classify(x).softmax(-1)

    def encode_mean(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Posterior mean of z and the label it was taken under (q(y|x)'s argmax)."""
        h = self.encoder.features(x)
        y = self.classifier(h).argmax(-1)
        return self.posterior(h, y)[0], y

    def reconstruct(self, x: torch.Tensor) -> torch.Tensor:
        z, y = self.encode_mean(x)
        return self.decode(z, y)

    def sample_logits(
        self, y: torch.Tensor, temperature: float = 1.0, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Bernoulli logits decoded under label y from z ~ N(0, temperature²·I)."""
        device = self.classifier.weight.device
        z = temperature * torch.randn((len(y), self.cfg.latent), generator=generator, device=device)
        return self.decode(z, y)

    @torch.no_grad()
    def generate(
        self, y: torch.Tensor, temperature: float = 1.0, generator: torch.Generator | None = None
    ) -> torch.Tensor:
        """Images (B, 1, 28, 28) in [0, 1] from z ~ N(0, I) under label y."""
        return torch.sigmoid(self.sample_logits(y, temperature, generator))

    @torch.no_grad()
    def intervene(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """x's posterior mean of z decoded under the new label y."""
        z, _ = self.encode_mean(x)
        return torch.sigmoid(self.decode(z, y))


class CVAE(LabelledVAE):
    """The report's non-split baseline: the label is added to z through an MLP."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__(cfg)
        self.encoder = Encoder(cfg)
        self.decoder = Decoder(cfg)
        self.label_mlp = nn.Sequential(
            nn.Linear(cfg.num_classes, cfg.hidden), nn.ReLU(), nn.Linear(cfg.hidden, cfg.latent)
        )

    def posterior(self, h: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.encoder.posterior(h)  # q(z|x) does not see y

    def decode(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.decoder(z + self.label_mlp(self.onehot(y)))


class M2(LabelledVAE):
    """Kingma et al.'s M2: q(z|x, y) and p(x|y, z) both take one-hot y beside their input."""

    def __init__(self, cfg: ModelConfig) -> None:
        super().__init__(cfg)
        self.encoder = Encoder(cfg, extra=cfg.num_classes)
        self.decoder = Decoder(cfg, extra=cfg.num_classes)

    def posterior(self, h: torch.Tensor, y: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.encoder.posterior(h, self.onehot(y))

    def decode(self, z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return self.decoder(torch.cat([z, self.onehot(y)], -1))


def build_model(kind: str, cfg: ModelConfig) -> nn.Module:
    """The network of one of MODELS, built from the architecture alone."""
    if kind == "ccvae":
        return CCVAE(cfg)
    if kind == "cvae":
        return CVAE(cfg)
    if kind == "m2":
        return M2(cfg)
    raise ValueError(f"model must be one of {MODELS}, not {kind!r}")
