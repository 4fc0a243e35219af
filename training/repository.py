"""An exported model directory as a Triton model repository, which `ccvae-serve` reads too.

Layout (Triton loads it unchanged; `ccvae-serve --model-dir DIR` serves it as well):
    DIR/manifest.json               the model's manifest, each file's path now <graph>/1/model.onnx
    DIR/<graph>/config.pbtxt        platform onnxruntime_onnx, max_batch_size, dynamic_batching,
                                    every input and output with its dims (batch axis left out)
    DIR/<graph>/1/model.onnx        the ONNX file, byte for byte, so the manifest's sha256 holds
Triton takes each sub-folder of DIR as a model and ignores the files beside them, so the manifest
sits at the root, where the service looks for it. The folder `1` is the graph's version number
(the protocol's `versions`); the manifest's semantic version is kept as the config's
`semantic_version` parameter.

Dims come from the ONNX files: axes the exporter left symbolic (other than the batch) are sized
by one onnxruntime run on a batch of one. An input that is a batch of scalars (the prior's label,
[N]) is declared as dims [1] with `reshape { shape: [] }`, Triton's way to write it when
`max_batch_size` > 0. Needs onnx and onnxruntime only, never torch:
    python -m training.repository models/ccvae-mnist --out model-repository
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort

PLATFORM = "onnxruntime_onnx"
VERSION = "1"
MODEL_FILE = "model.onnx"
MAX_BATCH_SIZE = 64
"""Triton's max_batch_size; the service's own largest merged call (Settings.max_batch)."""
TRITON_TYPES: Mapping[str, str] = {
    "tensor(bool)": "TYPE_BOOL",
    "tensor(uint8)": "TYPE_UINT8",
    "tensor(int8)": "TYPE_INT8",
    "tensor(int32)": "TYPE_INT32",
    "tensor(int64)": "TYPE_INT64",
    "tensor(float16)": "TYPE_FP16",
    "tensor(float)": "TYPE_FP32",
    "tensor(double)": "TYPE_FP64",
}
"""onnxruntime's type names -> Triton's DataType enum."""
NUMPY_TYPES: Mapping[str, type] = {
    "tensor(bool)": np.bool_,
    "tensor(uint8)": np.uint8,
    "tensor(int8)": np.int8,
    "tensor(int32)": np.int32,
    "tensor(int64)": np.int64,
    "tensor(float16)": np.float16,
    "tensor(float)": np.float32,
    "tensor(double)": np.float64,
}


@dataclass(frozen=True)
class Tensor:
    """One input or output: name, Triton type and dims without the batch axis."""

    name: str
    data_type: str
    dims: tuple[int, ...]

    def pbtxt(self) -> str:
        # NOTE: a batch of scalars has no dims left once the batch axis is dropped; Triton wants
        # dims [1] reshaped to [] for it.
        dims = self.dims or (1,)
        reshape = "" if self.dims else " reshape { shape: [ ] }"
        return (
            f'{{ name: "{self.name}" data_type: {self.data_type} '
            f"dims: [ {', '.join(map(str, dims))} ]{reshape} }}"
        )


def signature(path: Path) -> tuple[list[Tensor], list[Tensor]]:
    """Inputs and outputs of an ONNX file, symbolic non-batch axes sized by one run."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])

    def triton_type(arg: Any) -> str:
        if arg.type not in TRITON_TYPES:
            raise ValueError(f"{path}: {arg.name} has type {arg.type}, which Triton lacks")
        return TRITON_TYPES[arg.type]

    for arg in session.get_inputs():
        if any(not isinstance(d, int) for d in arg.shape[1:]):
            raise ValueError(f"{path}: input {arg.name} has shape {arg.shape}; only N may be free")
    inputs = [Tensor(a.name, triton_type(a), tuple(a.shape[1:])) for a in session.get_inputs()]
    probe = {a.name: np.zeros([1, *a.shape[1:]], NUMPY_TYPES[a.type]) for a in session.get_inputs()}
    results = session.run(None, probe)
    outputs = [
        Tensor(a.name, triton_type(a), tuple(int(d) for d in result.shape[1:]))
        for a, result in zip(session.get_outputs(), results, strict=True)
    ]
    return inputs, outputs


def model_config(
    name: str,
    inputs: Sequence[Tensor],
    outputs: Sequence[Tensor],
    semantic_version: str,
    max_batch_size: int = MAX_BATCH_SIZE,
) -> str:
    """One graph's config.pbtxt, in protobuf text format (Triton's ModelConfig)."""
    return "\n".join(
        [
            f'name: "{name}"',
            f'platform: "{PLATFORM}"',
            f"max_batch_size: {max_batch_size}",
            "input [",
            ",\n".join(f"  {t.pbtxt()}" for t in inputs),
            "]",
            "output [",
            ",\n".join(f"  {t.pbtxt()}" for t in outputs),
            "]",
            "dynamic_batching { }",
            f"version_policy: {{ specific: {{ versions: [ {VERSION} ] }} }}",
            "instance_group [ { kind: KIND_CPU } ]",
            f'parameters: {{ key: "semantic_version" '
            f'value: {{ string_value: "{semantic_version}" }} }}',
            "",
        ]
    )


def write_repository(
    model_dir: Path, out: Path, max_batch_size: int = MAX_BATCH_SIZE
) -> dict[str, Any]:
    """Write `out` as a Triton model repository of the model in `model_dir`; return its manifest.

    Refuses a model whose manifest names a file that is missing or not what its sha256 says.
    """
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    files: dict[str, dict[str, Any]] = {}
    for role, entry in manifest["files"].items():
        source = model_dir / entry["path"]
        if not source.is_file():
            raise ValueError(f"{role} file {source} named in {model_dir}/manifest.json is missing")
        digest = hashlib.sha256(source.read_bytes()).hexdigest()
        if digest != entry["sha256"]:
            raise ValueError(f"{source} has sha256 {digest}; the manifest says {entry['sha256']}")
        inputs, outputs = signature(source)
        target = out / role / VERSION / MODEL_FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        config = model_config(role, inputs, outputs, manifest["version"], max_batch_size)
        (out / role / "config.pbtxt").write_text(config, encoding="utf-8")
        files[role] = {**entry, "path": target.relative_to(out).as_posix()}
    repository = {**manifest, "files": files}
    (out / "manifest.json").write_text(json.dumps(repository, indent=2) + "\n", encoding="utf-8")
    return repository


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="python -m training.repository",
        description="Write an exported model directory as a Triton model repository.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("model_dir", type=Path, help="exported model directory (manifest.json)")
    p.add_argument("--out", type=Path, required=True, help="repository directory to write")
    p.add_argument("--max-batch-size", type=int, default=MAX_BATCH_SIZE, help="Triton's batch cap")
    args = p.parse_args(argv)
    repository = write_repository(args.model_dir, args.out, args.max_batch_size)
    print(f"wrote {', '.join(repository['files'])} as a Triton model repository to {args.out}")


if __name__ == "__main__":
    main()
