"""The few-label protocol's reports (issue 18): the sweep's table, with whether each run had
stopped learning, and the levers' grid with the setting its rule chooses on validation digits
alone. `training.report` writes them into each sweep's results.md; nothing here trains or
measures.
"""

from __future__ import annotations

from training.config import TrainConfig
from training.epochs import FALL_WINDOW, METRICS, last_fall
from training.tables import Row, column, judge_fd_cell, markdown, mean_std

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


LEVERS_MARGIN = 2
"""Validation digits by which a grid point must beat the protocol's own point to replace it:
one digit of 100 is within the noise of a single draw."""


def digits_right(row: Row) -> list[int]:
    """How many of its validation digits each of a row's runs reads right at its final epoch."""
    return [round(r["val_accuracy"] * row.cfg.validation) for r in row.results]


def levers_choice(base: TrainConfig, rows: list[Row]) -> str:
    """The grid point the rule chooses, decided on validation digits alone: the protocol's own
    point (the sweep's base settings) stays unless another reads at least LEVERS_MARGIN more
    of them right; of several that do, the most, then the first in the grid's order."""
    if any(not row.results for row in rows):
        done = sum(bool(row.results) for row in rows)
        return f"No setting is chosen until every grid point is in ({done} of {len(rows)})."
    right = {row.tag: digits_right(row)[0] for row in rows}
    own = next(row for row in rows if row.cfg.loss == base.loss)
    best = max(right, key=lambda tag: right[tag])  # the first of the most, in the grid's order
    if right[best] - right[own.tag] < LEVERS_MARGIN:
        missed = own.cfg.validation - right[own.tag]
        could = "no other point reads" if missed >= LEVERS_MARGIN else (
            f"of {own.cfg.validation} digits, no other point could read")  # fmt: skip
        return (f"Chosen: the protocol's own point ({own.tag}), {right[own.tag]} validation "
                f"digits right; {could} {LEVERS_MARGIN} more right.")  # fmt: skip
    return (f"Chosen: {best}, {right[best]} validation digits right against the protocol's "
            f"{right[own.tag]} ({own.tag}); it is trained on every draw next.")  # fmt: skip


def levers_table(rows: list[Row]) -> str:
    """The levers' grid on one draw: what chooses (validation digits at the final epoch), then
    what is read only afterwards (test error, generation) and whether each run had settled."""
    head = ["setting", "validation digits right", "test error %", "judge reads label %",
            *CURVE_HEAD]  # fmt: skip
    lines = []
    for row in rows:
        r, right = row.results, digits_right(row)
        lines.append([
            row.tag, f"{right[0]} of {row.cfg.validation}" if right else "–",
            mean_std([1 - x["test_accuracy"] for x in r], 100),
            column(r, "generation_fidelity", 100, 1), *curve_cells(row),
        ])  # fmt: skip
    return markdown(head, lines) + "\n"


LEVERS_NOTE = (
    "The levers at 100 labels on draw 0, every other setting the few-label protocol's "
    "(fewlabels/README.md). The rule, written before the grid ran: a setting is chosen on the "
    "validation digits alone (as many as S holds), at the final epoch; the protocol's own point "
    f"stays unless another reads at least {LEVERS_MARGIN} more of them right (of several that "
    "do, the most, then the first in the grid's order); the test column is read only afterwards "
    "and chooses nothing. A chosen point is then trained on every draw. Where the protocol's "
    f"own point misses fewer than {LEVERS_MARGIN} validation digits, no point can replace it: "
    "the grid then shows what the levers do without choosing among them."
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
