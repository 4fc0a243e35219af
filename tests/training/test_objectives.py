"""The loss terms match their equations, and both objectives train."""

from __future__ import annotations

import math

import pytest
import torch
from torch.distributions import Categorical, Normal, kl_divergence

from tests.training.tiny import TINY, bars, losses_over_steps
from training.model import CCVAE
from training.objectives import (
    LossWeights,
    SemiSupervisedLoss,
    bernoulli_log_likelihood,
    categorical_entropy,
    gaussian_kl,
    standard_normal_kl,
)


def test_gaussian_kl_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    lq, lp = torch.randn(5, 6, generator=g), torch.randn(5, 6, generator=g)
    sq, sp = torch.rand(5, 6, generator=g) + 0.1, torch.rand(5, 6, generator=g) + 0.1
    expected = kl_divergence(Normal(lq, sq), Normal(lp, sp)).sum(-1)
    torch.testing.assert_close(gaussian_kl(lq, sq, lp, sp), expected)


def test_gaussian_kl_broadcasts_to_every_prior_at_once():
    lq, sq = torch.randn(5, 6), torch.rand(5, 6) + 0.1
    lp, sp = torch.randn(10, 6), torch.rand(10, 6) + 0.1
    pairwise = gaussian_kl(lq[:, None], sq[:, None], lp[None], sp[None])
    assert pairwise.shape == (5, 10)
    torch.testing.assert_close(pairwise[3, 7], gaussian_kl(lq[3], sq[3], lp[7], sp[7]))


def test_standard_normal_kl_matches_torch_distributions():
    loc, scale = torch.randn(4, 3), torch.rand(4, 3) + 0.1
    expected = kl_divergence(Normal(loc, scale), Normal(0.0, 1.0)).sum(-1)
    torch.testing.assert_close(standard_normal_kl(loc, scale), expected)


def test_bernoulli_log_likelihood_sums_over_pixels():
    logits, x = torch.randn(2, 1, 28, 28), torch.rand(2, 1, 28, 28)
    manual = x * torch.sigmoid(logits).log() + (1 - x) * (1 - torch.sigmoid(logits)).log()
    torch.testing.assert_close(
        bernoulli_log_likelihood(logits, x), manual.flatten(1).sum(1), rtol=1e-4, atol=1e-3
    )


def test_categorical_entropy_matches_torch_and_is_log_k_when_uniform():
    logits = torch.randn(3, 10)
    torch.testing.assert_close(categorical_entropy(logits), Categorical(logits=logits).entropy())
    assert categorical_entropy(torch.zeros(1, 10)).item() == pytest.approx(math.log(10))


def test_unlabelled_kl_enumerates_every_label_weighted_by_the_classifier():
    torch.manual_seed(0)
    model = CCVAE(TINY)
    loss = SemiSupervisedLoss(model, "simple", LossWeights(beta=1.0))
    x = torch.rand(4, 1, 28, 28)
    torch.manual_seed(1)
    _, terms = loss.unlabelled(x)
    # Recompute by hand with the same noise: one z sample, then an explicit sum over y.
    torch.manual_seed(1)
    loc, scale = model.encoder(x)
    z = loc + scale * torch.randn_like(scale)
    q_y = model.classifier(z[:, : TINY.latent_c]).softmax(-1)
    by_hand = torch.zeros(4)
    for y in range(10):
        p_loc, p_scale = model.prior(torch.full((4,), y))
        kl = gaussian_kl(loc[:, : TINY.latent_c], scale[:, : TINY.latent_c], p_loc, p_scale)
        by_hand += q_y[:, y] * kl
    torch.testing.assert_close(terms["kl_c_u"], by_hand.mean())


@pytest.mark.parametrize("objective", ["simple", "ccvae"])
def test_objective_is_finite_and_decreases_on_a_fixed_batch(objective):
    torch.manual_seed(0)
    model = CCVAE(TINY)
    weights = LossWeights(beta=0.4, alpha=10.0, generation=0.0)
    loss_fn = SemiSupervisedLoss(model, objective, weights)
    x_l, y_l = bars(8), torch.arange(8) % 10
    x_u = bars(16)
    history = losses_over_steps(loss_fn, model, x_l, y_l, x_u)
    assert sum(history[-5:]) / 5 < 0.8 * sum(history[:5]) / 5


def test_objective_rejects_an_unknown_name():
    with pytest.raises(ValueError, match="'m3'"):
        SemiSupervisedLoss(CCVAE(TINY), "m3", LossWeights())


def test_generation_term_trains_only_the_decoder_and_the_prior():
    torch.manual_seed(0)
    model = CCVAE(TINY)
    loss_fn = SemiSupervisedLoss(model, "simple", LossWeights(generation=1.0))
    loss, terms = loss_fn.generated(batch=16)
    loss.backward()
    assert model.encoder.head.weight.grad is None and model.classifier.weight.grad is None
    assert model.decoder.body[0].weight.grad.abs().sum() > 0
    assert model.prior.embedding.weight.grad.abs().sum() > 0
    assert 0 <= terms["acc_gen"] <= 1 and terms["ce_gen"] > 0


def test_pseudo_labels_count_only_confident_digits():
    torch.manual_seed(0)
    model = CCVAE(TINY)
    loss_fn = SemiSupervisedLoss(model, "simple", LossWeights(consistency=1.0, threshold=0.99))
    x = bars(12)
    _, terms = loss_fn.unlabelled(x, x_clean=x)
    assert terms["pseudo_share"] == 0.0  # an untrained classifier is never 99 % sure
    lenient = SemiSupervisedLoss(model, "simple", LossWeights(consistency=1.0, threshold=0.0))
    _, terms = lenient.unlabelled(x, x_clean=x)
    assert terms["pseudo_share"] == 1.0 and terms["pseudo"] > 0
