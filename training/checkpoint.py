"""Checkpoints: written atomically, and self-describing (they carry the training config)."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import torch
from torch import nn

from training.baselines import build_model
from training.config import ModelConfig


def save_checkpoint(path: Path, state: dict[str, Any]) -> None:
    """Write atomically, so a run killed mid-save leaves the previous checkpoint intact."""
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, path)


def load_model(checkpoint: str | os.PathLike[str]) -> tuple[Any, dict[str, Any]]:
    """The model of a checkpoint in eval mode (a CCVAE unless it says otherwise), and the
    checkpoint itself."""
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    config = state["train_config"]
    model: nn.Module = build_model(
        config.get("model_kind", "ccvae"), ModelConfig.from_dict(config["model"])
    )
    model.load_state_dict(state["model"])
    return model.eval(), state


def checkpoint_parser(prog: str, doc: str | None) -> argparse.ArgumentParser:
    """The parser of a command that reads one checkpoint: its first positional argument."""
    p = argparse.ArgumentParser(
        prog=prog,
        description=(doc or "").splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("checkpoint", help="a .pt checkpoint written by ccvae-train")
    return p
