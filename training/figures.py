"""`ccvae-figures`: the report's pictures as PNG files.

reconstructions.png   test digits (odd rows) over their reconstructions (even rows)
generation.png        a row per label: z_c ~ p(z_c|y), z_s ~ N(0, I)
generation_density.png
                      the same from the density fitted to the training digits' codes (--density)
interpolation_labels_A-B.png
                      z_s held fixed per row, z_c moving from label A's prior mean to label B's
interpolation_images.png
                      the posterior means of two test digits, linearly interpolated
intervention.png      each row a test digit's z_s under every label's prior mean of z_c
curves.png            validation accuracy and the training loss terms per epoch
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import torch

from training.checkpoint import checkpoint_parser, load_model
from training.data import load_mnist, to_float
from training.density import LatentDensity, checkpoint_density
from training.epochs import METRICS, read_epochs
from training.model import CCVAE, LabelModel


def tile(images: torch.Tensor, rows: int) -> np.ndarray:
    """(R·C, 1, H, W) in [0, 1] → one (R·(H+1), C·(W+1)) array with a 1-px gap between cells."""
    n, _, h, w = images.shape
    cols = n // rows
    canvas = np.ones((rows * (h + 1) - 1, cols * (w + 1) - 1), dtype=np.float32)
    for i, img in enumerate(images[: rows * cols, 0].cpu().numpy()):
        r, c = divmod(i, cols)
        canvas[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = img
    return canvas


def save_grid(path: Path, images: torch.Tensor, rows: int, title: str,
              row_labels: list[str] | None = None) -> None:  # fmt: skip
    cols = len(images) // rows
    fig, ax = plt.subplots(figsize=(0.45 * cols + 0.6, 0.45 * rows + 0.5), dpi=110)
    ax.imshow(tile(images, rows), cmap="gray", vmin=0, vmax=1)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    if row_labels:
        ax.set_yticks([r * 29 + 14 for r in range(rows)], row_labels, fontsize=8)
    else:
        ax.set_yticks([])
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


@torch.no_grad()
def reconstructions(model: CCVAE, x: torch.Tensor) -> torch.Tensor:
    """Rows alternate originals and reconstructions from the posterior mean."""
    rec = torch.sigmoid(model.reconstruct(x))
    return torch.stack([x.view(-1, 10, 1, 28, 28), rec.view(-1, 10, 1, 28, 28)], 1).flatten(0, 2)


@torch.no_grad()
def interpolate_labels(model: CCVAE, start: int, end: int, steps: int, rows: int,
                       generator: torch.Generator) -> torch.Tensor:  # fmt: skip
    """Rows of `steps` images: one style z_s per row, z_c from start's to end's prior mean."""
    locs, _ = model.all_priors()
    t = torch.linspace(0, 1, steps)[:, None]
    z_c = (1 - t) * locs[start] + t * locs[end]  # (steps, Dc)
    z_s = torch.randn(rows, model.cfg.latent_s, generator=generator)
    z = torch.cat([z_c.repeat(rows, 1), z_s.repeat_interleave(steps, 0)], -1)
    return torch.sigmoid(model.decoder(z))


@torch.no_grad()
def interpolate_images(model: CCVAE, a: torch.Tensor, b: torch.Tensor, steps: int) -> torch.Tensor:
    """Each row: the posterior mean of a[i] moving linearly to that of b[i]."""
    za, zb = model.encoder(a)[0], model.encoder(b)[0]
    t = torch.linspace(0, 1, steps)[None, :, None]
    z = ((1 - t) * za[:, None] + t * zb[:, None]).flatten(0, 1)
    return torch.sigmoid(model.decoder(z))


@torch.no_grad()
def intervene(model: LabelModel, x: torch.Tensor) -> torch.Tensor:
    """Row i: digit i, then digit i with its label part set to each label in turn.

    For the CCVAE its style z_s under each label's prior mean of z_c; for a baseline its z
    under each y (see each model's `intervene`).
    """
    k = model.cfg.num_classes
    y = torch.arange(k).repeat(len(x))
    out = model.intervene(x.repeat_interleave(k, 0), y).view(len(x), k, 1, 28, 28)
    return torch.cat([x[:, None], out], 1).flatten(0, 1)


def curves(metrics_path: Path, path: Path) -> None:
    records = read_epochs(metrics_path)
    epochs = [r["epoch"] for r in records]
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(10, 3.6), dpi=110)
    ax1.plot(epochs, [100 * r["val_accuracy"] for r in records], marker="o", ms=3)
    ax1.set(xlabel="epoch", ylabel="validation accuracy (%)", title="accuracy")
    ax1.grid(alpha=0.3)
    for key in ("rec_u", "kl_s_u", "kl_c_u", "rec_l", "kl_c_l", "ce", "entropy"):
        if key in records[0]:
            ax2.plot(epochs, [r[key] for r in records], label=key)
    ax2.set(xlabel="epoch", ylabel="nats per image", yscale="log", title="loss terms")
    ax2.legend(fontsize=7, ncol=2)
    ax2.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


@torch.no_grad()
def comparison(models: list[tuple[str, LabelModel]], path: Path, data_dir: str | None,
               seed: int = 0, samples: int = 4, digits: int = 3) -> None:  # fmt: skip
    """One row per model: generation by label (a column per label), then an intervention strip.

    Every model draws from the same seed and is shown the same test digits, so the rows differ
    only in the model; the digits are the first of a random order with distinct labels.
    """
    images, labels = load_mnist("test", data_dir)
    order = torch.randperm(len(images), generator=torch.Generator().manual_seed(seed)).tolist()
    seen: dict[int, int] = {}
    for i in order:
        seen.setdefault(int(labels[i]), i)
        if len(seen) == digits:
            break
    x = to_float(images[list(seen.values())])
    fig, axes = plt.subplots(len(models), 2, dpi=110, squeeze=False,
                             figsize=(11, 0.5 * max(samples, digits) * len(models) + 0.8),
                             gridspec_kw={"width_ratios": [10, 11]})  # fmt: skip
    for (name, model), (ax_gen, ax_int) in zip(models, axes, strict=True):
        k = model.cfg.num_classes
        y = torch.arange(k).repeat(samples)  # row r: the r-th sample of every label
        gen = model.generate(y, generator=torch.Generator().manual_seed(seed))
        ax_gen.imshow(tile(gen, samples), cmap="gray", vmin=0, vmax=1)
        ax_int.imshow(tile(intervene(model, x), digits), cmap="gray", vmin=0, vmax=1)
        ax_gen.set_ylabel(name, fontsize=10)
        for ax in (ax_gen, ax_int):
            ax.set_xticks([])
            ax.set_yticks([])
    axes[0, 0].set_title("generation by label 0..9", fontsize=9)
    axes[0, 1].set_title("intervention: test digit, then its label part set to 0..9", fontsize=9)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


Curve = list[tuple[float | None, dict[str, float]]]  # (keep, mean measures); keep None: a point


def intervention_tradeoff(panels: dict[str, dict[str, Curve]], path: Path) -> None:
    """Per label budget (a column), the share of interventions read as the new label against
    the style kept on those digits (thickness, then slant correlation: a row each).

    A model whose intervention has a knob (the CCVAE's `keep`) is a line through its settings,
    labelled by them; the others are one point each. Up and to the right is better on both.
    """
    measures = (("intervention_thickness_corr_changed", "thickness corr (changed digits)"),
                ("intervention_slant_corr_changed", "slant corr (changed digits)"))  # fmt: skip
    fig, axes = plt.subplots(len(measures), len(panels), dpi=110, squeeze=False,
                             figsize=(3.6 * len(panels), 3.2 * len(measures)))  # fmt: skip
    for col, (budget, models) in enumerate(panels.items()):
        for row, (key, label) in enumerate(measures):
            ax = axes[row, col]
            for name, curve in models.items():
                xs = [100 * m["intervention_fidelity"] for _, m in curve]
                ys = [m[key] for _, m in curve]
                ax.plot(xs, ys, "o-" if len(curve) > 1 else "s", label=name)
                for keep, x, y in zip((k for k, _ in curve), xs, ys, strict=True):
                    if keep is not None:
                        ax.annotate(f"{keep:g}", (x, y), fontsize=7, xytext=(3, 3),
                                    textcoords="offset points")  # fmt: skip
            ax.set_xlabel("read as the new label %", fontsize=8)
            ax.set_ylabel(label, fontsize=8)
            ax.tick_params(labelsize=7)
            ax.grid(alpha=0.3)
            if row == 0:
                ax.set_title(f"labels: {budget}", fontsize=9)
    axes[0, 0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def parse_pairs(text: str) -> list[tuple[int, int]]:
    return [tuple(int(v) for v in pair.split("-")) for pair in text.split(",")]  # type: ignore[misc]


def make_figures(model: LabelModel, out: Path, data_dir: str | None, pairs: list[tuple[int, int]],
                 metrics: Path | None, seed: int = 0,
                 density: LatentDensity | None = None) -> list[Path]:  # fmt: skip
    """Write every figure into `out`; return their paths.

    The interpolations need z_c's priors, so only a CCVAE gets them. With a fitted `density`,
    generation_density.png draws from it, as the service does.
    """
    out.mkdir(parents=True, exist_ok=True)
    g = torch.Generator().manual_seed(seed)
    images, labels = load_mnist("test", data_dir)
    pick = torch.randperm(len(images), generator=g)
    x = to_float(images[pick[:40]])
    written = []

    def save(name: str, imgs: torch.Tensor, rows: int, title: str, row_labels=None) -> None:
        save_grid(out / name, imgs, rows, title, row_labels)
        written.append(out / name)

    save("reconstructions.png", reconstructions(model, x[:30]), 6,
         "test digits (odd rows) and their reconstructions")  # fmt: skip
    classes = [str(c) for c in range(model.cfg.num_classes)]
    y = torch.arange(len(classes)).repeat_interleave(12)
    title = ("generation by label: z_c ~ p(z_c|y), z_s ~ N(0, I)" if isinstance(model, CCVAE)
             else "generation by label: z ~ N(0, I) under y")  # fmt: skip
    save("generation.png", model.generate(y, generator=g), len(classes), title, classes)
    if density is not None:
        # NOTE: its own generator, so the figures after it stay the same with or without it
        own = torch.Generator().manual_seed(seed)
        fitted = density.generate(model.decoder, y, generator=own)
        title = "generation by label: z from the density fitted to the training digits' codes"
        save("generation_density.png", fitted, len(classes), title, classes)
    for a, b in pairs if isinstance(model, CCVAE) else []:
        save(
            f"interpolation_labels_{a}-{b}.png",
            interpolate_labels(model, a, b, 10, 4, g),
            4,
            f"interpolation {a} → {b}: z_c between the priors' means, z_s fixed per row",
        )
    if isinstance(model, CCVAE):
        first = torch.stack([x[labels[pick[:40]] == c][0] for c in range(3)])
        second = torch.stack([x[labels[pick[:40]] == c][0] for c in (5, 7, 9)])
        save(
            "interpolation_images.png",
            interpolate_images(model, first, second, 10),
            3,
            "interpolation between the posterior means of two test digits",
        )
    title = ("intervention: each digit's z_s (first column) under z_c of labels 0..9"
             if isinstance(model, CCVAE)
             else "intervention: each digit's z (first column) under y = 0..9")  # fmt: skip
    save("intervention.png", intervene(model, x[:8]), 8, title)
    if metrics and metrics.exists():
        curves(metrics, out / "curves.png")
        written.append(out / "curves.png")
    return written


def main(argv: list[str] | None = None) -> None:
    p = checkpoint_parser("ccvae-figures", __doc__)
    p.add_argument("--out", default="figures", help="directory for the PNG files")
    p.add_argument("--data-dir", default=None, help="MNIST IDX files (default $CCVAE_MNIST_DIR)")
    p.add_argument(
        "--pairs",
        type=parse_pairs,
        default=parse_pairs("0-1,4-9,3-8"),
        help="label pairs to interpolate between, as A-B,C-D",
    )
    p.add_argument(
        "--metrics",
        default=None,
        help="metrics.jsonl for the curves (default: beside the checkpoint)",
    )
    p.add_argument(
        "--density",
        action="store_true",
        help="also draw generation_density.png from the density fitted to the training digits",
    )
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    model, state = load_model(args.checkpoint)
    metrics = Path(args.metrics) if args.metrics else Path(args.checkpoint).parent / METRICS
    density = checkpoint_density(model, state, args.data_dir, wanted=args.density)
    written = make_figures(
        model, Path(args.out), args.data_dir, args.pairs, metrics, args.seed, density
    )
    for path in written:
        print(path)


if __name__ == "__main__":
    main()
