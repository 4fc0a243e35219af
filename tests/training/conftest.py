"""Small, fast training runs shared by the training tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from training import train

TINY_MODEL = ["--channels", "8", "--hidden", "64", "--latent-c", "8", "--latent-s", "4"]


def tiny_run_args(out: Path, mnist_dir: Path, *extra: str) -> list[str]:
    """Arguments of a run that takes seconds: 3,000 images, a small network, one thread."""
    return [
        "--out", str(out), "--data-dir", str(mnist_dir), "--limit", "3000", "--epochs", "1",
        "--labels", "500", "--batch-size", "50", "--labelled-batch-size", "50", "--lr", "3e-3",
        "--device", "cpu", *TINY_MODEL, *extra,
    ]  # fmt: skip


@pytest.fixture(scope="session")
def trained_run(tmp_path_factory, mnist_dir) -> Path:
    """One short real training run (about 20 s) whose checkpoint several tests read."""
    out = tmp_path_factory.mktemp("run")
    train.main(
        tiny_run_args(out, mnist_dir, "--epochs", "3", "--limit", "6000", "--labels", "1000")
    )
    return out
