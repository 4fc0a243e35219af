"""The few-label protocol's reports (issue 18): the sweep's table, with whether each run had
stopped learning, and the levers' grid with the setting its rule chooses on validation digits
alone. `training.report` writes them into each sweep's results.md; nothing here trains or
measures.
"""

from __future__ import annotations

import math
import statistics
from pathlib import Path
from typing import NamedTuple

from training.config import TrainConfig
from training.epochs import FALL_WINDOW, METRICS, last_fall
from training.tables import Row, column, judge_fd_cell, markdown, mean_std

FEW_LABEL_BUDGETS = (100, 600, 1000, 3000)
PROTOCOL_DRAWS = 3
"""Label draws the protocol reports each model at each budget over (issue 18: at least 3)."""


class Method(NamedTuple):
    """A row of the comparison: a method's MNIST test error (%) by label budget, with what it
    used. Published errors are (mean, sd), sd None where the paper gives only the mean."""

    name: str
    errors: dict[int, tuple[float, float | None]]
    augmentation: str
    pseudo_labels: str
    architecture: str


IN_HOUSE = {
    "ccvae": Method("CCVAE, this project (z_c 64, FixMatch pair)", {},
                    "weak affine + FixMatch strong view", "yes, τ 0.95, weight = α",
                    "conv VAE, split latent, linear q(y\\|z_c)"),
    "cvae": Method("CVAE, this project, same protocol", {}, "same as CCVAE", "same",
                   "same bodies, one latent"),
    "m2": Method("M2, this project, same protocol", {}, "same as CCVAE", "same",
                 "same bodies, M2's q(z\\|x,y), p(x\\|y,z)"),
}  # fmt: skip
"""The in-house rows' descriptions; their errors come from the fewlabels sweep's runs."""

M2_PUBLISHED = Method("M2 (Kingma et al., 2014)",
                      {100: (11.97, 1.71), 600: (4.94, None), 1000: (3.60, None),
                       3000: (3.92, None)}, "none", "none", "MLP")  # fmt: skip
PUBLISHED = (
    M2_PUBLISHED,
    Method("M1+M2 (Kingma et al., 2014)",
           {100: (3.33, 0.14), 600: (2.59, None), 1000: (2.40, None), 3000: (2.18, None)},
           "none", "none", "MLP, M2 on M1's VAE features"),
    Method("ADGM (Maaløe et al., 2016)", {100: (0.96, 0.02)}, "none", "none",
           "MLP, auxiliary variable"),
    Method("Ladder network (Rasmus et al., 2015)", {100: (1.06, 0.37), 1000: (0.84, None)},
           "Gaussian noise at every layer", "none", "MLP (permutation-invariant)"),
    Method("Improved-GAN, feature matching (Salimans et al., 2016)", {100: (0.93, 0.07)},
           "none (noise in the discriminator)", "none", "MLP discriminator, weight norm"),
)  # fmt: skip
"""The papers' own figures, as results/comparison.md cites them."""


def comparison_table(rows: list[Row]) -> str:
    """results/comparison.md's table: the fewlabels sweep's models, mean ± sd over their label
    draws (a cell names its draws while fewer than PROTOCOL_DRAWS are in), then the published
    methods, each with what it used."""
    head = ["method", *(f"{n:,}" for n in FEW_LABEL_BUDGETS), "augmentation", "pseudo-labels",
            "architecture"]  # fmt: skip
    errors: dict[str, dict[int, str]] = {}
    for row in rows:
        if not row.results:
            continue
        cell = mean_std([1 - r["test_accuracy"] for r in row.results], 100)
        if len(row.results) < PROTOCOL_DRAWS:
            some = ", ".join(map(str, sorted(row.seeds)))
            cell += f" (draw{'s' * (len(row.seeds) > 1)} {some} only)"
        errors.setdefault(row.cfg.model_kind, {})[row.cfg.labels] = cell
    published = {m.name: {n: f"{e:.2f}" + (f" ± {sd:.2f}" if sd else "")
                          for n, (e, sd) in m.errors.items()} for m in PUBLISHED}  # fmt: skip
    lines = []
    for key, m in [*IN_HOUSE.items(), *((m.name, m) for m in PUBLISHED)]:
        cells = errors.get(key) or published.get(key, {})
        lines.append([m.name, *(cells.get(n, "–") for n in FEW_LABEL_BUDGETS), m.augmentation,
                      m.pseudo_labels, m.architecture])  # fmt: skip
    return markdown(head, lines) + "\n"


