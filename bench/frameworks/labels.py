"""The check every contender passes before it is timed: the same labels as onnxruntime.

200 MNIST test digits go to the contender as PNG uploads; each answer's label must equal the
one that the service's own preparation and the shipped ONNX files give in this process. A
contender that differs is not timed: it would not be serving the same model.
"""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bench import workload

DIGITS = 200


@dataclass(frozen=True)
class Check:
    matched: int
    total: int
    first_difference: str | None  # "digit 17: got 3, onnxruntime says 5", or the error

    @property
    def passed(self) -> bool:
        return self.matched == self.total


def reference_labels(pngs: Sequence[bytes]) -> list[int]:
    """Labels from onnxruntime in this process, on the service's preparation of each PNG."""
    from bench.frameworks.model import Model  # the service's modules: only where needed

    model = Model.load()
    images = np.stack([model.prepare(png) for png in pngs])  # (N, 1, H, W)
    return [int(k) for k in model.probabilities(images).argmax(axis=1)]


def label_of(body: bytes) -> int:
    """The label of a /classify answer: an object, or (BentoML's) a list of one."""
    answer = json.loads(body)
    if isinstance(answer, list):
        if len(answer) != 1:
            raise ValueError(f"expected one prediction for one upload, got {len(answer)}")
        answer = answer[0]
    return int(answer["label"])


def post(url: str) -> Callable[[bytes], int]:
    """A function that uploads one PNG to `url` as the benchmark does and reads the label."""

    def send(png: bytes) -> int:
        body = workload.multipart("file", "digit.png", png)
        request = urllib.request.Request(url, body, {"Content-Type": workload.MULTIPART})
        with urllib.request.urlopen(request, timeout=30) as response:
            return label_of(response.read())

    return send


def check(
    classify: Callable[[bytes], int], pngs: Sequence[bytes], expected: Sequence[int]
) -> Check:
    """Send every PNG through `classify` and count the labels equal to `expected`."""
    matched, first = 0, None
    for i, (png, want) in enumerate(zip(pngs, expected, strict=True)):
        try:
            got: int | str = classify(png)
        except Exception as e:  # a contender's failure is a finding, not a crash of the bench
            got = f"{type(e).__name__}: {e}"
        if got == want:
            matched += 1
        elif first is None:
            first = f"digit {i}: got {got}, onnxruntime says {want}"
    return Check(matched, len(pngs), first)
