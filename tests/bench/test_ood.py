"""bench/ood.py: the measures, and one small run of the command on the shipped model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from bench import ood, ood_inputs
from tests.service.conftest import SHIPPED


def test_auroc_is_the_share_of_pairs_ranked_right_with_ties_counted_half() -> None:
    assert ood.auroc(np.array([0.0, 1.0]), np.array([2.0, 3.0])) == 1.0
    assert ood.auroc(np.array([2.0, 3.0]), np.array([0.0, 1.0])) == 0.0
    assert ood.auroc(np.array([1.0, 1.0]), np.array([1.0, 1.0])) == 0.5
    assert ood.auroc(np.array([0.0, 2.0]), np.array([1.0, 3.0])) == 0.75


def test_fpr_at_95_is_the_inside_share_above_the_outside_5th_percentile() -> None:
    outside = np.arange(100.0)  # the threshold that detects 95 % of these is 4.95
    assert ood.fpr_at(np.array([0.0, 4.0, 5.0, 50.0]), outside) == 0.5


def test_every_family_makes_grey_images_of_the_number_asked(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    for name, make in ood_inputs.FAMILIES.items():
        images = make(rng, 3)
        assert images and all(i.dtype == np.uint8 and i.ndim == 2 for i in images), name
        assert len(images) == 3 or name == "letters"


def test_bench_ood_writes_the_json_and_the_table(tmp_path: Path) -> None:
    ood.main(["--model-dir", str(SHIPPED), "--out", str(tmp_path), "--per-family", "8",
              "--digits", "300", "--cost-requests", "20"])  # fmt: skip
    result = json.loads((tmp_path / "results.json").read_text())
    assert result["families"]["checkerboards"]["refused"] == 8  # never reach the model
    noise = result["families"]["uniform noise"]
    assert noise["flagged"] == 1.0 and noise["score"]["auroc"] == pytest.approx(1.0)
    assert set(result["pooled"]) >= {"images", "flagged", *ood.SCORES}
    assert result["cost"]["ratio"] > 0
    assert "| **pooled** |" in (tmp_path / "results.md").read_text()
