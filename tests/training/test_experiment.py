"""`ccvae-experiment`: a sweep trains each configuration, reads the test set, writes a table."""

from __future__ import annotations

import json

import pytest

from tests.training.conftest import TINY_MODEL
from training import experiment
from training.experiment import sweep_configs
from training.train import TrainConfig


def test_sweeps_cover_the_reports_settings():
    base = TrainConfig()
    assert [c.beta for _, c in sweep_configs("beta", base)] == [0.001, 0.05, 0.2, 0.4]
    latent = [(c.model["latent_c"], c.model["latent_s"]) for _, c in sweep_configs("latent", base)]
    assert latent == [(8, 8), (64, 64)]
    assert [c.labels for _, c in sweep_configs("labels", base)] == [100, 600, 1000, 3000, None]
    assert [c.objective for _, c in sweep_configs("objective", base)] == ["simple", "ccvae"]
    ablation = sweep_configs("ablation", TrainConfig(augment=True, consistency=3.0, generation=5.0))
    assert [(c.augment, c.consistency, c.generation) for _, c in ablation] == [
        (False, 0.0, 0.0), (True, 3.0, 0.0), (True, 3.0, 5.0)
    ]  # fmt: skip
    with pytest.raises(ValueError, match="'gamma'"):
        sweep_configs("gamma", base)


def test_experiment_cli_writes_a_results_table_and_reuses_finished_runs(tmp_path, mnist_dir):
    argv = ["objective", "--out", str(tmp_path), "--data-dir", str(mnist_dir), "--epochs", "1",
            "--limit", "3000", "--labels", "500", "--seeds", "0", *TINY_MODEL]  # fmt: skip
    experiment.main(argv)
    table = (tmp_path / "objective" / "results.md").read_text()
    assert "| objective=simple | 1 |" in table and "| objective=ccvae | 1 |" in table
    results = json.loads((tmp_path / "objective" / "results.json").read_text())
    run = results["objective=ccvae"][0]
    assert 0.1 < run["test_accuracy"] <= 1 and "generation_fidelity" in run
    (run_dir,) = [p.parent for p in (tmp_path / "runs").glob("*/config.json")
                  if '"objective": "ccvae"' in p.read_text()]  # fmt: skip
    assert (run_dir / "figures" / "generation.png").exists()
    stamp = (run_dir / "result.json").stat().st_mtime_ns
    experiment.main(argv)  # a second call reads the finished runs instead of training again
    assert (run_dir / "result.json").stat().st_mtime_ns == stamp
    trained = (run_dir / "last.pt").stat().st_mtime_ns
    experiment.main([*argv, "--remeasure"])  # measures again, never trains again
    assert (run_dir / "result.json").stat().st_mtime_ns > stamp
    assert (run_dir / "last.pt").stat().st_mtime_ns == trained
