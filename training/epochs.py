"""A run's per-epoch records, `metrics.jsonl`: one JSON object a line, appended by `ccvae-train`
after each epoch, and what the sweeps read from them besides the claims' curves
(`training.claims`).

The objective's last fall tells whether a run had stopped learning when it stopped:

    fall = (ℓ_{E−w} − ℓ_E) / ℓ_E,   ℓ_e the training objective's mean over epoch e, E the last

With the learning rate annealed to 0 at E (cosine), a small fall is partly the schedule's doing,
so it is read beside the share of unlabelled digits whose pseudo-label passed the threshold,
which stops rising once the classifier has taken in what the unlabelled digits can teach it.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path
from typing import Any

METRICS = "metrics.jsonl"
FALL_WINDOW = 10
"""The epochs w over which the objective's last fall is read."""


def append_epoch(out: Path, record: dict[str, Any]) -> None:
    """Add one epoch's record to the run in `out`."""
    with open(out / METRICS, "a") as f:
        f.write(json.dumps(record) + "\n")


def read_epochs(path: Path) -> list[dict[str, Any]]:
    """Every epoch's record of one `metrics.jsonl`, in epoch order."""
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def epoch_seconds(path: Path) -> dict[str, float]:
    """Mean and fastest wall time of an epoch; the fastest is the least disturbed by the other
    processes that share the machine (and by runs paused for benchmarks)."""
    seconds = [epoch["seconds"] for epoch in read_epochs(path)]
    return {"seconds_per_epoch": statistics.mean(seconds), "seconds_per_epoch_min": min(seconds)}


def last_fall(path: Path, window: int = FALL_WINDOW) -> dict[str, float | None]:
    """The objective's fall over the last `window` epochs (None for a shorter run), and the
    share of unlabelled digits past the pseudo-label threshold in the last epoch (None without
    pseudo-labels)."""
    epochs = read_epochs(path)
    last = epochs[-1]
    fall = None
    if len(epochs) > window:
        fall = (epochs[-1 - window]["loss"] - last["loss"]) / last["loss"]
    return {"objective_fall": fall, "pseudo_share": last.get("pseudo_share")}
