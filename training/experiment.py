"""`ccvae-experiment`: the report's sweeps; each trains its runs, measures them once and has
training.report write its table and figures.

    beta     β ∈ {0.001, 0.05, 0.2, 0.4}
    latent   total latent size 16 vs 128, split evenly between z_c and z_s
    labels   label budgets 100, 600, 1000, 3000 and all, beside Kingma et al.'s M2
    objective  the report's `simple` objective against the paper's `ccvae` objective
    ablation what each departure from the report buys: the report's loss alone, then with
             augmentation and pseudo-labels, then with the generation term (the default)
    baselines  the CCVAE beside the report's non-split CVAE and Kingma's M2 (results/baselines)
    label_part  z_c of 16 or 64 dimensions (z_s 16): what the label part's size buys
    claims   the report's loss alone (no augmentation, pseudo-labels or generation term): β, then
             latent size 16 vs 128, measured for each of the report's observations
             (training/claims.py)
    levers   the few-label levers at 100 labels on a 2×2×2 grid: the pseudo-label threshold (0.9,
             0.95), its weight (25, 50) and β_c (β's, 0.1), chosen on the 100 validation digits'
             log q(y|x) at the final epoch, never by test (training/fewlabels.py)
    fewlabels  issue 18's protocol: the CCVAE at 100, 600, 1,000 and 3,000 labels, the CVAE and
             M2 at 100 and 1,000, each with a validation set of S's size (pass the protocol's
             flags: --selection last --ema 0.999 --epochs 50 ...)

Every run trains with `ccvae-train`'s code, keeps the checkpoint its `selection` names (the best
*validation* accuracy by default), and only then reads the test set: test accuracy, and
generation quality as the independent judge CNN reads it. A run lives in `runs/<key>/`, the key
being the hash of its configuration, so sweeps share identical runs and an interrupted sweep
continues where it stopped. Several `--seeds` give several label draws: mean ± std.
`--shard K/N` trains every N-th run from the K-th only, so that N processes can train one sweep
side by side (on one GPU, or across sessions); a last call with `--finished-only` writes the
table. `--list` prints every run's number and folder, for scripts that move runs in or out.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import torch

from training.baselines import MODELS
from training.cas import classification_accuracy_score
from training.checkpoint import load_model
from training.claims import report_measures
from training.config import TrainConfig, from_flags
from training.data import load_mnist, load_training_split
from training.density import fit_training_density
from training.epochs import METRICS, epoch_seconds
from training.evaluate import evaluate, generation_quality, label_log_likelihoods
from training.fewlabels import FEW_LABEL_BUDGETS
from training.figures import make_figures
from training.host import use_cores
from training.intervention import intervention_quality, keep_curve
from training.judge import judge_sha256, load_judge
from training.model import CCVAE
from training.report import BASELINE_BUDGETS, write_report
from training.tables import Row
from training.train import add_train_args, resolve_device, selected_checkpoint, train

SWEEPS = ("beta", "latent", "labels", "objective", "ablation", "baselines", "label_part",
          "fewlabels", "levers", "claims")  # fmt: skip


EXTRA_MEASURES = {"fewlabels": ("cas",), "claims": ("claims",), "levers": ("validation_log_q",)}
"""What some sweeps add: the classification accuracy score (a minute of CPU a run), the report's
claims (training.claims), and log q(y|x) of each validation digit (training.fewlabels)."""


def sweep_configs(name: str, base: TrainConfig) -> list[tuple[str, TrainConfig]]:
    """(tag, config) of every run of one sweep, all other settings taken from `base`."""
    model, loss = base.model, base.loss
    if name == "beta":  # one β on every KL term, as in the report
        return [
            (f"beta={b}", replace(base, loss=replace(loss, beta=b, beta_c=None)))
            for b in (0.001, 0.05, 0.2, 0.4)
        ]
    split = {total: replace(model, latent_c=total // 2, latent_s=total - total // 2)
             for total in (16, 128)}  # fmt: skip
    report_loss = replace(loss, consistency=0.0, generation=0.0, beta_c=None)  # the report's own
    if name == "latent":
        return [(f"latent={t}", replace(base, model=m)) for t, m in split.items()]
    if name == "labels":
        budgets = (*FEW_LABEL_BUDGETS, None)
        return [(f"labels={n or 'all'}", replace(base, labels=n)) for n in budgets]
    if name == "objective":
        return [(f"objective={o}", replace(base, objective=o)) for o in ("simple", "ccvae")]
    if name == "ablation":
        return [
            ("report's loss", replace(base, augment=False, loss=report_loss)),
            ("+ augment, pseudo-labels", replace(base, loss=replace(loss, generation=0.0))),
            ("+ generation term", base),
        ]
    if name == "label_part":  # is the CCVAE's classification gap z_c's capacity?
        return [(f"z_c={c}", replace(base, model=replace(model, latent_c=c))) for c in (16, 64)]
    if name == "baselines":  # the same data, batches and extra terms for every model
        return [
            (f"{kind}, labels={n or 'all'}", replace(base, model_kind=kind, labels=n))
            for n in BASELINE_BUDGETS
            for kind in MODELS
        ]
    if name == "claims":  # the report's loss alone, nothing of this project's additions
        report = replace(base, augment=False, strong_augment=False, loss=report_loss)
        betas = [(f"beta={b}", replace(report, loss=replace(report_loss, beta=b)))
                 for b in (0.001, 0.05, 0.2, 0.4)]  # fmt: skip
        return betas + [(f"latent={t}", replace(report, model=m)) for t, m in split.items()]
    if name == "levers":  # the few-label levers, on one draw: read on S-sized validation only
        grid = [(t, c, bc) for t in (0.9, 0.95) for c in (25.0, 50.0) for bc in (None, 0.1)]
        return [
            (f"threshold={t}, consistency={c:g}, beta_c={bc}",
             replace(base, labels=100, validation=100,
                     loss=replace(loss, threshold=t, consistency=c, beta_c=bc)))
            for t, c, bc in grid
        ]  # fmt: skip
    if name == "fewlabels":  # every model under one protocol; validation no larger than S
        runs = [("ccvae", n) for n in FEW_LABEL_BUDGETS]
        runs += [(kind, n) for n in BASELINE_BUDGETS if n for kind in MODELS if kind != "ccvae"]
        return [
            (f"{kind}, labels={n}", replace(base, model_kind=kind, labels=n, validation=n))
            for kind, n in runs
        ]
    raise ValueError(f"unknown sweep {name!r}; choose from {SWEEPS}")


def run_key(cfg: TrainConfig) -> str:
    """A run's directory name: the hash of its configuration (where the data lives aside)."""
    text = json.dumps(replace(cfg, data_dir=None).to_dict(), sort_keys=True)
    return hashlib.sha1(text.encode()).hexdigest()[:12]


