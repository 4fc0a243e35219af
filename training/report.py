"""The sweeps' reports: each sweep's markdown table (mean ± std over label draws), the prose
that says how it was measured, and the baselines' figures. `training.experiment` runs the
sweeps and hands each one's rows here; nothing here trains or measures.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

from training.checkpoint import load_model
from training.claims import claims_table, verdict_table
from training.config import TrainConfig
from training.fewlabels import (
    FEWLABELS_NOTE,
    LEVERS_NOTE,
    M2_PUBLISHED,
    PAIRED_NOTE,
    fewlabels_table,
    levers_choice,
    levers_table,
    paired_table,
    write_comparison,
)
from training.figures import Curve, comparison, intervention_tradeoff
from training.tables import Row, column, judge_fd_cell, markdown, mean_std

# Kingma et al. (2014), M2, MNIST test error (%) by number of labels.
M2_PUBLISHED_ERROR = {n: error for n, (error, _) in M2_PUBLISHED.errors.items()}
BASELINE_BUDGETS: tuple[int | None, ...] = (100, 1000, None)
# The CCVAE's intervention carrying this share of z_c's own offset gets a row of its own.
TABLE_KEEP = "0.5"
SAME = "〃"


def table(sweep: str, rows: list[Row]) -> str:
    """A sweep's table: one line per configuration, mean ± std over its seeds."""
    published = sweep == "labels"
    head = ["run", "seeds", "val acc %", "test acc %", "test error %"]
    head += ["M2 error % (published)"] * published
    head += ["judge reads label %", "worst label %", "judge FD (floor)", "diversity"]
    head += ["fitted density: judge reads label %", "fitted density: judge FD", "s/epoch"]
    lines = []
    for row in rows:
        r = row.results
        error = mean_std([1 - x["test_accuracy"] for x in r], 100)
        cells = [row.tag, str(len(r)), column(r, "val_accuracy", 100),
                 column(r, "test_accuracy", 100), error]  # fmt: skip
        cells += [str(M2_PUBLISHED_ERROR.get(row.cfg.labels or 0, "–"))] * published
        cells += [
            column(r, "generation_fidelity", 100, 1),
            column(r, "generation_fidelity_min", 100, 1),
            judge_fd_cell(r),
            column(r, "generation_diversity"),
            column(r, "density_generation_fidelity", 100, 1),
            column(r, "density_generation_fid", digits=1),
            column(r, "seconds_per_epoch", digits=0),
        ]
        lines.append(cells)
    return markdown(head, lines) + "\n"


def intervention_cells(results: list[dict]) -> list[str]:
    """Read as new label, then each style measure over all digits / over the changed ones."""
    cells = [column(results, "intervention_fidelity", 100, 1)]
    for m in ("thickness_corr", "slant_corr", "style_ratio"):
        every, changed = f"intervention_{m}", f"intervention_{m}_changed"
        cells.append(f"{column(results, every)} / {column(results, changed)}")
    return cells


def baselines_table(rows: list[Row]) -> str:
    """The comparison: one line per model and label budget, mean ± std over label draws."""
    head = ["model", "labels", "draws", "test acc %", "judge reads label %", "judge FD (floor)",
            "diversity", "intervention read as new label %",
            "thickness corr: all / changed", "slant corr: all / changed",
            "style distance ratio: all / changed", "s/epoch", "fastest epoch s"]  # fmt: skip
    lines = []
    for row in rows:
        r, kind, budget = row.results, row.cfg.model_kind, str(row.cfg.labels or "all")
        lines.append([
            kind, budget, str(len(r)), column(r, "test_accuracy", 100),
            column(r, "generation_fidelity", 100, 1), judge_fd_cell(r),
            column(r, "generation_diversity"), *intervention_cells(r),
            column(r, "seconds_per_epoch", digits=0), column(r, "seconds_per_epoch_min", digits=0),
        ])  # fmt: skip
        curves = [x["intervention_curve"][TABLE_KEEP] for x in r if "intervention_curve" in x]
        if curves:
            lines.append([f"{kind}, keep {TABLE_KEEP}", budget, str(len(curves)), *[SAME] * 4,
                          *intervention_cells(curves), SAME, SAME])  # fmt: skip
    return markdown(head, lines) + "\n"


