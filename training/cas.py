"""Classification accuracy score (CAS; Ravuri & Vinyals, 2019): train a classifier on generated
digits alone, each labelled with the label it was generated under, and report its accuracy on
the real test set.

It asks what label fidelity cannot: whether the generated digits of each label cover the real
ones' variety well enough to teach a classifier. A generator that draws one perfect digit per
label scores full fidelity but a poor CAS. The classifier is the judge's network trained by the
judge's recipe (`training.judge.train_judge`); the same recipe trained on as many real training
digits (`real_accuracy_score`) is the ceiling a generator is compared with.
"""

from __future__ import annotations

import torch

from training.data import load_mnist, to_float
from training.density import LatentDensity
from training.judge import train_judge
from training.model import LabelModel

EPOCHS = 4
BATCH_SIZE = 128
LR = 3e-3


@torch.no_grad()
def accuracy_on(net: torch.nn.Module, images: torch.Tensor, labels: torch.Tensor) -> float:
    """Accuracy of the judge-shaped `net` on uint8 `images`."""
    hits = 0
    for start in range(0, len(images), 1000):
        logits, _ = net(to_float(images[start : start + 1000]))
        hits += int((logits.argmax(1) == labels[start : start + 1000]).sum())
    return hits / len(images)


def accuracy_score(
    train_images: torch.Tensor,
    train_labels: torch.Tensor,
    test_images: torch.Tensor,
    test_labels: torch.Tensor,
    epochs: int = EPOCHS,
    seed: int = 0,
) -> float:
    """Real test accuracy of the judge recipe trained on float `train_images` in [0, 1]."""
    net = train_judge(train_images, train_labels, epochs, BATCH_SIZE, LR, seed)
    return accuracy_on(net, test_images, test_labels)


@torch.no_grad()
def classification_accuracy_score(
    model: LabelModel,
    test_images: torch.Tensor,
    test_labels: torch.Tensor,
    per_label: int = 1000,
    density: LatentDensity | None = None,
    epochs: int = EPOCHS,
    seed: int = 0,
) -> float:
    """CAS of a model: `per_label` digits per label drawn from its priors (or from a fitted
    `density`), a classifier trained on them alone, its accuracy on the real test digits."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(model.cfg.num_classes).repeat_interleave(per_label)
    if density is None:
        x = model.generate(y, generator=g)
    else:
        x = density.generate(model.decoder, y, generator=g)  # type: ignore[attr-defined]
    with torch.enable_grad():
        return accuracy_score(x, y, test_images, test_labels, epochs, seed)


def real_accuracy_score(
    data_dir: str | None, test_images: torch.Tensor, test_labels: torch.Tensor,
    n: int = 10_000, epochs: int = EPOCHS, seed: int = 0,
) -> float:  # fmt: skip
    """The ceiling of the CAS: the same recipe trained on n real training digits."""
    images, labels = load_mnist("train", data_dir)
    pick = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed))[:n]
    return accuracy_score(
        to_float(images[pick]), labels[pick], test_images, test_labels, epochs, seed
    )
