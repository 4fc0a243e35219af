"""`ccvae-experiment`: the report's sweeps, each writing a markdown table and figures.

    beta     β ∈ {0.001, 0.05, 0.2, 0.4}
    latent   total latent size 16 vs 128, split evenly between z_c and z_s
    labels   label budgets 100, 600, 1000, 3000 and all, beside Kingma et al.'s M2
    objective  the report's `simple` objective against the paper's `ccvae` objective
    ablation what each departure from the report buys: the report's loss alone, then with
             augmentation and pseudo-labels, then with the generation term (the default)
    baselines  the CCVAE beside the report's non-split CVAE and Kingma's M2 (results/baselines)
    label_part  z_c of 16 or 64 dimensions (z_s 16): what the label part's size buys

Every run trains with `ccvae-train`'s code, keeps the checkpoint with the best *validation*
accuracy, and only then reads the test set: test accuracy, and generation quality as the
independent judge CNN reads it. Runs already finished are reused, so an interrupted sweep
continues where it stopped. Several `--seeds` give several label draws: mean ± std.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import torch

from training.baselines import MODELS
from training.checkpoint import load_model
from training.config import ModelConfig
from training.data import load_mnist
from training.density import fit_training_density
from training.evaluate import evaluate, generation_quality
from training.figures import Curve, comparison, intervention_tradeoff, make_figures
from training.intervention import intervention_quality, keep_curve
from training.judge import Judge, load_judge
from training.model import CCVAE
from training.train import (
    PROTOCOL_DEFAULTS,
    TrainConfig,
    add_train_args,
    config_from_args,
    resolve_device,
    selected_checkpoint,
    train,
)

# Kingma et al. (2014), M2, MNIST test error (%) by number of labels.
M2_PUBLISHED_ERROR = {100: 11.97, 600: 4.94, 1000: 3.60, 3000: 3.92}
SWEEPS = ("beta", "latent", "labels", "objective", "ablation", "baselines", "label_part")
BASELINE_BUDGETS: tuple[int | None, ...] = (100, 1000, None)


def sweep_configs(name: str, base: TrainConfig) -> list[tuple[str, TrainConfig]]:
    """(tag, config) of every run of one sweep, all other settings taken from `base`."""
    model = ModelConfig.from_dict(base.model)
    if name == "beta":  # one β on every KL term, as in the report
        return [(f"beta={b}", replace(base, beta=b, beta_c=None)) for b in (0.001, 0.05, 0.2, 0.4)]
    if name == "latent":
        runs = []
        for total in (16, 128):
            m = replace(model, latent_c=total // 2, latent_s=total - total // 2)
            runs.append((f"latent={total}", replace(base, model=m.to_dict())))
        return runs
    if name == "labels":
        return [(f"labels={n or 'all'}", replace(base, labels=n))
                for n in (100, 600, 1000, 3000, None)]  # fmt: skip
    if name == "objective":
        return [(f"objective={o}", replace(base, objective=o)) for o in ("simple", "ccvae")]
    if name == "ablation":
        report = replace(base, augment=False, consistency=0.0, generation=0.0, beta_c=None)
        return [
            ("report's loss", report),
            ("+ augment, pseudo-labels", replace(base, generation=0.0)),
            ("+ generation term", base),
        ]
    if name == "label_part":  # is the CCVAE's classification gap z_c's capacity?
        return [(f"z_c={c}", replace(base, model=replace(model, latent_c=c).to_dict()))
                for c in (16, 64)]  # fmt: skip
    if name == "baselines":  # the same data, batches and extra terms for every model
        return [(f"{kind}, labels={n or 'all'}", replace(base, model_kind=kind, labels=n))
                for n in BASELINE_BUDGETS for kind in MODELS]  # fmt: skip
    raise ValueError(f"unknown sweep {name!r}; choose from {SWEEPS}")


def run_key(cfg: TrainConfig) -> str:
    """A run's directory name: the hash of its configuration, so sweeps share identical runs.

    The model kind enters only when it is not the default, so every CCVAE run keeps the key it
    had before baselines existed, and its finished run is found again.
    """
    fields = asdict(replace(cfg, data_dir=None))
    if fields["model_kind"] == "ccvae":
        del fields["model_kind"]
    for key, default in PROTOCOL_DEFAULTS.items():
        if fields[key] == default:
            del fields[key]
    text = json.dumps(fields, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


# Measures added after the first results; a finished run that lacks them gets them alone.
LATER_KEYS = {
    "ccvae": {"intervention_style_ratio_changed", "intervention_curve", "density_generation_fid"},
    "cvae": {"intervention_style_ratio_changed"},
    "m2": {"intervention_style_ratio_changed"},
}


def later_measures(
    cfg: TrainConfig, model: Any, judge: Judge, images: torch.Tensor, labels: torch.Tensor
) -> dict[str, Any]:
    """The intervention as the table reads it; for the CCVAE also its curve over `keep`, and
    generation from the latent density fitted to its training digits (`density_` keys)."""
    result = intervention_quality(model, judge, images, labels)
    if isinstance(model, CCVAE):
        result["intervention_curve"] = keep_curve(model, judge, images, labels)
        density = fit_training_density(model, asdict(cfg), cfg.data_dir)
        fitted = generation_quality(model, judge, images, density=density)
        result.update({f"density_{k}": v for k, v in fitted.items()})
    return result


def finished(cfg: TrainConfig, out: Path) -> bool:
    """Whether the run in `out` has trained all its epochs."""
    last = out / "last.pt"
    return last.exists() and torch.load(last, weights_only=False)["epoch"] >= cfg.epochs


def epoch_seconds(metrics: Path) -> dict[str, float]:
    """Mean and fastest wall time of an epoch; the fastest is the least disturbed by the other
    processes that share the machine (and by runs paused for benchmarks)."""
    seconds = [json.loads(line)["seconds"] for line in metrics.read_text().splitlines() if line]
    return {"seconds_per_epoch": statistics.mean(seconds), "seconds_per_epoch_min": min(seconds)}


def run_one(cfg: TrainConfig, out: Path, judge_dir: str | None, device: torch.device,
            remeasure: bool = False, train_missing: bool = True) -> dict | None:  # fmt: skip
    """Train (or reuse a finished run), then measure the best-validation checkpoint on test.

    A finished run's measurements are reused too, unless `remeasure` asks to take them again
    with the current evaluation code (training is never repeated), or the judge's measures
    lack the intervention ones, which came later (when only `LATER_KEYS` are missing, just
    those are measured). With `train_missing` False an unfinished run
    is left alone and None returned, so a table can be written while other processes train.
    """
    result_path = out / "result.json"
    if result_path.exists() and not remeasure:
        result = json.loads(result_path.read_text())
        if "seconds_per_epoch_min" not in result:  # added later; the log has it
            result.update(epoch_seconds(out / "metrics.jsonl"))
            result_path.write_text(json.dumps(result, indent=2) + "\n")
        if not judge_dir or LATER_KEYS[cfg.model_kind] <= result.keys():
            return result
        if "intervention_fidelity" in result:  # only measures added later are missing
            model, _ = load_model(selected_checkpoint(cfg, out))
            images, labels = load_mnist("test", cfg.data_dir)
            result.update(later_measures(cfg, model, load_judge(judge_dir), images, labels))
            result_path.write_text(json.dumps(result, indent=2) + "\n")
            return result
    if not train_missing and not finished(cfg, out):
        return None
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2) + "\n")
    train(cfg, out, device, resume=True)
    model, state = load_model(selected_checkpoint(cfg, out))
    images, labels = load_mnist("test", cfg.data_dir)
    test = evaluate(model, images, labels)
    result: dict[str, Any] = {
        "val_accuracy": state["val_accuracy"],
        "best_epoch": state["epoch"],
        "test_accuracy": test["accuracy"],
        "test_reconstruction_bce": test["reconstruction_bce"],
        **epoch_seconds(out / "metrics.jsonl"),
    }
    if judge_dir:
        judge = load_judge(judge_dir)
        result.update(generation_quality(model, judge, images))
        result.update(later_measures(cfg, model, judge, images, labels))
    make_figures(model, out / "figures", cfg.data_dir, [(0, 1)], out / "metrics.jsonl")
    result_path.write_text(json.dumps(result, indent=2) + "\n")
    return result


def _mean_std(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    if not values:
        return "–"
    mean = statistics.mean(values) * scale
    if len(values) == 1:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {statistics.stdev(values) * scale:.{digits}f}"


def _column(results: list[dict], key: str, scale: float = 1.0, digits: int = 2) -> str:
    """mean ± std of one measure over the runs that have it (None: not measurable there)."""
    return _mean_std([r[key] for r in results if r.get(key) is not None], scale, digits)


def _fid_cell(results: list[dict]) -> str:
    """FID, with the real-vs-real floor in brackets where it was measured."""
    fid = _column(results, "generation_fid", digits=1)
    if results and "generation_fid_floor" in results[0]:
        fid += f" ({_column(results, 'generation_fid_floor', digits=1)})"
    return fid


def table(sweep: str, rows: list[tuple[str, TrainConfig, list[dict]]]) -> str:
    """A markdown table: one line per configuration, mean ± std over its seeds."""
    head = ["run", "seeds", "val acc %", "test acc %", "test error %"]
    if sweep == "labels":
        head.append("M2 error % (published)")
    head += ["judge reads label %", "worst label %", "FID (floor)", "diversity",
             "fitted density: judge reads label %", "fitted density: FID", "s/epoch"]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for tag, cfg, results in rows:

        def col(key: str, scale: float = 1.0, digits: int = 2, results=results) -> str:
            return _column(results, key, scale, digits)

        cells = [tag, str(len(results)), col("val_accuracy", 100), col("test_accuracy", 100),
                 _mean_std([1 - r["test_accuracy"] for r in results], 100)]  # fmt: skip
        if sweep == "labels":
            cells.append(str(M2_PUBLISHED_ERROR.get(cfg.labels or 0, "–")))
        fid = _fid_cell(results)
        cells += [
            col("generation_fidelity", 100, 1),
            col("generation_fidelity_min", 100, 1),
            fid,
            col("generation_diversity", digits=2),
            col("density_generation_fidelity", 100, 1),
            col("density_generation_fid", digits=1),
            col("seconds_per_epoch", digits=0),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _intervention_cells(results: list[dict]) -> list[str]:
    """Read as new label, then each style measure over all digits / over the changed ones."""
    cells = [_column(results, "intervention_fidelity", 100, 1)]
    for m in ("thickness_corr", "slant_corr", "style_ratio"):
        every, changed = f"intervention_{m}", f"intervention_{m}_changed"
        cells.append(f"{_column(results, every)} / {_column(results, changed)}")
    return cells


# The CCVAE's intervention carrying this share of z_c's own offset gets a row of its own.
TABLE_KEEP = "0.5"


def baselines_table(rows: list[tuple[str, TrainConfig, list[dict]]]) -> str:
    """The comparison: one line per model and label budget, mean ± std over label draws."""
    head = ["model", "labels", "draws", "test acc %", "judge reads label %", "FID (floor)",
            "diversity", "intervention read as new label %",
            "thickness corr: all / changed", "slant corr: all / changed",
            "style distance ratio: all / changed", "s/epoch", "fastest epoch s"]  # fmt: skip
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for _, cfg, results in rows:

        def col(key: str, scale: float = 1.0, digits: int = 2, results=results) -> str:
            return _column(results, key, scale, digits)

        fid = _fid_cell(results)
        budget = str(cfg.labels or "all")
        lines.append("| " + " | ".join([
            cfg.model_kind, budget, str(len(results)),
            col("test_accuracy", 100), col("generation_fidelity", 100, 1), fid,
            col("generation_diversity"), *_intervention_cells(results),
            col("seconds_per_epoch", digits=0),
            col("seconds_per_epoch_min", digits=0),
        ]) + " |")  # fmt: skip
        curves = [r["intervention_curve"][TABLE_KEEP] for r in results if "intervention_curve" in r]
        if curves:
            same = ["〃"] * 4
            lines.append("| " + " | ".join([
                f"{cfg.model_kind}, keep {TABLE_KEEP}", budget, str(len(curves)), *same,
                *_intervention_cells(curves), "〃", "〃",
            ]) + " |")  # fmt: skip
    return "\n".join(lines) + "\n"


BASELINES_NOTE = (
    "Every model is trained by `ccvae-train`'s code on the same label draws (seed = draw), with "
    "the same batches, augmentation, pseudo-labels and generation term; they differ only in "
    "the model (`--model`): `ccvae` splits z = [z_c, z_s]; `cvae` has one z and decodes "
    "z + MLP(onehot(y)); `m2` is Kingma et al.'s M2, q(z|x, y) and p(x|y, z). Generation: 100 "
    "samples per label read by the judge CNN (models/judge-mnist); FID on its features with "
    "the real-vs-real floor in brackets; diversity is the mean pairwise pixel distance within "
    "a label. Intervention: 1,000 test digits, each given a random other label by changing "
    "only its label part (z_c ← the prior mean of p(z_c|y) for the CCVAE, y for the others); "
    "'read as new label' is the judge's share; thickness and slant correlations are between "
    "original and intervened digit, each centred within its label; the style distance ratio "
    "is the judge-feature distance of the intervened digit to the original over that of a "
    "random real digit of the new label (below 1: the writer's style survives); each is given "
    "over all 1,000 digits, then over only those the judge reads as their new label, since a "
    "digit left unchanged keeps its style trivially. The row 'ccvae, keep 0.5' is the same "
    "CCVAE with z_c moved to the new label keeping half of its own standardised offset from "
    "its predicted label's prior (`CCVAE.intervene`'s `keep`; 0 is the prior mean, the row "
    "above); intervention_tradeoff.png draws the whole curve. s/epoch is "
    "the mean wall time of an epoch on this project's 2-core CPU, one thread per run, two runs "
    "at a time and shared with other engineers' tests and benchmarks; the fastest epoch of a "
    "run is the least disturbed."
)


def _settings(cfg: TrainConfig, varied: tuple[str, ...] = ()) -> str:
    skip = {"data_dir", "seed", "model", *varied}
    items = [f"{k} {v}" for k, v in asdict(cfg).items() if k not in skip and v is not None]
    return ", ".join(items) + f", model {cfg.model}"


def comparison_figures(rows: list[tuple[str, TrainConfig, list[dict]]], seeds: list[int],
                       out: Path, data_dir: str | None) -> list[Path]:  # fmt: skip
    """Per label budget, one row per model, each from its first measured draw."""
    written = []
    for labels in BASELINE_BUDGETS:
        models = []
        for _, cfg, _ in rows:
            runs = [out / "runs" / run_key(replace(cfg, seed=s)) for s in seeds]
            found = [r for r in runs if (r / "best.pt").exists() and (r / "result.json").exists()]
            if cfg.labels == labels and found:
                models.append((cfg.model_kind, load_model(found[0] / "best.pt")[0]))
        if models:
            path = out / "baselines" / f"comparison_labels={labels or 'all'}.png"
            comparison(models, path, data_dir)
            written.append(path)
    return written


def tradeoff_figure(rows: list[tuple[str, TrainConfig, list[dict]]], path: Path) -> None:
    """The intervention trade-off (`figures.intervention_tradeoff`), means over label draws."""

    def mean(measured: list[dict]) -> dict[str, float]:
        return {k: statistics.mean(m[k] for m in measured if m.get(k) is not None)
                for k in ("intervention_fidelity", "intervention_thickness_corr_changed",
                          "intervention_slant_corr_changed")}  # fmt: skip

    panels: dict[str, dict[str, Curve]] = {}
    for _, cfg, results in rows:
        if not results or "intervention_fidelity" not in results[0]:
            continue
        curves = [r["intervention_curve"] for r in results if "intervention_curve" in r]
        curve: Curve = (
            [(float(k), mean([c[k] for c in curves])) for k in curves[0]]
            if curves
            else [(None, mean(results))]
        )
        panels.setdefault(str(cfg.labels or "all"), {})[cfg.model_kind] = curve
    if panels:
        intervention_tradeoff(panels, path)


def run_sweep(sweep: str, base: TrainConfig, seeds: list[int], out: Path,
              judge_dir: str | None, device: torch.device, command: str,
              remeasure: bool = False, train_missing: bool = True) -> str:  # fmt: skip
    rows = []
    for tag, cfg in sweep_configs(sweep, base):
        results = []
        for seed in seeds:
            run_cfg = replace(cfg, seed=seed)
            run_dir = out / "runs" / run_key(run_cfg)
            result = run_one(run_cfg, run_dir, judge_dir, device, remeasure, train_missing)
            if result is not None:
                results.append(result)
        rows.append((tag, cfg, results))
    (out / sweep).mkdir(parents=True, exist_ok=True)
    if sweep == "baselines":
        comparison_figures(rows, seeds, out, base.data_dir)
        tradeoff_figure(rows, out / "baselines" / "intervention_tradeoff.png")
        text = (
            f"# Sweep: baselines\n\nMade by `{command}`. Base settings: "
            f"{_settings(base, ('model_kind', 'labels'))}. "
            + BASELINES_NOTE
            + "\n\n"
            + baselines_table(rows)
        )
    else:
        text = (
            f"# Sweep: {sweep}\n\n"
            f"Made by `{command}`. Base settings: {_settings(base)}. "
            "Test figures are read once, from the checkpoint with the best validation accuracy. "
            "Generation: 100 samples per label, z_c ~ p(z_c|y), z_s ~ N(0, I), read by the "
            "judge CNN (models/judge-mnist); FID on its features against as many test digits, "
            "with the real-vs-real floor in brackets; diversity is the mean pairwise pixel "
            "distance within a label. The fitted-density columns draw z instead from a Gaussian "
            "per label fitted to the codes of the run's own training digits (training/density.py), "
            "as the service does.\n\n" + table(sweep, rows)
        )
    (out / sweep / "results.md").write_text(text)
    (out / sweep / "results.json").write_text(json.dumps(
        {tag: results for tag, _, results in rows}, indent=2) + "\n")  # fmt: skip
    return text


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="ccvae-experiment",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("sweeps", nargs="+", choices=(*SWEEPS, "all"))
    p.add_argument("--out", default="results", help="results directory")
    p.add_argument("--judge", default="models/judge-mnist", help="judge CNN ('' to skip)")
    p.add_argument("--seeds", default="0", help="comma-separated seeds (label draws)")
    p.add_argument(
        "--remeasure",
        action="store_true",
        help="measure finished runs again with the current evaluation code",
    )
    p.add_argument(
        "--finished-only",
        action="store_true",
        help="train nothing: tabulate the runs that have finished and leave the others out",
    )
    add_train_args(p)
    args = p.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    base = config_from_args(args)
    seeds = [int(s) for s in args.seeds.split(",")]
    command = "ccvae-experiment " + " ".join(sys.argv[1:] if argv is None else argv)
    sweeps = SWEEPS if "all" in args.sweeps else args.sweeps
    for sweep in sweeps:
        text = run_sweep(
            sweep, base, seeds, Path(args.out), args.judge or None,
            resolve_device(args.device), command, args.remeasure, not args.finished_only,
        )  # fmt: skip
        print(text)


if __name__ == "__main__":
    main()