BASELINES_NOTE = (
    "Every model is trained by `ccvae-train`'s code on the same label draws (seed = draw), with "
    "the same batches, augmentation, pseudo-labels and generation term; they differ only in "
    "the model (`--model`): `ccvae` splits z = [z_c, z_s]; `cvae` has one z and decodes "
    "z + MLP(onehot(y)); `m2` is Kingma et al.'s M2, q(z|x, y) and p(x|y, z). Generation: 100 "
    "samples per label read by the judge CNN (models/judge-mnist); judge FD is the Fréchet "
    "distance on its features (not an Inception FID, so not comparable with published FIDs), "
    "with the real-vs-real floor in brackets; diversity is the mean pairwise pixel distance within "
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

SWEEP_NOTE = (
    "Test figures are read once, from the checkpoint with the best validation accuracy. "
    "Generation: 100 samples per label, z_c ~ p(z_c|y), z_s ~ N(0, I), read by the "
    "judge CNN (models/judge-mnist); judge FD is the Fréchet distance on its features (not an "
    "Inception FID, so not comparable with published FIDs) against as many test digits, "
    "with the real-vs-real floor in brackets; diversity is the mean pairwise pixel "
    "distance within a label. The fitted-density columns draw z instead from a Gaussian "
    "per label fitted to the codes of the run's own training digits (training/density.py), "
    "as the service does."
)


def settings(cfg: TrainConfig, varied: tuple[str, ...] = ()) -> str:
    """The base settings of a sweep as a sentence: every field but those the sweep varies."""
    flat = {k: v for k, v in cfg.to_dict().items() if k not in {"model", "loss"}}
    flat.update(cfg.to_dict()["loss"])
    skip = {"data_dir", "seed", *varied}
    items = [f"{k} {v}" for k, v in flat.items() if k not in skip and v is not None]
    return ", ".join(items) + f", model {cfg.model.to_dict()}"


def comparison_figures(rows: list[Row], out: Path, data_dir: str | None) -> list[Path]:
    """Per label budget, one row per model, each from its first measured draw."""
    written = []
    for labels in BASELINE_BUDGETS:
        models = [
            (row.cfg.model_kind, load_model(found[0])[0])
            for row in rows
            if row.cfg.labels == labels
            and (found := [p for d in row.dirs if (p := d / f"{row.cfg.selection}.pt").exists()])
        ]
        if models:
            path = out / "baselines" / f"comparison_labels={labels or 'all'}.png"
            comparison(models, path, data_dir)
            written.append(path)
    return written


def tradeoff_figure(rows: list[Row], path: Path) -> None:
    """The intervention trade-off (`figures.intervention_tradeoff`), means over label draws."""
    keys = ("intervention_fidelity", "intervention_thickness_corr_changed",
            "intervention_slant_corr_changed")  # fmt: skip

    def mean(measured: list[dict]) -> dict[str, float]:
        return {k: statistics.mean(m[k] for m in measured if m.get(k) is not None) for k in keys}

    panels: dict[str, dict[str, Curve]] = {}
    for row in rows:
        if not row.results or "intervention_fidelity" not in row.results[0]:
            continue
        curves = [r["intervention_curve"] for r in row.results if "intervention_curve" in r]
        curve: Curve = (
            [(float(k), mean([c[k] for c in curves])) for k in curves[0]]
            if curves
            else [(None, mean(row.results))]
        )
        panels.setdefault(str(row.cfg.labels or "all"), {})[row.cfg.model_kind] = curve
    if panels:
        intervention_tradeoff(panels, path)


def write_report(sweep: str, base: TrainConfig, rows: list[Row], out: Path, command: str) -> str:
    """`out/<sweep>/results.md` and `results.json` (and the baselines' figures); the text."""
    (out / sweep).mkdir(parents=True, exist_ok=True)
    if sweep == "baselines":
        comparison_figures(rows, out, base.data_dir)
        tradeoff_figure(rows, out / "baselines" / "intervention_tradeoff.png")
        varied = settings(base, ("model_kind", "labels"))
        text = f"# Sweep: baselines\n\nMade by `{command}`. Base settings: {varied}. "
        text += BASELINES_NOTE + "\n\n" + baselines_table(rows)
    elif sweep == "claims":
        text = f"# Sweep: claims\n\nMade by `{command}`. Base settings: {settings(base)}. "
        text += "Measures: training/claims.py.\n\n" + claims_table(rows)
        text += "\n## The report's claims\n\n" + verdict_table(rows)
    elif sweep == "fewlabels":
        varied = settings(base, ("model_kind", "labels", "validation"))
        text = f"# Sweep: fewlabels\n\nMade by `{command}`. Base settings: {varied}. "
        text += FEWLABELS_NOTE + "\n\n" + fewlabels_table(rows)
        text += "\n" + PAIRED_NOTE + "\n\n" + paired_table(rows)
        write_comparison(out / "comparison.md", rows)
    elif sweep == "levers":
        varied = settings(base, ("labels", "validation", "threshold", "consistency", "beta_c"))
        text = f"# Sweep: levers\n\nMade by `{command}`. Base settings: {varied}. "
        text += (
            LEVERS_NOTE
            + "\n\n"
            + levers_table(base, rows)
            + "\n"
            + levers_choice(base, rows)
            + "\n"
        )
    else:
        text = f"# Sweep: {sweep}\n\nMade by `{command}`. Base settings: {settings(base)}. "
        text += SWEEP_NOTE + "\n\n" + table(sweep, rows)
    (out / sweep / "results.md").write_text(text)
    measured = {row.tag: row.results for row in rows}
    (out / sweep / "results.json").write_text(json.dumps(measured, indent=2) + "\n")
    return text
