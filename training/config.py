"""The model's hyperparameters: one frozen dataclass that checkpoints and manifests carry."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

CLASSES: tuple[str, ...] = tuple(str(d) for d in range(10))
IMAGE_SHAPE: tuple[int, int, int] = (1, 28, 28)


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of a CCVAE; the network is built from this alone.

    The latent z = [z_c, z_s]: z_c carries the label characteristics (the classifier reads it and
    the conditional prior p(z_c|y) models it), z_s carries the style with prior N(0, I).
    """

    latent_c: int = 16
    latent_s: int = 16
    channels: int = 32
    hidden: int = 256
    num_classes: int = len(CLASSES)

    @property
    def latent(self) -> int:
        return self.latent_c + self.latent_s

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})
