"""Writing ONNX graphs the way every artifact of this project is written, and hashing them."""

from __future__ import annotations

import hashlib
import warnings
from pathlib import Path

import onnx
import torch
from torch import nn

OPSET = 17
BATCH_AXIS = "N"


def export_graph(
    module: nn.Module, inputs: dict[str, torch.Tensor], outputs: list[str], path: Path
) -> None:
    """Export `module` with named inputs and outputs, every one with a dynamic batch axis N,
    then run the full ONNX checker on the file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    axes = {name: {0: BATCH_AXIS} for name in [*inputs, *outputs]}
    # NOTE: torch marks the TorchScript exporter (dynamo=False) deprecated; it is still the one
    # that writes plain opset-17 graphs with dynamic_axes, so its warning is silenced here only.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        torch.onnx.export(
            module.eval(),
            tuple(inputs.values()),
            str(path),
            input_names=list(inputs),
            output_names=outputs,
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)


def sha256(path: Path) -> str:
    """Hex digest of a file, so a manifest pins the exact weights it describes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
