"""The judge: its CLI on a tiny budget, and the shipped model's accuracy on the MNIST test set."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import onnx
import pytest

from training.data import ENV_DATA_DIR, load_mnist, to_float
from training.judge import MANIFEST_FILE, ONNX_FILE, load_judge, main, sha256

SHIPPED = Path(__file__).resolve().parents[2] / "models" / "judge-mnist"


@pytest.fixture(scope="module")
def data_dir() -> str:
    directory = os.environ.get(ENV_DATA_DIR)
    if not directory:
        pytest.skip(f"${ENV_DATA_DIR} is unset: no local MNIST to train or score the judge on")
    return directory


def test_help_shows_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "--limit" in text and "default: models/judge-mnist" in text


def test_cli_tiny_budget_writes_valid_onnx_and_manifest(tmp_path: Path, data_dir: str) -> None:
    out = tmp_path / "judge"
    main(["--data-dir", data_dir, "--out", str(out), "--limit", "2000", "--epochs", "1"])

    model = onnx.load(str(out / ONNX_FILE))
    onnx.checker.check_model(model)
    assert [i.name for i in model.graph.input] == ["image"]
    assert [o.name for o in model.graph.output] == ["logits", "features"]

    manifest = json.loads((out / MANIFEST_FILE).read_text())
    assert manifest["name"] == "judge-mnist"
    assert manifest["sha256"] == sha256(out / ONNX_FILE)
    assert manifest["training"]["train_images"] == 2000
    assert 0.0 <= manifest["test_accuracy"] <= 1.0

    judge = load_judge(out, intra_op_threads=1, batch_size=2)  # batch 2 forces several runs
    images = np.random.default_rng(0).random((5, 1, 28, 28), dtype=np.float32)
    assert judge.logits(images).shape == (5, 10)
    assert judge.features(images).shape == (5, manifest["outputs"][1]["shape"][1])


def test_judge_rejects_images_of_the_wrong_shape() -> None:
    judge = load_judge(SHIPPED)
    with pytest.raises(ValueError, match=r"\(4, 28, 28\)"):
        judge.logits(np.zeros((4, 28, 28), np.float32))


def test_shipped_judge_reaches_99_percent_on_mnist_test(data_dir: str) -> None:
    manifest = json.loads((SHIPPED / MANIFEST_FILE).read_text())
    assert manifest["sha256"] == sha256(SHIPPED / ONNX_FILE)
    assert (SHIPPED / ONNX_FILE).stat().st_size < 2_000_000

    images, labels = load_mnist("test", data_dir)
    judge = load_judge(SHIPPED, intra_op_threads=2)
    accuracy = float((judge.predict(to_float(images).numpy()) == labels.numpy()).mean())
    assert accuracy >= 0.99
    assert accuracy == pytest.approx(manifest["test_accuracy"], abs=1e-4)
