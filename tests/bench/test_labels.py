"""The label check: answers of either shape, a mismatch named, a failing contender counted."""

from __future__ import annotations

import json

import pytest

from bench.frameworks.labels import check, label_of


def test_label_of_reads_an_object_and_a_list_of_one() -> None:
    answer = {"label": 7, "class_name": "7", "probabilities": [0.0] * 10}
    assert label_of(json.dumps(answer).encode()) == 7
    assert label_of(json.dumps([answer]).encode()) == 7  # BentoML's batchable API


def test_label_of_refuses_a_list_of_several() -> None:
    with pytest.raises(ValueError, match="one prediction"):
        label_of(json.dumps([{"label": 1}, {"label": 2}]).encode())


def test_check_passes_only_when_every_label_matches() -> None:
    pngs = [b"a", b"b", b"c"]
    labels = {b"a": 1, b"b": 2, b"c": 3}
    assert check(labels.__getitem__, pngs, [1, 2, 3]).passed
    result = check(labels.__getitem__, pngs, [1, 5, 3])
    assert not result.passed
    assert (result.matched, result.total) == (2, 3)
    assert result.first_difference == "digit 1: got 2, onnxruntime says 5"


def test_check_counts_a_contender_that_errors_as_a_mismatch() -> None:
    def broken(png: bytes) -> int:
        raise OSError("HTTP Error 500")

    result = check(broken, [b"a", b"b"], [0, 0])
    assert result.matched == 0
    assert result.first_difference is not None and "HTTP Error 500" in result.first_difference
