"""Fixtures shared by both wings: where MNIST lives on this machine."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHIPPED_MODEL = REPO / "models" / "ccvae-mnist"


@pytest.fixture(scope="session")
def mnist_dir() -> Path:
    """The directory of MNIST's IDX files, from $CCVAE_MNIST_DIR (CI points it at shared/)."""
    value = os.environ.get("CCVAE_MNIST_DIR")
    if not value:
        if os.environ.get("CI"):
            pytest.fail("CI must set CCVAE_MNIST_DIR (see .ci/run)")
        pytest.skip("CCVAE_MNIST_DIR is not set: no local MNIST to test against")
    path = Path(value)
    assert path.is_dir(), f"CCVAE_MNIST_DIR={value} is not a directory"
    return path
