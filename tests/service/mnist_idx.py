"""The MNIST test set straight from its IDX files, without the training package."""

from __future__ import annotations

import gzip
import struct
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]


def read_idx(path: Path) -> np.ndarray:
    """One gzipped unsigned-byte IDX file as an array of its declared shape."""
    data = gzip.decompress(path.read_bytes())
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    assert zero == 0 and code == 0x08, f"{path} is not an unsigned-byte IDX file"
    shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)


def load_test_set(directory: Path) -> tuple[np.ndarray, np.ndarray]:
    """Test images (10000, 28, 28) uint8, white on black, and labels (10000,)."""
    images = read_idx(directory / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(directory / "t10k-labels-idx1-ubyte.gz")
    return images, labels.astype(np.int64)
