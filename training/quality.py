"""Measures of generation quality, read through the independent judge (numpy only).

Images are float arrays (N, 1, 28, 28) in [0, 1], as the judge takes them. Four questions:
does the judge read the intended digit (label fidelity), do generated images sit where real
ones do in the judge's feature space (Fréchet distance, against the real-vs-real floor), does
each generated digit lie on the real digits' manifold and does each real digit have generated
ones near it (precision and recall, Kynkäänniemi et al., 2019), and do the samples of one label
differ from each other (diversity)?

The Fréchet distance here is taken on the features of the project's own judge CNN, not on
Inception-v3's: it is a "judge FD", comparable between runs measured with the same judge, and
with no published FID. (Its result keys keep the name `*_fid` that the committed results and
manifests use.)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from training.judge import Judge

NUM_CLASSES = 10


def label_fidelity(
    judge: Judge, images: np.ndarray, labels: np.ndarray, num_classes: int = NUM_CLASSES
) -> tuple[float, np.ndarray]:
    """Share of images the judge reads as their intended label, overall and per class.

    fidelity = (1/N) Σ_i 1[argmax_k judge(x_i)_k = y_i]; per class c the same mean over the
    images with y_i = c (NaN for a class with no images).
    """
    labels = np.asarray(labels)
    if len(labels) != len(images):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    hit = judge.predict(images) == labels
    per_class = np.full(num_classes, np.nan)
    for c in range(num_classes):
        mask = labels == c
        if mask.any():
            per_class[c] = hit[mask].mean()
    return float(hit.mean()), per_class


def _sqrt_psd(matrix: np.ndarray) -> np.ndarray:
    """Symmetric square root of a positive semi-definite matrix (negative round-off clipped)."""
    w, v = np.linalg.eigh(matrix)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def frechet_distance(feats_a: np.ndarray, feats_b: np.ndarray) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N_a, F) and (N_b, F).

    d² = ‖μ_a − μ_b‖² + tr(Σ_a) + tr(Σ_b) − 2 tr((Σ_a^½ Σ_b Σ_a^½)^½)

    with sample means μ and covariances Σ (ddof = 1). The last trace equals tr((Σ_a Σ_b)^½) of
    the usual FID formula, but Σ_a^½ Σ_b Σ_a^½ is symmetric PSD, so `eigh` gives it stably and
    scipy's `sqrtm` is not needed: the trace is Σ_k √λ_k over its eigenvalues.
    """
    a = np.asarray(feats_a, dtype=np.float64)
    b = np.asarray(feats_b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"feature sets must be (N, F) with equal F, not {a.shape} and {b.shape}")
    if len(a) < 2 or len(b) < 2:
        raise ValueError(f"need at least 2 samples per set, not {len(a)} and {len(b)}")
    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a = np.atleast_2d(np.cov(a, rowvar=False))
    cov_b = np.atleast_2d(np.cov(b, rowvar=False))
    root_a = _sqrt_psd(cov_a)
    middle = root_a @ cov_b @ root_a
    eig = np.linalg.eigvalsh((middle + middle.T) / 2)  # symmetrise away round-off
    tr_sqrt = np.sqrt(np.clip(eig, 0.0, None)).sum()
    d2 = ((mu_a - mu_b) ** 2).sum() + np.trace(cov_a) + np.trace(cov_b) - 2 * tr_sqrt
    return float(max(d2, 0.0))  # NOTE: identical sets can land a hair below 0 in floating point


def frechet_distance_to(judge: Judge, images: np.ndarray, reference_images: np.ndarray) -> float:
    """Fréchet distance between images and reference images in the judge's feature space."""
    return frechet_distance(judge.features(images), judge.features(reference_images))


def real_floor(judge: Judge, reference_a: np.ndarray, reference_b: np.ndarray) -> float:
    """Fréchet distance between two disjoint sets of real images: the best a generator can hope for.

    The distance has a positive bias that shrinks with sample size, so a generated set is
    compared fairly with this floor only when both use sets of the same size (e.g. two halves of
    the test set, each as large as the generated set). Split at random, not by index: MNIST's
    test set is ordered by writer population, and its first and last 5,000 images are ten times
    further apart (d² ≈ 32 with the shipped judge) than two random halves (≈ 3).
    """
    return frechet_distance_to(judge, reference_a, reference_b)


