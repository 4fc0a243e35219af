"""The baselines: each model's loss trains, M2's bound enumerates y, interventions keep z."""

from __future__ import annotations

import math

import pytest
import torch

from tests.training.tiny import TINY, bars, losses_over_steps
from training.baselines import CVAE, M2, MODELS, build_model
from training.enumeration import EnumeratedLoss
from training.model import CCVAE
from training.objectives import (
    LossWeights,
    bernoulli_log_likelihood,
    categorical_entropy,
    standard_normal_kl,
)
from training.train import build_objective


def test_build_model_makes_each_kind_and_rejects_others():
    assert [type(build_model(k, TINY)) for k in MODELS] == [CCVAE, CVAE, M2]
    with pytest.raises(ValueError, match="'m3'"):
        build_model("m3", TINY)


@pytest.mark.parametrize("kind", MODELS)
def test_each_models_loss_is_finite_and_decreases_on_a_fixed_batch(kind):
    torch.manual_seed(0)
    model = build_model(kind, TINY)
    weights = LossWeights(beta=0.4, alpha=10.0, consistency=1.0, threshold=0.5, generation=1.0)
    loss_fn = build_objective(kind, model, "simple", weights)
    x_l, y_l, x_u = bars(8), torch.arange(8) % 10, bars(16)
    history = losses_over_steps(loss_fn, model, x_l, y_l, x_u, x_u)
    assert sum(history[-5:]) / 5 < 0.8 * sum(history[:5]) / 5


@pytest.mark.parametrize("kind", ["cvae", "m2"])
def test_unlabelled_loss_enumerates_every_label_weighted_by_q_y_given_x(kind):
    torch.manual_seed(0)
    model = build_model(kind, TINY)
    loss_fn = EnumeratedLoss(model, LossWeights(beta=0.5))  # type: ignore[arg-type]
    x, b, k = bars(4), 4, TINY.num_classes
    torch.manual_seed(1)
    loss, _ = loss_fn.unlabelled(x)
    # By hand with the same noise: one z per (label, image), labels in order, summed over y.
    torch.manual_seed(1)
    h = model.encoder.features(x)
    logits = model.classifier(h)
    eps = torch.randn(k * b, TINY.latent)
    by_hand = torch.zeros(b)
    for label in range(k):
        y = torch.full((b,), label)
        loc, scale = model.posterior(h, y)
        z = loc + scale * eps[label * b : (label + 1) * b]
        rec = -bernoulli_log_likelihood(model.decode(z, y), x)
        by_hand += logits.softmax(-1)[:, label] * (rec + 0.5 * standard_normal_kl(loc, scale))
    entropy = categorical_entropy(logits)
    y_term = math.log(k) - entropy if kind == "m2" else entropy  # M2's KL to p(y); the report's H
    torch.testing.assert_close(loss, (by_hand + y_term).mean())


def test_only_m2s_posterior_reads_the_label():
    torch.manual_seed(0)
    x = bars(3)
    for model, reads_label in ((build_model("cvae", TINY), False), (build_model("m2", TINY), True)):
        h = model.encoder.features(x)
        loc_0, _ = model.posterior(h, torch.zeros(3, dtype=torch.long))
        loc_7, _ = model.posterior(h, torch.full((3,), 7))
        assert (not torch.allclose(loc_0, loc_7)) == reads_label


@pytest.mark.parametrize("kind", ["cvae", "m2"])
def test_intervening_with_the_encoded_label_gives_the_reconstruction(kind):
    torch.manual_seed(0)
    model = build_model(kind, TINY).eval()
    x = bars(5)
    own = model.classify(x).argmax(-1)
    torch.testing.assert_close(model.intervene(x, own), torch.sigmoid(model.reconstruct(x)))
    other = (own + 1) % 10
    assert not torch.allclose(model.intervene(x, other), model.intervene(x, own))


@pytest.mark.parametrize("kind", MODELS)
def test_every_model_generates_images_by_label(kind):
    model = build_model(kind, TINY).eval()
    images = model.generate(torch.arange(10), generator=torch.Generator().manual_seed(0))
    assert images.shape == (10, 1, 28, 28) and images.min() >= 0 and images.max() <= 1


def test_the_papers_objective_is_refused_for_a_baseline():
    with pytest.raises(ValueError, match="'ccvae' applies to the CCVAE only"):
        build_objective("m2", build_model("m2", TINY), "ccvae", LossWeights())
