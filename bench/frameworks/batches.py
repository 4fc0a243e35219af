"""Batch sizes a contender actually formed, read before and after each load run.

Framework apps append one line per model call to a log file (bench/frameworks/model.py); the
service reports its own in the `ccvae_batch_size` histogram of GET /metrics, whose buckets give
a call's size only as the bucket's upper bound (so its `largest` is that bound).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

METRIC = "ccvae_batch_size"


@dataclass(frozen=True)
class Batches:
    """Model calls so far: how many, the images they carried, and calls per size (or bound)."""

    calls: int
    images: int
    sizes: dict[float, int] = field(default_factory=dict)

    @property
    def mean(self) -> float:
        return self.images / self.calls if self.calls else float("nan")

    @property
    def largest(self) -> float:
        return max((s for s, n in self.sizes.items() if n > 0), default=float("nan"))

    def __sub__(self, before: Batches) -> Batches:
        """The calls made between two readings of the same contender."""
        sizes = {s: n - before.sizes.get(s, 0) for s, n in self.sizes.items()}
        return Batches(self.calls - before.calls, self.images - before.images, sizes)


def from_log(path: Path) -> Batches:
    """Every batch logged in `path`, one size a line (no file yet: no batch yet)."""
    sizes = [int(x) for x in path.read_text().split()] if path.exists() else []
    return Batches(len(sizes), sum(sizes), {float(s): n for s, n in Counter(sizes).items()})


def from_metrics(text: str) -> Batches:
    """The service's batch-size histogram, summed over its label sets (bucket bound -> calls)."""
    calls = images = 0.0
    cumulative: dict[str, list[tuple[float, float]]] = {}
    for line in text.splitlines():
        if not line.startswith(METRIC):
            continue
        name_labels, value = line.rsplit(" ", 1)
        if name_labels.startswith(f"{METRIC}_count"):
            calls += float(value)
        elif name_labels.startswith(f"{METRIC}_sum"):
            images += float(value)
        elif (le := re.search(r'le="([^"]+)"', name_labels)) is not None:
            key = re.sub(r',?le="[^"]+"', "", name_labels)
            bound = math.inf if le.group(1) == "+Inf" else float(le.group(1))
            cumulative.setdefault(key, []).append((bound, float(value)))
    sizes: Counter[float] = Counter()
    for buckets in cumulative.values():
        below = 0.0
        for bound, count in sorted(buckets):
            sizes[bound] += int(count - below)
            below = count
    return Batches(int(calls), int(images), dict(sizes))
