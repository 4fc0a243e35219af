"""The tables' cells: one configuration's row of runs, a measure's mean ± std over its runs, and
the markdown a table is written in. Nothing here trains or measures."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from pathlib import Path

from training.config import TrainConfig


@dataclass
class Row:
    """One configuration of a sweep: its tag, config (seed aside), and its measured runs, with
    each run's folder and seed (its label draw) in the same order."""

    tag: str
    cfg: TrainConfig
    results: list[dict]
    dirs: list[Path]
    seeds: list[int] = field(default_factory=list)


def mean_std(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    if not values:
        return "–"
    mean = statistics.mean(values) * scale
    if len(values) == 1:
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {statistics.stdev(values) * scale:.{digits}f}"


def measured(results: list[dict], key: str) -> list[float]:
    """One measure's values over the runs that have it (None: not measurable there)."""
    return [r[key] for r in results if r.get(key) is not None]


def column(results: list[dict], key: str, scale: float = 1.0, digits: int = 2) -> str:
    """mean ± std of one measure over the runs that have it."""
    return mean_std(measured(results, key), scale, digits)


def markdown(head: list[str], lines: list[list[str]]) -> str:
    """A markdown table of a header and its lines of cells."""
    rule = "|" + "---|" * len(head)
    return "\n".join(
        ["| " + " | ".join(head) + " |", rule]
        + ["| " + " | ".join(cells) + " |" for cells in lines]
    )


def judge_fd_cell(results: list[dict]) -> str:
    """The judge FD (Fréchet distance on the judge's features, stored as `generation_fid`),
    with the real-vs-real floor in brackets where it was measured."""
    fid = column(results, "generation_fid", digits=1)
    if results and "generation_fid_floor" in results[0]:
        fid += f" ({column(results, 'generation_fid_floor', digits=1)})"
    return fid
