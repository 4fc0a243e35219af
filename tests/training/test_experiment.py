"""`ccvae-experiment`: a sweep trains each configuration, reads the test set, writes a table."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from tests.conftest import REPO
from tests.training.conftest import TINY_MODEL
from training import experiment
from training.experiment import run_key, sweep_configs
from training.train import TrainConfig


def test_sweeps_cover_the_reports_settings():
    base = TrainConfig()
    assert [c.beta for _, c in sweep_configs("beta", base)] == [0.001, 0.05, 0.2, 0.4]
    latent = [(c.model["latent_c"], c.model["latent_s"]) for _, c in sweep_configs("latent", base)]
    assert latent == [(8, 8), (64, 64)]
    assert [c.labels for _, c in sweep_configs("labels", base)] == [100, 600, 1000, 3000, None]
    assert [c.objective for _, c in sweep_configs("objective", base)] == ["simple", "ccvae"]
    label_part = [
        (c.model["latent_c"], c.model["latent_s"]) for _, c in sweep_configs("label_part", base)
    ]
    assert label_part == [(16, 16), (64, 16)]
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
    assert run["density_generation_fid"] > 0 and 0 <= run["density_generation_fidelity"] <= 1
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


def test_default_model_keeps_the_keys_of_finished_ccvae_runs():
    """The labels sweep's committed runs are found again, so baselines can reuse them."""
    committed = REPO / "results" / "runs" / "733f190d35f3" / "config.json"
    cfg = TrainConfig(**json.loads(committed.read_text()))
    assert cfg.model_kind == "ccvae" and run_key(cfg) == "733f190d35f3"
    assert run_key(replace(cfg, model_kind="cvae")) != run_key(cfg)


def test_baselines_sweep_trains_every_model_at_every_budget():
    runs = sweep_configs("baselines", TrainConfig())
    assert {(c.model_kind, c.labels) for _, c in runs} == {
        (kind, n) for kind in ("ccvae", "cvae", "m2") for n in (100, 1000, None)
    }


def test_baselines_cli_writes_the_comparison_and_its_figures(tmp_path, mnist_dir):
    argv = ["baselines", "--out", str(tmp_path), "--data-dir", str(mnist_dir), "--epochs", "1",
            "--limit", "2000", "--seeds", "0", "--batch-size", "100", *TINY_MODEL]  # fmt: skip
    experiment.main([*argv, "--finished-only"])  # nothing has run: an empty table, no training
    assert not list((tmp_path / "runs").glob("*/last.pt"))
    experiment.main(argv)
    table = (tmp_path / "baselines" / "results.md").read_text()
    for kind in ("ccvae", "cvae", "m2"):
        for labels in ("100", "1000", "all"):
            assert f"| {kind} | {labels} | 1 |" in table
    results = json.loads((tmp_path / "baselines" / "results.json").read_text())
    m2 = results["m2, labels=100"][0]
    assert 0 <= m2["intervention_fidelity"] <= 1 and -1 <= m2["intervention_slant_corr"] <= 1
    assert m2["intervention_style_ratio"] > 0
    # A result measured before the changed-only style measures existed gets them alone.
    configs = {
        p.parent: json.loads(p.read_text()) for p in (tmp_path / "runs").glob("*/config.json")
    }
    (run_dir,) = [d for d, c in configs.items() if (c["model_kind"], c["labels"]) == ("m2", 100)]
    old = {k: v for k, v in m2.items() if not k.endswith("_changed")}
    (run_dir / "result.json").write_text(json.dumps(old))
    trained = (run_dir / "last.pt").stat().st_mtime_ns
    experiment.main([*argv, "--finished-only"])
    again = json.loads((run_dir / "result.json").read_text())
    assert again == m2 and (run_dir / "last.pt").stat().st_mtime_ns == trained
    assert " / " in table.splitlines()[-1]  # style measures: all digits / label changed
    for labels in ("100", "1000", "all"):
        assert (tmp_path / "baselines" / f"comparison_labels={labels}.png").exists()
        assert f"| ccvae, keep 0.5 | {labels} | 1 |" in table
    curve = results["ccvae, labels=100"][0]["intervention_curve"]
    assert list(curve) == ["0.0", "0.25", "0.5", "0.75", "1.0"]
    assert (
        curve["0.0"]["intervention_fidelity"]
        == results["ccvae, labels=100"][0]["intervention_fidelity"]
    )  # keep 0 is the table's own CCVAE intervention
    assert (tmp_path / "baselines" / "intervention_tradeoff.png").exists()