def pairwise_distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances (N_a, N_b) between the rows of a and of b, from one Gram matrix."""
    a = np.asarray(a, dtype=np.float64).reshape(len(a), -1)
    b = np.asarray(b, dtype=np.float64).reshape(len(b), -1)
    d2 = (a**2).sum(1)[:, None] + (b**2).sum(1)[None, :] - 2 * (a @ b.T)
    return np.sqrt(np.clip(d2, 0.0, None))


def knn_radii(feats: np.ndarray, k: int) -> np.ndarray:
    """Each row's distance to its k-th nearest other row (N,)."""
    if len(feats) <= k:
        raise ValueError(f"need more than k={k} samples for k-NN radii, not {len(feats)}")
    d = pairwise_distances(feats, feats)
    return np.sort(d, axis=1)[:, k]  # column 0 is the row itself


def manifold_coverage(points: np.ndarray, support: np.ndarray, k: int) -> float:
    """Share of `points` inside the k-NN manifold of `support`: within the k-NN radius of at
    least one support point, f(φ) = 1[∃ φ' ∈ support: ‖φ − φ'‖ ≤ r_k(φ')]."""
    radii = knn_radii(support, k)
    return float((pairwise_distances(points, support) <= radii[None, :]).any(1).mean())


def precision_recall(
    real_feats: np.ndarray, fake_feats: np.ndarray, k: int = 3
) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al., 2019) of feature sets (N, F).

    precision = share of generated samples on the real manifold (fidelity);
    recall = share of real samples on the generated manifold (coverage of the real variety);
    each manifold the union of balls around its points, of radius the k-th neighbour distance.
    """
    return manifold_coverage(fake_feats, real_feats, k), manifold_coverage(
        real_feats, fake_feats, k
    )


def mean_pairwise_distance(samples: np.ndarray) -> float:
    """Mean Euclidean distance over all pairs i < j of the rows of (N, D) samples.

    ‖x_i − x_j‖² = ‖x_i‖² + ‖x_j‖² − 2 x_i·x_j, from one Gram matrix (memory O(N²)).
    """
    x = np.asarray(samples, dtype=np.float64).reshape(len(samples), -1)
    n = len(x)
    if n < 2:
        raise ValueError(f"need at least 2 samples for a pairwise distance, not {n}")
    sq = (x**2).sum(1)
    d2 = sq[:, None] + sq[None, :] - 2 * (x @ x.T)
    iu = np.triu_indices(n, k=1)
    return float(np.sqrt(np.clip(d2[iu], 0.0, None)).mean())


def diversity(samples: np.ndarray, labels: np.ndarray, max_per_label: int | None = 1000) -> float:
    """Within-label diversity: mean pairwise L2 distance among samples of one label, averaged.

    D = (1/|C|) Σ_{c ∈ C} mean_{i<j, y_i=y_j=c} ‖x_i − x_j‖₂, over the labels C with at least
    two samples. `samples` are pixels (N, 1, 28, 28) or any (N, ...) array such as judge
    features; only the first `max_per_label` of each label are used, to bound the O(N²) cost.
    A generator that ignores its style latent scores 0.
    """
    labels = np.asarray(labels)
    if len(labels) != len(samples):
        raise ValueError(f"{len(samples)} samples but {len(labels)} labels")
    scores = []
    for c in np.unique(labels):
        group = samples[labels == c][:max_per_label]
        if len(group) >= 2:
            scores.append(mean_pairwise_distance(group))
    if not scores:
        raise ValueError("no label has at least 2 samples")
    return float(np.mean(scores))


def feature_diversity(
    judge: Judge, images: np.ndarray, labels: np.ndarray, max_per_label: int | None = 1000
) -> float:
    """Within-label diversity measured on the judge's features rather than on pixels.

    Less sensitive than pixels to shifts of a few pixels, more to changes of shape and style.
    """
    return diversity(judge.features(images), labels, max_per_label)