TABLE_START = "<!-- the table below is written by `results/collect.sh fewlabels`"
TABLE_END = "<!-- end of the table -->"


def write_comparison(path: Path, rows: list[Row]) -> None:
    """Put the comparison table between its two markers in `path`, the prose around it as it
    was; a file without the markers is left alone."""
    if not path.exists():
        return
    text = path.read_text()
    start, end = text.find(TABLE_START), text.find(TABLE_END)
    if start < 0 or end < start:
        return
    start = text.index("\n", start) + 1
    path.write_text(text[:start] + "\n" + comparison_table(rows) + "\n" + text[end:])


CURVE_HEAD = [f"objective's fall, last {FALL_WINDOW} epochs %", "unlabelled past τ, last epoch %"]


def curve_cells(row: Row) -> list[str]:
    """Whether a row's runs had stopped learning, read from their metrics.jsonl."""
    curves = [last_fall(d / METRICS) for d in row.dirs]
    return [column(curves, "objective_fall", 100), column(curves, "pseudo_share", 100, 1)]


def fewlabels_table(rows: list[Row]) -> str:
    """The few-label protocol: test error and the generation measures, per model and budget,
    mean ± sd over label draws."""
    head = ["model", "labels", "draws", "epochs", "test error %", "judge reads label %",
            "judge FD (floor)", "precision", "recall", "CAS %", "intervention read as new label %",
            *CURVE_HEAD, "fastest epoch s"]  # fmt: skip
    lines = []
    for row in rows:
        r = row.results
        lines.append([
            row.cfg.model_kind, str(row.cfg.labels), str(len(r)), str(row.cfg.epochs),
            mean_std([1 - x["test_accuracy"] for x in r], 100),
            column(r, "generation_fidelity", 100, 1), judge_fd_cell(r),
            column(r, "generation_precision"), column(r, "generation_recall"),
            column(r, "cas", 100, 1), column(r, "intervention_fidelity", 100, 1),
            *curve_cells(row), column(r, "seconds_per_epoch_min", digits=0),
        ])  # fmt: skip
    return markdown(head, lines) + "\n"


def by_draw(row: Row) -> dict[int, dict]:
    """A row's measured runs by label draw (the seed)."""
    return dict(zip(row.seeds, row.results, strict=True))


def mean_over_error(d: list[float]) -> float | None:
    """The paired statistic of n differences d: mean(d) / (sd(d) / √n); None where there is no
    spread to measure it against (fewer than two, or all alike)."""
    if len(d) < 2 or (sd := statistics.stdev(d)) == 0:
        return None
    return statistics.mean(d) / (sd / math.sqrt(len(d)))


def paired_t(gaps: list[float]) -> str:
    """The paired t of draw-by-draw differences and its n − 1 degrees of freedom, else a dash."""
    t = mean_over_error(gaps)
    return "–" if t is None else f"{t:.1f} ({len(gaps) - 1})"


