"""MNIST from the original IDX files, and the semi-supervised split into S, U and validation.

The whole data set fits in memory as uint8 (55 MB), so batches are slices of tensors rather than
a DataLoader: on 2 CPU cores the loader's worker overhead would cost more than the model.
"""

from __future__ import annotations

import gzip
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

ENV_DATA_DIR = "CCVAE_MNIST_DIR"
_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path: Path) -> np.ndarray:
    """Read one IDX file (gzipped or raw) into an array of its declared shape."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        data = f.read()
    zero, dtype_code, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or dtype_code != 0x08:
        raise ValueError(f"{path} is not an unsigned-byte IDX file (header {data[:4].hex()})")
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(shape)


def _find(directory: Path, stem: str) -> Path:
    for candidate in (
        directory / f"{stem}.gz",
        directory / stem,
        directory / "MNIST" / "raw" / f"{stem}.gz",
        directory / "MNIST" / "raw" / stem,
    ):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"no {stem}[.gz] in {directory} (set --data-dir or ${ENV_DATA_DIR})")


def resolve_data_dir(data_dir: str | os.PathLike[str] | None) -> Path | None:
    """The explicit option wins, then the environment variable; None means 'download'."""
    chosen = data_dir or os.environ.get(ENV_DATA_DIR)
    return Path(chosen) if chosen else None


def load_mnist(
    split: str, data_dir: str | os.PathLike[str] | None = None, download_root: str = "data"
) -> tuple[torch.Tensor, torch.Tensor]:
    """Images (N, 1, 28, 28) uint8 and labels (N,) int64 of the train or test split.

    Reads a local directory of the original IDX files when one is given (option or
    $CCVAE_MNIST_DIR); otherwise downloads through torchvision into `download_root`.
    """
    if split not in _FILES:
        raise ValueError(f"split must be 'train' or 'test', not {split!r}")
    directory = resolve_data_dir(data_dir)
    if directory is None:
        from torchvision.datasets import MNIST

        ds = MNIST(download_root, train=split == "train", download=True)
        return ds.data.unsqueeze(1).clone(), ds.targets.clone().long()
    images_stem, labels_stem = _FILES[split]
    images = read_idx(_find(directory, images_stem))
    labels = read_idx(_find(directory, labels_stem))
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels in {directory}")
    return torch.from_numpy(images.copy()).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


@dataclass(frozen=True)
class Split:
    """Indices into the training set: labelled S, unlabelled U and validation, disjoint."""

    labelled: torch.Tensor
    unlabelled: torch.Tensor
    validation: torch.Tensor


def split_indices(
    labels: torch.Tensor, num_labelled: int | None, num_validation: int, seed: int
) -> Split:
    """Deterministic split of the training set for semi-supervised learning.

    Validation is a random subset; S takes `num_labelled` of the rest, the same number per class
    (so 100 labels means 10 of each digit); U is everything else. `num_labelled=None` labels all
    non-validation images and leaves U empty.
    """
    num_classes = int(labels.max()) + 1
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(labels), generator=g)
    validation, rest = perm[:num_validation], perm[num_validation:]
    if num_labelled is None or num_labelled >= len(rest):
        return Split(rest.sort().values, rest[:0], validation.sort().values)
    if num_labelled % num_classes:
        raise ValueError(f"num_labelled={num_labelled} is not a multiple of {num_classes} classes")
    per_class = num_labelled // num_classes
    chosen = []
    for c in range(num_classes):
        of_class = rest[labels[rest] == c]
        if len(of_class) < per_class:
            raise ValueError(f"class {c} has {len(of_class)} images, fewer than {per_class}")
        chosen.append(of_class[:per_class])
    labelled = torch.cat(chosen)
    mask = torch.ones(len(labels), dtype=torch.bool)
    mask[labelled] = False
    mask[validation] = False
    unlabelled = mask.nonzero().squeeze(1)
    return Split(labelled.sort().values, unlabelled, validation.sort().values)


def load_training_split(
    data_dir: str | os.PathLike[str] | None,
    limit: int | None,
    num_labelled: int | None,
    num_validation: int,
    seed: int,
) -> tuple[torch.Tensor, torch.Tensor, Split]:
    """The training images and labels a run uses (the first `limit`, if given) and their split.

    Validation takes at most a sixth of the images, so small smoke runs still train on most.
    """
    images, labels = load_mnist("train", data_dir)
    if limit:
        images, labels = images[:limit], labels[:limit]
    validation = min(num_validation, len(images) // 6)
    return images, labels, split_indices(labels, num_labelled, validation, seed=seed)


def to_float(images: torch.Tensor) -> torch.Tensor:
    """uint8 [0, 255] → float32 [0, 1], the model's (and the ONNX contract's) input range."""
    return images.float().div_(255.0)
