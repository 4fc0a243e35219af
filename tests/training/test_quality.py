"""Quality measures: Fréchet distance against closed forms; precision and recall on known
sets; fidelity, diversity and the classification accuracy score on digits."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from training.cas import accuracy_score, classification_accuracy_score
from training.config import ModelConfig
from training.data import ENV_DATA_DIR, load_mnist, to_float
from training.judge import Judge, load_judge
from training.model import CCVAE
from training.quality import (
    diversity,
    feature_diversity,
    frechet_distance,
    frechet_distance_to,
    label_fidelity,
    precision_recall,
    real_floor,
)

SHIPPED = Path(__file__).resolve().parents[2] / "models" / "judge-mnist"


def gaussian_with_exact_moments(
    rng: np.random.Generator, n: int, mean: np.ndarray, std: np.ndarray
) -> np.ndarray:
    """Samples whose sample mean is `mean` and sample covariance exactly diag(std²)."""
    raw = rng.standard_normal((n, len(mean)))
    q, _ = np.linalg.qr(raw - raw.mean(0))  # orthonormal columns, each centred
    return mean + np.sqrt(n - 1) * q * std


@pytest.fixture(scope="module")
def judge() -> Judge:
    return load_judge(SHIPPED, intra_op_threads=2)


@pytest.fixture(scope="module")
def test_digits() -> tuple[np.ndarray, np.ndarray]:
    directory = os.environ.get(ENV_DATA_DIR)
    if not directory:
        pytest.skip(f"${ENV_DATA_DIR} is unset: no real MNIST digits to score")
    images, labels = load_mnist("test", directory)
    return to_float(images[:2000]).numpy(), labels[:2000].numpy()


def test_frechet_distance_is_zero_for_identical_sets() -> None:
    feats = np.random.default_rng(0).standard_normal((500, 16))
    assert frechet_distance(feats, feats) == pytest.approx(0.0, abs=1e-8)


def test_frechet_distance_matches_closed_form_in_one_dimension() -> None:
    rng = np.random.default_rng(1)
    a = gaussian_with_exact_moments(rng, 300, np.array([0.5]), np.array([2.0]))
    b = gaussian_with_exact_moments(rng, 200, np.array([-1.0]), np.array([0.5]))
    # 1-D: d² = (μ_a − μ_b)² + (σ_a − σ_b)²
    assert frechet_distance(a, b) == pytest.approx(1.5**2 + 1.5**2, rel=1e-9)


def test_frechet_distance_matches_closed_form_for_diagonal_gaussians() -> None:
    rng = np.random.default_rng(2)
    mu_a, mu_b = np.array([0.0, 1.0, -2.0]), np.array([1.0, 1.0, 0.0])
    sd_a, sd_b = np.array([1.0, 2.0, 0.5]), np.array([3.0, 2.0, 1.5])
    a = gaussian_with_exact_moments(rng, 400, mu_a, sd_a)
    b = gaussian_with_exact_moments(rng, 250, mu_b, sd_b)
    # diagonal: d² = ‖μ_a − μ_b‖² + Σ_k (σ_a,k − σ_b,k)²
    expected = ((mu_a - mu_b) ** 2).sum() + ((sd_a - sd_b) ** 2).sum()
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_is_symmetric_and_matches_the_fid_trace() -> None:
    rng = np.random.default_rng(3)
    a = rng.standard_normal((400, 8)) @ rng.standard_normal((8, 8))
    b = rng.standard_normal((300, 8)) @ rng.standard_normal((8, 8)) + 0.3
    d_ab, d_ba = frechet_distance(a, b), frechet_distance(b, a)
    assert d_ab == pytest.approx(d_ba, rel=1e-9)
    # the textbook form: tr((Σ_a Σ_b)^½) = Σ √λ over the (real, positive) eigenvalues of Σ_a Σ_b
    cov_a, cov_b = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    tr_sqrt = np.sqrt(np.linalg.eigvals(cov_a @ cov_b).real).sum()
    expected = ((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(cov_a + cov_b) - 2 * tr_sqrt
    assert d_ab == pytest.approx(expected, rel=1e-9)


def test_frechet_distance_rejects_mismatched_feature_sizes() -> None:
    with pytest.raises(ValueError, match=r"\(3, 4\)"):
        frechet_distance(np.zeros((3, 4)), np.zeros((3, 5)))


def test_label_fidelity_on_true_labels_is_high(
    judge: Judge, test_digits: tuple[np.ndarray, np.ndarray]
) -> None:
    images, labels = test_digits
    overall, per_class = label_fidelity(judge, images, labels)
    assert overall >= 0.99
    assert per_class.shape == (10,)
    assert np.all(per_class >= 0.95)


def test_label_fidelity_on_shuffled_labels_is_chance(
    judge: Judge, test_digits: tuple[np.ndarray, np.ndarray]
) -> None:
    images, labels = test_digits
    shuffled = np.random.default_rng(0).permutation(labels)
    overall, _ = label_fidelity(judge, images, shuffled)
    assert overall == pytest.approx(0.1, abs=0.03)


def test_real_floor_is_far_below_noise(
    judge: Judge, test_digits: tuple[np.ndarray, np.ndarray]
) -> None:
    images, _ = test_digits
    floor = real_floor(judge, images[:1000], images[1000:])
    noise = np.random.default_rng(0).random((1000, 1, 28, 28), dtype=np.float32)
    assert 0.0 < floor < frechet_distance_to(judge, noise, images[1000:]) / 10


def test_diversity_is_zero_for_identical_images() -> None:
    images = np.tile(np.random.default_rng(0).random((1, 1, 28, 28)), (20, 1, 1, 1))
    labels = np.repeat(np.arange(2), 10)
    assert diversity(images, labels) == pytest.approx(0.0, abs=1e-6)


def test_diversity_is_positive_for_different_images(
    judge: Judge, test_digits: tuple[np.ndarray, np.ndarray]
) -> None:
    images, labels = test_digits
    assert diversity(images[:300], labels[:300]) > 0.0
    assert feature_diversity(judge, images[:300], labels[:300]) > 0.0


def test_diversity_matches_a_hand_computed_pair() -> None:
    images = np.zeros((2, 1, 28, 28))
    images[1, 0, 0, :4] = 1.0  # four pixels differ by 1 → distance 2
    assert diversity(images, np.array([3, 3])) == pytest.approx(2.0)


def test_precision_and_recall_are_full_for_one_set_against_itself() -> None:
    feats = np.random.default_rng(3).standard_normal((200, 8))
    assert precision_recall(feats, feats) == (1.0, 1.0)


def test_precision_and_recall_are_zero_for_sets_far_apart() -> None:
    rng = np.random.default_rng(4)
    real, fake = rng.standard_normal((200, 8)), rng.standard_normal((200, 8)) + 100.0
    assert precision_recall(real, fake) == (0.0, 0.0)


def test_a_collapsed_generator_keeps_precision_and_loses_recall() -> None:
    """Samples from one corner of the real distribution: all realistic, most of it missed."""
    rng = np.random.default_rng(5)
    real = rng.standard_normal((400, 2))
    fake = 0.1 * rng.standard_normal((400, 2)) + np.array([1.0, 1.0])
    precision, recall = precision_recall(real, fake)
    assert precision > 0.9 and recall < 0.2


def test_classification_accuracy_score_tells_digits_from_noise(test_digits) -> None:
    """The judge recipe learns real digits from 2,000 of them; an untrained generator's
    digits teach it nothing beyond chance."""
    images, labels = (torch.from_numpy(a) for a in test_digits)
    test_images = (images[1000:] * 255).to(torch.uint8)
    real = accuracy_score(images[:1000], labels[:1000], test_images, labels[1000:], epochs=10)
    torch.manual_seed(0)
    untrained = classification_accuracy_score(
        CCVAE(ModelConfig()), test_images, labels[1000:], per_label=100, epochs=2
    )
    assert real > 0.8 and untrained < 0.3
