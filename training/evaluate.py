"""`ccvae-evaluate`: test accuracy, per-class accuracy, confusion matrix, reconstruction error."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from training.cas import classification_accuracy_score, real_accuracy_score
from training.checkpoint import checkpoint_parser, load_model
from training.data import load_mnist, to_float
from training.density import LatentDensity
from training.judge import Judge, load_judge
from training.model import CCVAE
from training.quality import diversity, frechet_distance, label_fidelity, precision_recall


@torch.no_grad()
def evaluate(
    model: CCVAE, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000
) -> dict[str, Any]:
    """Classification by q(y|z_c = posterior mean) and reconstruction from the posterior mean.

    Baselines answer through the same two methods: q(y|x), and the posterior mean of z under
    q(y|x)'s label.

    Runs on the model's device; the images and labels stay on the CPU until batched.

    `reconstruction_bce` is the Bernoulli negative log-likelihood in nats per image;
    `reconstruction_mse` the mean squared pixel error, the figure people compare across models.
    """
    was_training = model.training
    device = next(model.parameters()).device
    model.eval()
    k = model.cfg.num_classes
    confusion = torch.zeros(k, k, dtype=torch.long)
    bce = mse = 0.0
    for start in range(0, len(images), batch_size):
        x = to_float(images[start : start + batch_size]).to(device)
        y = labels[start : start + batch_size]
        pred = model.classify(x).argmax(-1).cpu()
        confusion += torch.bincount(y * k + pred, minlength=k * k).view(k, k)
        logits = model.reconstruct(x)
        bce += float(F.binary_cross_entropy_with_logits(logits, x, reduction="sum"))
        mse += float((torch.sigmoid(logits) - x).pow(2).mean((1, 2, 3)).sum())
    model.train(was_training)
    per_class = (confusion.diag().float() / confusion.sum(1).clamp(min=1)).tolist()
    return {
        "accuracy": int(confusion.diag().sum()) / int(confusion.sum()),
        "per_class_accuracy": [round(a, 4) for a in per_class],
        "confusion_matrix": confusion.tolist(),
        "reconstruction_bce": bce / len(images),
        "reconstruction_mse": mse / len(images),
        "images": len(images),
    }


@torch.no_grad()
@torch.no_grad()
def labelled_loss(
    objective: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000
) -> float:
    """The objective's labelled loss per image on held-out digits: eval mode, no augmentation,
    its sampling on a forked random state, so that measuring leaves training's draws as they
    were (and resume exact)."""
    model = objective.model
    device = next(model.parameters()).device
    was_training = model.training
    model.eval()
    total = 0.0
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        for start in range(0, len(images), batch_size):
            x = to_float(images[start : start + batch_size]).to(device)
            loss, _ = objective.labelled(x, labels[start : start + batch_size].to(device))
            total += float(loss) * len(x)
    model.train(was_training)
    return total / max(1, len(images))


@torch.no_grad()
def label_log_likelihoods(
    model: CCVAE, images: torch.Tensor, labels: torch.Tensor, batch_size: int = 1000
) -> list[float]:
    """log q(y_i|x_i) of each digit under the classifier `evaluate` reads (its argmax is the
    prediction there): a measure of fit that keeps moving where accuracy has saturated, and,
    digit by digit, comparable between two models read on the same digits."""
    was_training = model.training
    device = next(model.parameters()).device
    model.eval()
    out = []
    for start in range(0, len(images), batch_size):
        x = to_float(images[start : start + batch_size]).to(device)
        log_q = model.classify(x).log_softmax(-1).cpu()
        out += log_q.gather(1, labels[start : start + batch_size, None]).squeeze(1).tolist()
    model.train(was_training)
    return out


def generation_quality(
    model: CCVAE,
    judge: Judge,
    reference: torch.Tensor,
    per_label: int = 100,
    seed: int = 0,
    density: LatentDensity | None = None,
) -> dict[str, Any]:
    """How well generation by label works, read by the independent judge CNN.

    Draws `per_label` images per label from z_c ~ p(z_c|y), z_s ~ N(0, I) and reports the share
    the judge reads as y (overall and per label), the Fréchet distance on the judge's features
    (a judge FD, `generation_fid`; not an Inception FID) against as many real test digits,
    beside the real-vs-real floor (two disjoint real sets of that size), precision and recall
    in the judge's feature space against the same real digits (k = 3), and the within-label
    diversity (mean pairwise pixel distance). With a fitted `density`, z is drawn from it
    instead of the priors.
    """
    g = torch.Generator().manual_seed(seed)
    k = model.cfg.num_classes
    y = torch.arange(k).repeat_interleave(per_label)
    if density is None:
        samples = model.generate(y, generator=g).numpy()
    else:
        samples = density.generate(model.decoder, y, generator=g).numpy()
    fidelity, per_class = label_fidelity(judge, samples, y.numpy(), k)
    n = len(samples)
    # NOTE: its own generator, so every model is compared with the same real digits and the
    # floor is one number for a whole results table.
    pick = torch.randperm(len(reference), generator=torch.Generator().manual_seed(seed))
    real_a = to_float(reference[pick[:n]]).numpy()
    real_b = to_float(reference[pick[n : 2 * n]]).numpy()
    feats, feats_a, feats_b = (judge.features(x) for x in (samples, real_a, real_b))
    precision, recall = precision_recall(feats_a, feats)
    return {
        "generation_fidelity": fidelity,
        "generation_fidelity_min": float(np.nanmin(per_class)),
        "generation_fidelity_per_class": [round(float(v), 3) for v in per_class],
        "generation_fid": frechet_distance(feats, feats_a),
        "generation_fid_floor": frechet_distance(feats_a, feats_b),
        "generation_precision": precision,
        "generation_recall": recall,
        "generation_diversity": diversity(samples, y.numpy()),
        "real_diversity": diversity(real_a, np.zeros(n)),
        "generation_samples_per_label": per_label,
    }


def main(argv: list[str] | None = None) -> None:
    p = checkpoint_parser("ccvae-evaluate", __doc__)
    p.add_argument("--data-dir", default=None, help="MNIST IDX files (default $CCVAE_MNIST_DIR)")
    p.add_argument("--split", choices=("test", "train"), default="test")
    p.add_argument(
        "--judge",
        default="models/judge-mnist",
        help="independent CNN that reads generated digits ('' to skip)",
    )
    p.add_argument(
        "--cas",
        action="store_true",
        help="also the classification accuracy score: a classifier trained on 1,000 generated "
        "digits per label, tested on the real test set, beside the same recipe on 10,000 real "
        "training digits (minutes on a CPU)",
    )
    p.add_argument("--out", default=None, help="also write the results as JSON here")
    args = p.parse_args(argv)
    model, _ = load_model(args.checkpoint)
    images, labels = load_mnist(args.split, args.data_dir)
    results = evaluate(model, images, labels)
    if args.judge:
        results.update(generation_quality(model, load_judge(args.judge), images))
    if args.cas:
        results["classification_accuracy_score"] = classification_accuracy_score(
            model, images, labels
        )
        results["classification_accuracy_score_real"] = real_accuracy_score(
            args.data_dir, images, labels
        )
    text = json.dumps(results, indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
