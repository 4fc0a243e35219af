"""Training throughput on this machine: images per second of full semi-supervised steps.

Prints, for each model size and objective, the images/s of `ccvae-train`'s step with its
default settings (an augmented unlabelled batch plus a labelled batch through encoder, decoder,
classifier and prior, the pseudo-label pass, the generation term, backward, Adam), and the
seconds one epoch over 60,000 images would take, beside the 30 s target. `--plain` times the
report's loss alone (no augmentation, pseudo-labels or generation term). Memory is held as
`ccvae-train` holds it (training/host.py); `--malloc-default` leaves glibc's malloc as it starts,
to measure what that costs.
"""

from __future__ import annotations

import argparse
import time

import torch

from training.augment import random_affine
from training.config import LossWeights, ModelConfig
from training.host import use_cores
from training.model import CCVAE
from training.objectives import SemiSupervisedLoss

SIZES = {"default": ModelConfig(), "small": ModelConfig(channels=16, hidden=128)}
TARGET_EPOCH_SECONDS = 30.0
EPOCH_IMAGES = 60_000


def images_per_second(cfg: ModelConfig, objective: str, batch: int, labelled: int,
                      steps: int, device: torch.device, plain: bool) -> float:  # fmt: skip
    torch.manual_seed(0)
    model = CCVAE(cfg).to(device)
    weights = LossWeights()  # ccvae-train's defaults; plain: the report's loss alone
    if plain:
        weights = LossWeights(consistency=0.0, generation=0.0)
    loss_fn = SemiSupervisedLoss(model, objective, weights)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x_u = torch.rand(batch, 1, 28, 28, device=device)
    x_l = torch.rand(labelled, 1, 28, 28, device=device)
    y_l = torch.randint(0, 10, (labelled,), device=device)

    def step() -> None:
        if plain:
            loss, _ = loss_fn(x_l, y_l, x_u)
        else:
            loss, _ = loss_fn(random_affine(x_l), y_l, random_affine(x_u), x_u)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()

    for _ in range(5):  # warm-up: allocator, oneDNN kernels
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        step()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return steps * (batch + labelled) / (time.perf_counter() - t0)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--labelled-batch-size", type=int, default=64)
    p.add_argument("--device", default="cpu")
    p.add_argument("--plain", action="store_true", help="the report's loss alone")
    p.add_argument(
        "--malloc-default", action="store_true", help="glibc's malloc as it starts, not as trained"
    )
    args = p.parse_args()
    if not args.malloc_default:
        use_cores(None)
    device = torch.device(args.device)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, device {device}")
    print(f"{'size':8} {'objective':9} {'images/s':>9} {'s/epoch':>8} {'target':>7} {'ratio':>6}")
    for name, cfg in SIZES.items():
        for objective in ("simple", "ccvae"):
            ips = images_per_second(cfg, objective, args.batch_size, args.labelled_batch_size,
                                    args.steps, device, args.plain)  # fmt: skip
            epoch = EPOCH_IMAGES / ips
            print(f"{name:8} {objective:9} {ips:9.0f} {epoch:8.1f} {TARGET_EPOCH_SECONDS:7.0f} "
                  f"{epoch / TARGET_EPOCH_SECONDS:6.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
