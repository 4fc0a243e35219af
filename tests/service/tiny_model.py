"""Tiny real ONNX models with the export contract, for tests that need their own model dir.

Linear maps with random weights: they mean nothing, but they load, run and have the contract's
names and shapes, unless a test asks for a broken one.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


@dataclass(frozen=True)
class TinySpec:
    """What to build; change a field to build a model that breaks the contract."""

    classes: tuple[str, ...] = tuple(str(d) for d in range(10))
    height: int = 28
    width: int = 28
    latent_c: int = 3
    latent_s: int = 2
    encoder_input: str = "image"
    decoder_latent: int | None = None  # None: latent_c + latent_s
    manifest_extra: dict[str, Any] = field(default_factory=dict)


def _model(
    nodes: list[onnx.NodeProto],
    inputs: list[onnx.ValueInfoProto],
    outputs: list[onnx.ValueInfoProto],
    weights: dict[str, np.ndarray],
) -> onnx.ModelProto:
    initializers = [numpy_helper.from_array(v, name=k) for k, v in weights.items()]
    graph = helper.make_graph(nodes, "tiny", inputs, outputs, initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)])
    model.ir_version = 9
    onnx.checker.check_model(model)
    return model


def _float(name: str, *dims: int | str) -> onnx.ValueInfoProto:
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(dims))


def build(spec: TinySpec, seed: int = 0) -> dict[str, onnx.ModelProto]:
    """The four graphs of a tiny CCVAE for `spec`."""
    rng = np.random.default_rng(seed)
    pixels, latent, k = spec.height * spec.width, spec.latent_c + spec.latent_s, len(spec.classes)
    decoder_latent = spec.decoder_latent or latent

    def w(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.05).astype(np.float32)

    encoder = _model(
        [
            helper.make_node("Flatten", [spec.encoder_input], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "w_loc"], ["loc"]),
            helper.make_node("MatMul", ["flat", "w_scale"], ["pre"]),
            helper.make_node("Softplus", ["pre"], ["scale"]),
        ],
        [_float(spec.encoder_input, "N", 1, spec.height, spec.width)],
        [_float("loc", "N", latent), _float("scale", "N", latent)],
        {"w_loc": w(pixels, latent), "w_scale": w(pixels, latent)},
    )
    decoder = _model(
        [
            helper.make_node("MatMul", ["z", "w"], ["pre"]),
            helper.make_node("Sigmoid", ["pre"], ["flat"]),
            helper.make_node("Reshape", ["flat", "shape"], ["image"]),
        ],
        [_float("z", "N", decoder_latent)],
        [_float("image", "N", 1, spec.height, spec.width)],
        {
            "w": w(decoder_latent, pixels),
            "shape": np.array([-1, 1, spec.height, spec.width], np.int64),
        },
    )
    classifier = _model(
        [helper.make_node("MatMul", ["z_c", "w"], ["logits"])],
        [_float("z_c", "N", spec.latent_c)],
        [_float("logits", "N", k)],
        {"w": w(spec.latent_c, k) * 100},
    )
    prior = _model(
        [
            helper.make_node("Gather", ["locs", "label"], ["loc"], axis=0),
            helper.make_node("Gather", ["scales", "label"], ["scale"], axis=0),
        ],
        [helper.make_tensor_value_info("label", TensorProto.INT64, ["N"])],
        [_float("loc", "N", spec.latent_c), _float("scale", "N", spec.latent_c)],
        {"locs": w(k, spec.latent_c) * 40, "scales": np.full((k, spec.latent_c), 0.5, np.float32)},
    )
    return {"encoder": encoder, "decoder": decoder, "classifier": classifier, "prior": prior}


SIGNATURES = {
    "encoder": (["image"], ["loc", "scale"]),
    "decoder": (["z"], ["image"]),
    "classifier": (["z_c"], ["logits"]),
    "prior": (["label"], ["loc", "scale"]),
}


def write(directory: Path, spec: TinySpec | None = None) -> Path:
    """Write the four ONNX files and a manifest that pins them into `directory`."""
    spec = spec or TinySpec()
    directory.mkdir(parents=True, exist_ok=True)
    files = {}
    for role, model in build(spec).items():
        path = directory / f"{role}.onnx"
        onnx.save(model, path)
        inputs, outputs = SIGNATURES[role]
        files[role] = {
            "path": path.name,
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "inputs": inputs,
            "outputs": outputs,
        }
    manifest = {
        "format_version": 1,
        "name": "tiny",
        "version": "0",
        "classes": list(spec.classes),
        "image": {
            "shape": [1, spec.height, spec.width],
            "range": [0.0, 1.0],
            "foreground": "white-on-black",
        },
        "latent": {"c": spec.latent_c, "s": spec.latent_s},
        "files": files,
        "training": {},
        "metrics": {"test_accuracy": 0.1},
        "versions": {"onnx": onnx.__version__},
        **spec.manifest_extra,
    }
    (directory / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return directory
