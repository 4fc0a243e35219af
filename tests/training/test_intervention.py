"""The style measures of an intervention read what they claim to read."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from tests.conftest import REPO
from tests.training.tiny import TINY
from training.data import load_mnist, to_float
from training.intervention import (
    centred_correlation,
    intervention_quality,
    intervention_targets,
    slant,
    stroke_thickness,
)
from training.judge import load_judge
from training.model import CCVAE


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


class HalfIntervention(torch.nn.Module):
    """Leaves every even-indexed digit as it is; replaces every odd one by a real test digit of
    the new label (another writer's). Half the interventions fail and keep all their style,
    half succeed and keep none of it."""

    def __init__(self, images: torch.Tensor, labels: torch.Tensor) -> None:
        super().__init__()
        self.images, self.labels = to_float(images), labels
        self.unused = torch.nn.Parameter(torch.zeros(1))  # intervention_quality reads a device

    def intervene(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        out = x.clone()
        g = torch.Generator().manual_seed(1)
        for i in range(1, len(x), 2):
            pool = (self.labels == y[i]).nonzero().squeeze(1)
            out[i] = self.images[pool[torch.randint(len(pool), (1,), generator=g)]]
        return out


def test_style_is_scored_again_on_only_the_digits_whose_label_changed(mnist_dir):
    images, labels = load_mnist("test", mnist_dir)
    judge = load_judge(REPO / "models" / "judge-mnist")
    r = intervention_quality(HalfIntervention(images, labels), judge, images, labels, n=400)
    assert r["intervention_fidelity"] == pytest.approx(0.5, abs=0.03)
    # Over every digit, the unchanged half makes the style look half kept ...
    assert r["intervention_thickness_corr"] > 0.3 and r["intervention_style_ratio"] < 0.7
    # ... over the digits that did change, nothing of the writer is left.
    assert abs(r["intervention_thickness_corr_changed"]) < 0.2
    assert abs(r["intervention_slant_corr_changed"]) < 0.2
    assert r["intervention_style_ratio_changed"] == pytest.approx(1.0, abs=0.1)


@torch.no_grad()
def test_keep_carries_z_c_s_own_offset_into_the_new_label():
    torch.manual_seed(0)
    model = CCVAE(TINY).eval()
    x = torch.rand(6, 1, 28, 28)
    own = model.classify(x).argmax(-1)
    new = (own + 1) % 10
    mu_new = model.prior(new)[0]
    z_s = model.split(model.encoder(x)[0])[1]
    prior_mean = torch.sigmoid(model.decoder(torch.cat([mu_new, z_s], -1)))
    # keep 0 is the report's intervention: z_c ← the new label's prior mean
    torch.testing.assert_close(model.intervene(x, new), prior_mean)
    torch.testing.assert_close(model.intervene(x, new, keep=0.0), prior_mean)
    # keep 1 to the digit's own label moves nothing: it is the reconstruction
    reconstruction = torch.sigmoid(model.reconstruct(x))
    torch.testing.assert_close(model.intervene(x, own, keep=1.0), reconstruction)
    # in between, the result moves away from the prior mean as keep grows
    gaps = [(model.intervene(x, new, keep=k) - prior_mean).abs().mean() for k in (0.25, 0.5, 1)]
    assert 0 < gaps[0] < gaps[1] < gaps[2]