def paired_table(rows: list[Row]) -> str:
    """Each baseline against the CCVAE on the label draws both have trained: the draws share
    their labelled digits, so the difference taken draw by draw is free of how hard a draw is
    (draw 0 at 100 labels errs on twice draw 1's test digits), which a mean ± sd of each model
    alone is not. Differences are in points, positive where the CCVAE does better."""
    head = ["baseline", "labels", "paired draws", "test error, baseline − CCVAE",
            "its draws", "paired t (df)", "interventions read, CCVAE − baseline",
            "judge reads label, CCVAE − baseline"]  # fmt: skip
    ccvae = {row.cfg.labels: by_draw(row) for row in rows if row.cfg.model_kind == "ccvae"}
    lines = []
    for row in rows:
        if row.cfg.model_kind == "ccvae" or row.cfg.labels not in ccvae:
            continue
        ours, theirs = ccvae[row.cfg.labels], by_draw(row)
        draws = sorted(ours.keys() & theirs.keys())
        keys = ("test_accuracy", "intervention_fidelity", "generation_fidelity")
        gap = {key: [ours[d][key] - theirs[d][key] for d in draws] for key in keys}
        lines.append([
            row.cfg.model_kind, str(row.cfg.labels), ", ".join(map(str, draws)) or "none yet",
            mean_std(gap["test_accuracy"], 100),
            ", ".join(f"{100 * x:+.2f}" for x in gap["test_accuracy"]) or "–",
            paired_t(gap["test_accuracy"]),
            mean_std(gap["intervention_fidelity"], 100, 1),
            mean_std(gap["generation_fidelity"], 100, 1),
        ])  # fmt: skip
    return markdown(head, lines) + "\n"


PAIRED_NOTE = (
    "## The CCVAE against its baselines, draw by draw\n\nThe CCVAE and each baseline on the "
    "label draws both have trained (the same seed is the same labelled digits and the same "
    "validation digits): each difference is taken within a draw, then averaged over the draws "
    '(mean ± sd), in points, positive where the CCVAE does better; "its draws" lists them, '
    "in the draws' order. The paired t is their mean over its standard error, on one degree of "
    "freedom fewer than the draws: past 12.71 on 1 and 4.30 on 2, the two-sided 5 % level, the "
    "difference in test error is more than the draws' spread would give by chance."
)


LEVERS_Z = 2.5
"""Standard errors of the paired difference by which a grid point's mean validation log q(y|x)
must exceed the protocol's own point's to replace it: one-sided, Bonferroni over the grid's
seven other points (0.05 / 7 ≈ 0.007, z ≈ 2.45), so that noise alone seldom picks one."""


def digits_right(row: Row) -> list[int]:
    """How many of its validation digits each of a row's runs reads right at its final epoch."""
    return [round(r["val_accuracy"] * row.cfg.validation) for r in row.results]


def has_log_q(row: Row) -> bool:
    """Whether a grid point's run is in with the log q(y|x) of its validation digits."""
    return bool(row.results) and "validation_log_q" in row.results[0]


def validation_nll(row: Row) -> float:
    """The mean -log q(y|x) of the row's first run over its validation digits, nats a digit."""
    log_q = row.results[0]["validation_log_q"]
    return -sum(log_q) / len(log_q)


def paired_z(point: Row, own: Row) -> float:
    """How far `point` reads its validation digits' labels more likely than `own`, in standard
    errors: d_i = log q_point(y_i|x_i) − log q_own(y_i|x_i) over the same n digits,
    z = mean(d) / (sd(d) / √n); 0 where the two do not differ at all."""
    a, b = point.results[0]["validation_log_q"], own.results[0]["validation_log_q"]
    z = mean_over_error([x - y for x, y in zip(a, b, strict=True)])
    return 0.0 if z is None else z


def levers_choice(base: TrainConfig, rows: list[Row]) -> str:
    """The grid point the rule chooses, decided on validation digits alone: the protocol's own
    point (the sweep's base settings) stays unless another reads their labels more likely, by
    at least LEVERS_Z standard errors of the paired difference; of several that do, the
    largest z, then the first in the grid's order. Digits right do not choose: at 100 labels
    the protocol's point reads 99 of its 100, so a count could not tell the points apart."""
    done = sum(map(has_log_q, rows))
    if done < len(rows):
        return f"No setting is chosen until every grid point is in ({done} of {len(rows)})."
    own = next(row for row in rows if row.cfg.loss == base.loss)
    z = {row.tag: paired_z(row, own) for row in rows if row is not own}
    best = max(z, key=lambda tag: z[tag])  # the first of the largest, in the grid's order
    if z[best] < LEVERS_Z:
        return (f"Chosen: the protocol's own point ({own.tag}), validation NLL "
                f"{validation_nll(own):.4f} nats a digit; no other point's is lower by "
                f"{LEVERS_Z} standard errors (the nearest: {best}, "
                f"z = {z[best]:.2f}).")  # fmt: skip
    point = next(row for row in rows if row.tag == best)
    return (f"Chosen: {best}, validation NLL {validation_nll(point):.4f} nats a digit against "
            f"the protocol's {validation_nll(own):.4f} ({own.tag}), z = {z[best]:.2f}; it is "
            "trained on every draw next.")  # fmt: skip


