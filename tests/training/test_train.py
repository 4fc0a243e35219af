"""`ccvae-train`: learns, is deterministic, resumes, and runs distributed."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

from bench.server import free_port
from tests.training.conftest import tiny_run_args
from training import train
from training.baselines import M2
from training.checkpoint import load_model
from training.config import LossWeights, ModelConfig, TrainConfig, from_flags


def test_short_training_run_beats_chance_clearly(trained_run):
    records = [
        json.loads(line) for line in (trained_run / "metrics.jsonl").read_text().splitlines()
    ]
    assert [r["epoch"] for r in records] == [1, 2, 3]
    assert records[-1]["val_accuracy"] > 0.6  # chance is 0.1
    assert records[-1]["val_reconstruction_bce"] < records[0]["val_reconstruction_bce"]


def test_metrics_log_every_loss_term(trained_run):
    record = json.loads((trained_run / "metrics.jsonl").read_text().splitlines()[0])
    for key in ("rec_l", "kl_s_l", "kl_c_l", "ce", "rec_u", "kl_s_u", "kl_c_u", "entropy",
                "loss", "val_accuracy", "images_per_second"):  # fmt: skip
        assert key in record, key


def test_checkpoint_describes_its_own_model(trained_run):
    model, state = load_model(trained_run / "best.pt")
    assert model.cfg.latent_c == 8 and model.cfg.latent_s == 4
    assert state["train_config"]["labels"] == 1000
    assert state["val_accuracy"] == state["best_accuracy"]


def _params(path) -> torch.Tensor:
    model, _ = load_model(path)
    return torch.cat([p.flatten() for p in model.state_dict().values() if p.is_floating_point()])


def test_training_is_deterministic_for_a_seed(tmp_path, mnist_dir):
    for name in ("a", "b"):
        train.main(tiny_run_args(tmp_path / name, mnist_dir, "--seed", "3"))
    assert torch.equal(_params(tmp_path / "a" / "last.pt"), _params(tmp_path / "b" / "last.pt"))
    train.main(tiny_run_args(tmp_path / "c", mnist_dir, "--seed", "4"))
    assert not torch.equal(_params(tmp_path / "a" / "last.pt"), _params(tmp_path / "c" / "last.pt"))


def test_resume_continues_exactly_where_the_run_stopped(tmp_path, mnist_dir):
    train.main(tiny_run_args(tmp_path / "straight", mnist_dir, "--epochs", "2"))
    train.main(tiny_run_args(tmp_path / "split", mnist_dir, "--epochs", "2", "--stop-after", "1"))
    assert torch.load(tmp_path / "split" / "last.pt", weights_only=False)["epoch"] == 1
    train.main(tiny_run_args(tmp_path / "split", mnist_dir, "--epochs", "2", "--resume"))
    assert torch.equal(
        _params(tmp_path / "straight" / "last.pt"), _params(tmp_path / "split" / "last.pt")
    )
    lines = (tmp_path / "split" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [1, 2]


def test_training_with_the_paper_objective_runs(tmp_path, mnist_dir):
    train.main(tiny_run_args(tmp_path, mnist_dir, "--objective", "ccvae"))
    record = json.loads((tmp_path / "metrics.jsonl").read_text())
    assert record["val_accuracy"] > 0.2


def test_distributed_training_with_two_cpu_processes(tmp_path, mnist_dir):
    """torchrun with the gloo backend: two processes, one model, gradients averaged."""
    cmd = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2",
           "--master-port", str(free_port()), "-m", "training.train",
           *tiny_run_args(tmp_path, mnist_dir, "--threads", "1")]  # fmt: skip
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    result = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    record = json.loads((tmp_path / "metrics.jsonl").read_text())
    assert record["epoch"] == 1 and record["val_accuracy"] > 0.2
    assert (tmp_path / "last.pt").exists()


@pytest.mark.parametrize("flag", ["--help"])
def test_cli_help_shows_defaults(flag, capsys):
    with pytest.raises(SystemExit) as exit_info:
        train.main([flag])
    assert exit_info.value.code == 0
    assert "default: 0.4" in capsys.readouterr().out


def test_a_baseline_trains_and_its_checkpoint_rebuilds_it(tmp_path, mnist_dir):
    train.main(tiny_run_args(tmp_path, mnist_dir, "--model", "m2"))
    record = json.loads((tmp_path / "metrics.jsonl").read_text())
    assert record["val_accuracy"] > 0.2 and "kl_u" in record
    model, state = load_model(tmp_path / "best.pt")
    assert type(model) is M2 and state["train_config"]["model_kind"] == "m2"


def test_resume_is_exact_with_the_weight_average_and_the_strong_view(tmp_path, mnist_dir):
    protocol = ("--epochs", "2", "--ema", "0.9", "--strong-augment", "--consistency", "1")
    train.main(tiny_run_args(tmp_path / "straight", mnist_dir, *protocol))
    train.main(tiny_run_args(tmp_path / "split", mnist_dir, *protocol, "--stop-after", "1"))
    train.main(tiny_run_args(tmp_path / "split", mnist_dir, *protocol, "--resume"))
    straight = torch.load(tmp_path / "straight" / "last.pt", weights_only=False)
    split = torch.load(tmp_path / "split" / "last.pt", weights_only=False)
    for key in ("model", "training_model"):
        for name, value in straight[key].items():
            assert torch.equal(value, split[key][name]), (key, name)
    assert not torch.equal(straight["model"]["classifier.weight"],
                           straight["training_model"]["classifier.weight"])  # fmt: skip
    record = json.loads((tmp_path / "split" / "metrics.jsonl").read_text().splitlines()[-1])
    assert "pseudo_share" in record


def test_selection_names_the_checkpoint_a_run_is_measured_by(tmp_path):
    assert train.selected_checkpoint(TrainConfig(), tmp_path) == tmp_path / "best.pt"
    last = TrainConfig(selection="last")
    assert train.selected_checkpoint(last, tmp_path) == tmp_path / "last.pt"
    with pytest.raises(ValueError, match="'final'"):
        train.selected_checkpoint(TrainConfig(selection="final"), tmp_path)


def test_every_setting_has_a_generated_flag_whose_help_is_its_docstring(capsys):
    cfg = from_flags(train.build_parser().parse_args(
        ["--samples-qyx", "4", "--generation-batch", "8", "--labels", "all", "--no-augment",
         "--latent-c", "64", "--model", "m2"]
    ))  # fmt: skip
    assert cfg.loss.samples_qyx == 4 and cfg.loss.generation_batch == 8
    assert cfg.labels is None and not cfg.augment and cfg.model.latent_c == 64
    assert cfg.model_kind == "m2" and cfg.loss.threshold == LossWeights().threshold
    with pytest.raises(SystemExit):
        train.main(["--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "confidence τ a pseudo-label needs (default: 0.8)" in help_text
    assert "--num-classes" not in help_text


def test_configuration_survives_its_dict_form():
    cfg = TrainConfig(labels=600, model=ModelConfig(latent_c=64), loss=LossWeights(beta=0.1))
    assert TrainConfig.from_dict(json.loads(json.dumps(cfg.to_dict()))) == cfg
