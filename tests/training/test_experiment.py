"""`ccvae-experiment`: a sweep trains each configuration, reads the test set, writes a table."""

from __future__ import annotations

import json
import math
import shutil
from dataclasses import replace

import pytest
import torch

from tests.conftest import REPO
from tests.training.conftest import TINY_MODEL
from training import experiment
from training.config import LossWeights, TrainConfig
from training.experiment import run_key, sweep_configs


def test_sweeps_cover_the_reports_settings():
    base = TrainConfig()
    assert [c.loss.beta for _, c in sweep_configs("beta", base)] == [0.001, 0.05, 0.2, 0.4]
    latent = [(c.model.latent_c, c.model.latent_s) for _, c in sweep_configs("latent", base)]
    assert latent == [(8, 8), (64, 64)]
    assert [c.labels for _, c in sweep_configs("labels", base)] == [100, 600, 1000, 3000, None]
    assert [c.objective for _, c in sweep_configs("objective", base)] == ["simple", "ccvae"]
    part = sweep_configs("label_part", base)
    label_part = [(c.model.latent_c, c.model.latent_s) for _, c in part]
    assert label_part == [(16, 16), (64, 16)]
    loss = LossWeights(consistency=3.0, generation=5.0)
    ablation = sweep_configs("ablation", TrainConfig(augment=True, loss=loss))
    assert [(c.augment, c.loss.consistency, c.loss.generation) for _, c in ablation] == [
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


def test_every_committed_run_lives_under_the_key_of_its_configuration():
    """So a sweep finds its committed runs again, and sweeps share identical runs."""
    committed = sorted((REPO / "results" / "runs").glob("*/config.json"))
    assert len(committed) > 30
    for path in committed:
        cfg = TrainConfig.from_dict(json.loads(path.read_text()))
        assert run_key(cfg) == path.parent.name, path
    base = TrainConfig()
    assert run_key(replace(base, model_kind="cvae")) != run_key(base)
    assert run_key(replace(base, data_dir="/elsewhere")) == run_key(base)


def test_fewlabels_sweep_holds_every_model_to_a_validation_set_no_larger_than_s():
    runs = sweep_configs("fewlabels", TrainConfig(selection="last", epochs=50))
    assert [(c.model_kind, c.labels) for _, c in runs] == [
        ("ccvae", 100), ("ccvae", 600), ("ccvae", 1000), ("ccvae", 3000),
        ("cvae", 100), ("m2", 100), ("cvae", 1000), ("m2", 1000),
    ]  # fmt: skip
    assert all(c.validation == c.labels and c.selection == "last" for _, c in runs)


def test_levers_sweep_is_a_grid_at_100_labels_with_s_sized_validation():
    runs = sweep_configs("levers", TrainConfig(selection="last"))
    grid = {(c.loss.threshold, c.loss.consistency, c.loss.beta_c) for _, c in runs}
    assert len(runs) == 8 and grid == {
        (t, w, b) for t in (0.9, 0.95) for w in (25.0, 50.0) for b in (None, 0.1)
    }
    assert all((c.labels, c.validation, c.selection) == (100, 100, "last") for _, c in runs)


def test_a_run_measured_before_the_levers_asked_for_its_validation_digits_gets_them_alone(
    tmp_path, trained_run, mnist_dir
):
    """The levers' rule pairs grid points on log q(y|x) of each validation digit; draw 0 at 100
    labels was measured by the fewlabels sweep before the rule needed them."""
    run = tmp_path / "run"
    shutil.copytree(trained_run, run)
    checkpoint = torch.load(run / "best.pt", weights_only=False)
    cfg = replace(TrainConfig.from_dict(checkpoint["train_config"]), data_dir=str(mnist_dir))
    measured = {"val_accuracy": checkpoint["val_accuracy"], "test_accuracy": 0.5}
    (run / "result.json").write_text(json.dumps(measured))
    result = experiment.run_one(cfg, run, None, torch.device("cpu"), extras=("validation_log_q",))
    log_q = result.pop("validation_log_q")
    assert result == measured  # the other measures stand as they were
    assert len(log_q) == 1000 and all(v <= 0 for v in log_q)  # validation: min(5000, 6000 / 6)
    assert json.loads((run / "result.json").read_text())["validation_log_q"] == log_q
    # read on the checkpoint the run is measured by: its own validation accuracy, digit by digit
    read_right = sum(v > math.log(0.5) for v in log_q) / len(log_q)
    assert read_right <= checkpoint["val_accuracy"] + 1e-9
    assert sum(log_q) / len(log_q) > math.log(0.1)  # a trained classifier: above chance


def test_shards_train_disjoint_runs_and_the_last_call_tabulates_them_all(tmp_path, mnist_dir):
    argv = ["objective", "--out", str(tmp_path), "--data-dir", str(mnist_dir), "--epochs", "1",
            "--limit", "2000", "--labels", "500", "--judge", "", *TINY_MODEL]  # fmt: skip

    def trained() -> set[str]:
        runs = (tmp_path / "runs").glob("*/last.pt")
        return {json.loads((p.parent / "config.json").read_text())["objective"] for p in runs}

    experiment.main([*argv, "--shard", "1/2"])  # the sweep's second run only
    assert trained() == {"ccvae"}
    table = (tmp_path / "objective" / "results.md").read_text()
    assert "| objective=simple | 0 |" in table and "| objective=ccvae | 1 |" in table
    experiment.main([*argv, "--shard", "0/2"])
    assert trained() == {"simple", "ccvae"}
    experiment.main([*argv, "--finished-only"])
    table = (tmp_path / "objective" / "results.md").read_text()
    assert "| objective=simple | 1 |" in table and "| objective=ccvae | 1 |" in table
    with pytest.raises(SystemExit):
        experiment.main([*argv, "--shard", "2/2"])


def test_list_names_each_runs_number_and_folder_in_the_order_shards_count(tmp_path, capsys):
    experiment.main(["claims", "--seeds", "0,1", "--epochs=30", "--out", f"{tmp_path}", "--list"])
    lines = [line.split("\t") for line in capsys.readouterr().out.splitlines()]
    assert [int(n) for n, *_ in lines] == list(range(12))  # 6 settings × 2 seeds
    assert [(seed, tag) for _, _, seed, tag in lines[:3]] == [
        ("0", "beta=0.001"), ("1", "beta=0.001"), ("0", "beta=0.05")
    ]  # fmt: skip
    base = TrainConfig(epochs=30)
    first = replace(sweep_configs("claims", base)[0][1], seed=1)
    assert lines[1][1] == str(tmp_path / "runs" / run_key(first))
    assert not (tmp_path / "runs").exists()  # nothing trained


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
    trained = {p: p.stat().st_mtime_ns for p in (tmp_path / "runs").glob("*/last.pt")}
    experiment.main([*argv, "--finished-only"])  # the table again, from the finished runs
    assert {p: p.stat().st_mtime_ns for p in trained} == trained
    assert json.loads((tmp_path / "baselines" / "results.json").read_text()) == results
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