def levers_table(base: TrainConfig, rows: list[Row]) -> str:
    """The levers' grid on one draw: what chooses (the validation digits' log q(y|x) at the
    final epoch, against the protocol's own point, the row whose z is 0), then what is read only
    afterwards (test error, generation) and whether each run had settled."""
    head = ["setting", "validation digits right", "validation NLL, nats a digit",
            "z against the protocol's point", "test error %", "judge reads label %",
            *CURVE_HEAD]  # fmt: skip
    measured = [row for row in rows if has_log_q(row)]
    own = next((row for row in measured if row.cfg.loss == base.loss), None)
    lines = []
    for row in rows:
        r, right = row.results, digits_right(row)
        nll = f"{validation_nll(row):.4f}" if row in measured else "–"
        z = f"{paired_z(row, own):.2f}" if row in measured and own else "–"
        lines.append([
            row.tag, f"{right[0]} of {row.cfg.validation}" if right else "–", nll, z,
            mean_std([1 - x["test_accuracy"] for x in r], 100),
            column(r, "generation_fidelity", 100, 1), *curve_cells(row),
        ])  # fmt: skip
    return markdown(head, lines) + "\n"


LEVERS_NOTE = (
    "The levers at 100 labels on draw 0, every other setting the few-label protocol's "
    "(fewlabels/README.md). The rule, written before any point but the protocol's own had "
    "trained: a setting is chosen on the validation digits alone (as many as S holds), at the "
    "final epoch, by how likely it reads their labels, log q(y|x) digit by digit; the "
    "protocol's own point stays unless another's mean is higher by at least "
    f"{LEVERS_Z} standard errors of the paired difference (one-sided, Bonferroni over the "
    "seven other points); of several that do, the largest z, then the first in the grid's "
    "order. The test column is read only afterwards and chooses nothing. A chosen point is then "
    "trained on every draw. A first rule counted digits right, and was replaced before any "
    "other point trained: the protocol's point reads 99 of its 100, so no count could have "
    "told the points apart."
)


FEWLABELS_NOTE = (
    "Protocol (issue 18): labels balanced per class, one label draw per seed (mean ± sd over the "
    "draws; a run still training is left out and the draws column says how many are in), a "
    "validation set of S's own size used only to watch training, and the run measured at its "
    "fixed final epoch (`selection last`): no checkpoint is picked on labelled data. Test error "
    "is read once, on the 10,000 test digits. Generation: 100 samples per label from the "
    "priors, read by the judge CNN (models/judge-mnist; its sha256 is in each run's "
    "result.json); judge FD is the Fréchet distance on its features with the real-vs-real "
    "floor in brackets (not an Inception FID); precision and recall are Kynkäänniemi et al.'s "
    "(2019) k-NN manifolds in the judge's features; CAS is the classification accuracy score "
    "(Ravuri & Vinyals, 2019): the judge's recipe trained on 1,000 generated digits per label "
    "alone, tested on the real test set. Convergence, read from each run's metrics.jsonl "
    "(training/epochs.py): the training objective's fall over the last epochs relative to its "
    "last value, and the share of unlabelled digits whose pseudo-label passed the threshold in "
    "the last epoch; the learning rate is annealed to 0 at the last epoch, so a small fall is "
    "partly the schedule's."
)
