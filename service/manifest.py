"""The exported model's manifest: read it, validate it, and check the files it names.

`models/<name>/manifest.json` is the contract between training and serving: label set, image
shape and latent sizes come from here and nowhere else, and each ONNX file is pinned by sha256.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from service.errors import ModelError

ROLES = ("encoder", "decoder", "classifier", "prior")
OPTIONAL_ROLES = ("density", "ood")
"""A fitted latent density per label (label -> loc [N, D], scale_tril [N, D, D]): generation
samples it when the model has one, and the priors otherwise. An out-of-distribution score
(image, posterior mean z, its reconstruction -> score [N] and its two terms), with its
calibration in the manifest's `ood` block: image endpoints report it when the model has one."""
SIGNATURES: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "encoder": (("image",), ("loc", "scale")),
    "decoder": (("z",), ("image",)),
    "classifier": (("z_c",), ("logits",)),
    "prior": (("label",), ("loc", "scale")),
    "density": (("label",), ("loc", "scale_tril")),
    "ood": (("image", "z", "reconstruction"), ("score", "reconstruction_nll", "latent_nll")),
}
"""The input and output names the service calls each file with."""
CARD = "README.md"
"""The model card beside the manifest (Markdown, Hugging Face's form); optional and unpinned."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class ModelFile(_Frozen):
    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]


class ImageSpec(_Frozen):
    shape: tuple[int, int, int]
    range: tuple[float, float] = (0.0, 1.0)
    foreground: Literal["white-on-black"] = "white-on-black"

    @model_validator(mode="after")
    def _grey(self) -> ImageSpec:
        if self.shape[0] != 1 or min(self.shape) < 1:
            raise ValueError(f"image.shape must be [1, H, W] (grey), got {list(self.shape)}")
        return self


class LatentSpec(_Frozen):
    c: int = Field(gt=0)
    s: int = Field(gt=0)


class ProtocolSpec(_Frozen):
    """How the model got its labels and was chosen (training's `TrainConfig.protocol`)."""

    labels: int | Literal["all"] = Field(description="Labelled training digits, or all of them.")
    label_draw: int | None = Field(
        description="Which balanced draw of the labelled digits (the training seed); none with all."
    )
    selection: Literal["best", "last"] = Field(
        description="best: the epoch of best validation accuracy; last: the fixed final epoch."
    )
    epoch: int | None = Field(description="The epoch the exported weights are from.")
    statement: str = Field(description="The above, and the weight averaging, in one sentence.")


class OODSpec(_Frozen):
    """The out-of-distribution score's calibration on held-out training digits."""

    score: str
    """What the score is (higher: less like the training digits)."""
    false_alarm_rate: float = Field(gt=0.0, lt=1.0)
    threshold: float
    """Scores above this are flagged; it flags `false_alarm_rate` of the held-out digits."""
    quantiles: tuple[float, ...] = Field(min_length=2)
    """The held-out digits' scores at evenly spaced percentiles from 0 to 100."""
    calibration_images: int = Field(gt=0)
    calibration_split: str

    @model_validator(mode="after")
    def _ordered(self) -> OODSpec:
        if any(b < a for a, b in zip(self.quantiles, self.quantiles[1:], strict=False)):
            raise ValueError("ood.quantiles must be non-decreasing")
        return self

    def percentile(self, scores: np.ndarray) -> np.ndarray:
        """Percent of held-out digits scoring lower, read off the quantiles (0 to 100)."""
        grid = np.linspace(0.0, 100.0, len(self.quantiles))
        percent: np.ndarray = np.interp(scores, self.quantiles, grid)
        return percent


class Manifest(_Frozen):
    """The validated manifest.json, plus the directory it was read from."""

    directory: Path
    format_version: Literal[1]
    name: str
    version: str
    classes: tuple[str, ...] = Field(min_length=2)
    image: ImageSpec
    latent: LatentSpec
    files: dict[str, ModelFile]
    training: dict[str, Any] = Field(default_factory=dict)
    protocol: ProtocolSpec | None = None
    metrics: dict[str, Any] = Field(default_factory=dict)
    versions: dict[str, Any] = Field(default_factory=dict)
    ood: OODSpec | None = None

    @model_validator(mode="after")
    def _complete(self) -> Manifest:
        if len(set(self.classes)) != len(self.classes):
            raise ValueError(f"classes must be distinct, got {list(self.classes)}")
        missing = [role for role in ROLES if role not in self.files]
        if missing:
            raise ValueError(f"files lacks {missing} (needs {list(ROLES)})")
        for role in self.roles:
            inputs, outputs = SIGNATURES[role]
            declared = self.files[role]
            if declared.inputs != inputs or declared.outputs != outputs:
                raise ValueError(
                    f"files.{role} declares inputs {list(declared.inputs)} and outputs "
                    f"{list(declared.outputs)}; the service needs {list(inputs)} -> {list(outputs)}"
                )
        if ("ood" in self.files) != (self.ood is not None):
            raise ValueError("files.ood and the ood block (its calibration) come together")
        return self

    @property
    def roles(self) -> tuple[str, ...]:
        """The files the service loads: every required role, and the optional ones present."""
        return ROLES + tuple(role for role in OPTIONAL_ROLES if role in self.files)

    @property
    def card(self) -> Path | None:
        """The model card's path, when the directory has one."""
        path = self.directory / CARD
        return path if path.is_file() else None

    def path(self, role: str) -> Path:
        """Absolute path of one ONNX file."""
        return self.directory / self.files[role].path


def read_manifest(directory: Path) -> Manifest:
    """Read and validate `directory/manifest.json`; raise ModelError saying what is wrong."""
    path = directory / "manifest.json"
    if not path.is_file():
        raise ModelError(f"no model at {directory}: {path} does not exist")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ModelError(f"{path} is not readable JSON: {e}") from e
    if not isinstance(raw, dict):
        raise ModelError(f"{path} must hold a JSON object, got {type(raw).__name__}")
    try:
        return Manifest.model_validate({**raw, "directory": directory.resolve()})
    except ValidationError as e:
        problems = "; ".join(
            f"{'.'.join(map(str, err['loc'])) or 'manifest'}: {err['msg']}" for err in e.errors()
        )
        raise ModelError(f"{path} is not a valid manifest: {problems}") from e


def sha256(path: Path) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def verify_checksums(manifest: Manifest) -> None:
    """Check every file the manifest names exists and has its recorded sha256."""
    for role in manifest.roles:
        path, expected = manifest.path(role), manifest.files[role].sha256
        if not path.is_file():
            raise ModelError(f"{role} file {path} named in the manifest does not exist")
        try:
            actual = sha256(path)
        except OSError as e:  # e.g. no permission to read it
            raise ModelError(f"{role} file {path} cannot be read: {e.strerror or e}") from e
        if actual != expected:
            raise ModelError(
                f"{role} file {path} is corrupt: sha256 {actual}, manifest says {expected}"
            )


def check_signature(role: str, inputs: Sequence[str], outputs: Sequence[str]) -> None:
    """Check an ONNX session's input and output names against the manifest's contract."""
    expected_inputs, expected_outputs = SIGNATURES[role]
    if tuple(inputs) != expected_inputs or tuple(outputs) != expected_outputs:
        raise ModelError(
            f"{role}.onnx has inputs {list(inputs)} and outputs {list(outputs)}; the manifest "
            f"declares {list(expected_inputs)} -> {list(expected_outputs)}"
        )


def load_manifest(directory: Path) -> Manifest:
    """Read the manifest and verify the checksums of the files it names."""
    manifest = read_manifest(directory)
    verify_checksums(manifest)
    return manifest
