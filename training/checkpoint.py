"""Checkpoints: written atomically, and self-describing (they carry the training config)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from training.config import ModelConfig
from training.model import CCVAE


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write atomically, so a run killed mid-save leaves the previous checkpoint intact."""
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_model(checkpoint: str | os.PathLike[str]) -> tuple[CCVAE, dict[str, Any]]:
    """The model of a checkpoint in eval mode, and the checkpoint itself."""
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    model = CCVAE(ModelConfig.from_dict(state["train_config"]["model"]))
    model.load_state_dict(state["model"])
    return model.eval(), state
