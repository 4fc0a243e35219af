"""`ccvae-experiment`: the report's sweeps, each writing a markdown table and figures.

    beta     β ∈ {0.001, 0.05, 0.2, 0.4}
    latent   total latent size 16 vs 128, split evenly between z_c and z_s
    labels   label budgets 100, 600, 1000, 3000 and all, beside Kingma et al.'s M2
    objective  the report's `simple` objective against the paper's `ccvae` objective
    ablation what each departure from the report buys: the report's loss alone, then with
             augmentation and pseudo-labels, then with the generation term (the default)

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
from training.evaluate import evaluate, generation_quality
from training.figures import make_figures
from training.judge import load_judge
from training.train import TrainConfig, add_train_args, config_from_args, resolve_device, train

# Kingma et al. (2014), M2, MNIST test error (%) by number of labels.
M2_PUBLISHED_ERROR = {100: 11.97, 600: 4.94, 1000: 3.60, 3000: 3.92}
SWEEPS = ("beta", "latent", "labels", "objective", "ablation", "baselines")
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
    text = json.dumps(fields, sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def run_one(cfg: TrainConfig, out: Path, judge_dir: str | None, device: torch.device,
            remeasure: bool = False) -> dict:  # fmt: skip
    """Train (or reuse a finished run), then measure the best-validation checkpoint on test.

    A finished run's measurements are reused too, unless `remeasure` asks to take them again
    with the current evaluation code (training is never repeated).
    """
    result_path = out / "result.json"
    if result_path.exists() and not remeasure:
        return json.loads(result_path.read_text())
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2) + "\n")
    train(cfg, out, device, resume=True)
    model, state = load_model(out / "best.pt")
    images, labels = load_mnist("test", cfg.data_dir)
    test = evaluate(model, images, labels)
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    result: dict[str, Any] = {
        "val_accuracy": state["val_accuracy"],
        "best_epoch": state["epoch"],
        "test_accuracy": test["accuracy"],
        "test_reconstruction_bce": test["reconstruction_bce"],
        "seconds_per_epoch": statistics.mean(r["seconds"] for r in records),
    }
    if judge_dir:
        result.update(generation_quality(model, load_judge(judge_dir), images))
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


def table(sweep: str, rows: list[tuple[str, TrainConfig, list[dict]]]) -> str:
    """A markdown table: one line per configuration, mean ± std over its seeds."""
    head = ["run", "seeds", "val acc %", "test acc %", "test error %"]
    if sweep == "labels":
        head.append("M2 error % (published)")
    head += ["judge reads label %", "worst label %", "FID (floor)", "diversity", "s/epoch"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for tag, cfg, results in rows:

        def col(key: str, scale: float = 1.0, digits: int = 2, results=results) -> str:
            return _mean_std([r[key] for r in results if key in r], scale, digits)

        cells = [tag, str(len(results)), col("val_accuracy", 100), col("test_accuracy", 100),
                 _mean_std([1 - r["test_accuracy"] for r in results], 100)]  # fmt: skip
        if sweep == "labels":
            cells.append(str(M2_PUBLISHED_ERROR.get(cfg.labels or 0, "–")))
        fid = col("generation_fid", digits=1)
        if results and "generation_fid_floor" in results[0]:
            fid += f" ({col('generation_fid_floor', digits=1)})"
        cells += [
            col("generation_fidelity", 100, 1),
            col("generation_fidelity_min", 100, 1),
            fid,
            col("generation_diversity", digits=2),
            col("seconds_per_epoch", digits=0),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _settings(cfg: TrainConfig) -> str:
    skip = {"data_dir", "seed", "model"}
    items = [f"{k} {v}" for k, v in asdict(cfg).items() if k not in skip and v is not None]
    return ", ".join(items) + f", model {cfg.model}"


def run_sweep(sweep: str, base: TrainConfig, seeds: list[int], out: Path,
              judge_dir: str | None, device: torch.device, command: str,
              remeasure: bool = False) -> str:  # fmt: skip
    rows = []
    for tag, cfg in sweep_configs(sweep, base):
        results = []
        for seed in seeds:
            run_cfg = replace(cfg, seed=seed)
            run_dir = out / "runs" / run_key(run_cfg)
            results.append(run_one(run_cfg, run_dir, judge_dir, device, remeasure))
        rows.append((tag, cfg, results))
    text = (
        f"# Sweep: {sweep}\n\n"
        f"Made by `{command}`. Base settings: {_settings(base)}. "
        "Test figures are read once, from the checkpoint with the best validation accuracy. "
        "Generation: 100 samples per label, z_c ~ p(z_c|y), z_s ~ N(0, I), read by the judge "
        "CNN (models/judge-mnist); FID on its features against as many test digits, with the "
        "real-vs-real floor in brackets; diversity is the mean pairwise pixel distance within "
        "a label.\n\n" + table(sweep, rows)
    )
    (out / sweep).mkdir(parents=True, exist_ok=True)
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
            resolve_device(args.device), command, args.remeasure,
        )  # fmt: skip
        print(text)


if __name__ == "__main__":
    main()