def finished(cfg: TrainConfig, out: Path) -> bool:
    """Whether the run in `out` has trained all its epochs."""
    last = out / "last.pt"
    return last.exists() and torch.load(last, weights_only=False)["epoch"] >= cfg.epochs


def validation_log_q(model: torch.nn.Module, cfg: TrainConfig) -> list[float]:
    """log q(y|x) of each of the run's validation digits (the split its training watched), in
    the split's order, so that two runs on one draw pair digit by digit (training/fewlabels.py)."""
    images, labels, split = load_training_split(
        cfg.data_dir, cfg.limit, cfg.labels, cfg.validation, cfg.seed
    )
    return label_log_likelihoods(model, images[split.validation], labels[split.validation])


def measure(
    cfg: TrainConfig, out: Path, judge_dir: str | None, extras: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Every measure of a trained run, from the checkpoint its selection names: test accuracy;
    with a judge, generation (from the priors, and for the CCVAE from the latent density fitted
    to its training digits, `density_` keys) and the intervention (for the CCVAE also its curve
    over `keep`); and the `extras` a sweep asks for (EXTRA_MEASURES)."""
    model, state = load_model(selected_checkpoint(cfg, out))
    images, labels = load_mnist("test", cfg.data_dir)
    test = evaluate(model, images, labels)
    result: dict[str, Any] = {
        "val_accuracy": state["val_accuracy"],
        "best_epoch": state["epoch"],
        "test_accuracy": test["accuracy"],
        "test_reconstruction_bce": test["reconstruction_bce"],
        **epoch_seconds(out / METRICS),
    }
    if "validation_log_q" in extras:
        result["validation_log_q"] = validation_log_q(model, cfg)
    if judge_dir:
        judge = load_judge(judge_dir)
        result["judge_sha256"] = judge_sha256(judge_dir)
        result.update(generation_quality(model, judge, images))
        if "cas" in extras:
            result["cas"] = classification_accuracy_score(model, images, labels)
        if "claims" in extras and isinstance(model, CCVAE):
            result.update(report_measures(model, judge, images, out / METRICS))
        result.update(intervention_quality(model, judge, images, labels))
        if isinstance(model, CCVAE):
            result["intervention_curve"] = keep_curve(model, judge, images, labels)
            density = fit_training_density(model, cfg.to_dict(), cfg.data_dir)
            fitted = generation_quality(model, judge, images, density=density)
            result.update({f"density_{k}": v for k, v in fitted.items()})
    make_figures(model, out / "figures", cfg.data_dir, [(0, 1)], out / METRICS)
    return result


def run_one(cfg: TrainConfig, out: Path, judge_dir: str | None, device: torch.device,
            remeasure: bool = False, train_missing: bool = True,
            extras: tuple[str, ...] = ()) -> dict | None:  # fmt: skip
    """Train (or reuse a finished run), then measure it on test.

    A finished run's measurements are reused, unless `remeasure` asks to take them again with
    the current evaluation code (training is never repeated). With `train_missing` False an
    unfinished run is left alone and None returned, so a table can be written while other
    processes train.
    """
    result_path = out / "result.json"
    if result_path.exists() and not remeasure:
        result = json.loads(result_path.read_text())
        if "validation_log_q" in extras and "validation_log_q" not in result:
            # asked for after the run was measured (a run two sweeps share): taken alone
            model, _ = load_model(selected_checkpoint(cfg, out))
            result["validation_log_q"] = validation_log_q(model, cfg)
            result_path.write_text(json.dumps(result, indent=2) + "\n")
        return result
    if not train_missing and not finished(cfg, out):
        return None
    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(cfg.to_dict(), indent=2) + "\n")
    if not finished(cfg, out):  # a finished run is only read: its checkpoint may predate train()
        train(cfg, out, device, resume=True)
    result = measure(cfg, out, judge_dir, extras)
    result_path.write_text(json.dumps(result, indent=2) + "\n")
    return result


def sweep_runs(sweep: str, base: TrainConfig, seeds: list[int]) -> list[tuple[str, TrainConfig]]:
    """(tag, config) of every run of a sweep in its order, each configuration over every seed:
    the order `--shard` numbers and `--list` prints."""
    return [(tag, replace(cfg, seed=s)) for tag, cfg in sweep_configs(sweep, base) for s in seeds]


def run_sweep(sweep: str, base: TrainConfig, seeds: list[int], out: Path,
              judge_dir: str | None, device: torch.device, command: str,
              remeasure: bool = False, train_missing: bool = True,
              shard: tuple[int, int] = (0, 1)) -> str:  # fmt: skip
    """Every run of one sweep over every seed, then its report; returns the table's text.

    With `shard` (k, n) this process trains only the runs numbered k, k + n, k + 2n, ... in
    the sweep's order; the others it tabulates if they have finished."""
    rows: dict[str, Row] = {}
    for number, (tag, run_cfg) in enumerate(sweep_runs(sweep, base, seeds)):
        run_dir = out / "runs" / run_key(run_cfg)
        if number % shard[1] == shard[0]:
            result = run_one(
                run_cfg, run_dir, judge_dir, device, remeasure, train_missing,
                EXTRA_MEASURES.get(sweep, ()),
            )  # fmt: skip
        else:  # another shard's run: its measurements if it has them
            done = run_dir / "result.json"
            result = json.loads(done.read_text()) if done.exists() else None
        row = rows.setdefault(tag, Row(tag, replace(run_cfg, seed=base.seed), [], []))
        if result is not None:
            row.results.append(result)
            row.dirs.append(run_dir)
            row.seeds.append(run_cfg.seed)
    return write_report(sweep, base, list(rows.values()), out, command)


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
    p.add_argument(
        "--list",
        action="store_true",
        help="print each run's number, folder, seed and tag in the sweep's order; train nothing",
    )
    p.add_argument(
        "--shard",
        default="0/1",
        help="K/N: train only every N-th run from the K-th (N processes side by side)",
    )
    add_train_args(p)
    args = p.parse_args(argv)
    k, n = (int(part) for part in args.shard.split("/"))
    if not 0 <= k < n:
        p.error(f"--shard {args.shard}: K/N needs 0 <= K < N")
    use_cores(args.threads)
    base = from_flags(args)
    seeds = [int(s) for s in args.seeds.split(",")]
    command = "ccvae-experiment " + " ".join(sys.argv[1:] if argv is None else argv)
    for sweep in SWEEPS if "all" in args.sweeps else args.sweeps:
        if args.list:
            for number, (tag, cfg) in enumerate(sweep_runs(sweep, base, seeds)):
                print(number, Path(args.out) / "runs" / run_key(cfg), cfg.seed, tag, sep="\t")
            continue
        text = run_sweep(
            sweep, base, seeds, Path(args.out), args.judge or None,
            resolve_device(args.device), command, args.remeasure, not args.finished_only, (k, n),
        )  # fmt: skip
        print(text)


if __name__ == "__main__":
    main()
