"""The style measures of an intervention read what they claim to read."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from training.intervention import (
    centred_correlation,
    intervention_targets,
    slant,
    stroke_thickness,
)


def _stroke(width: int, shear: float = 0.0) -> np.ndarray:
    """A vertical stroke `width` pixels wide, its top moved `shear` pixels right per row up."""
    img = np.zeros((1, 28, 28), dtype=np.float32)
    for row in range(4, 24):
        left = round(12 + shear * (14 - row))
        img[0, row, left : left + width] = 1.0
    return img


@pytest.mark.parametrize("width", [2, 3, 5])
def test_stroke_thickness_reads_the_width_in_pixels(width):
    assert stroke_thickness(_stroke(width)[None]) == pytest.approx(width, rel=0.25)


def test_thicker_strokes_read_thicker():
    widths = stroke_thickness(np.stack([_stroke(w) for w in (1, 2, 3, 4, 5)]))
    assert np.all(np.diff(widths) > 0)


def test_slant_is_positive_when_the_top_leans_right():
    upright, right, left = (slant(_stroke(3, s)[None])[0] for s in (0.0, 0.3, -0.3))
    assert abs(upright) < 0.02 and right > 0.2 and left < -0.2
    assert right == pytest.approx(0.3, abs=0.05)


def test_centred_correlation_ignores_each_groups_offset():
    rng = np.random.default_rng(0)
    a = rng.normal(size=200)
    groups_a, groups_b = np.arange(200) % 4, (np.arange(200) + 1) % 4
    b = a + 10.0 * groups_b  # the same values, shifted by a per-group constant
    assert centred_correlation(a, b, groups_a, groups_b) == pytest.approx(1.0, abs=0.02)
    assert abs(centred_correlation(a, rng.normal(size=200), groups_a, groups_b)) < 0.2


def test_intervention_targets_are_always_another_label():
    labels = torch.arange(10).repeat(50)
    targets = intervention_targets(labels, 10, torch.Generator().manual_seed(0))
    assert not (targets == labels).any()
    assert set(targets.tolist()) == set(range(10))
