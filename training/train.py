"""`ccvae-train`: semi-supervised training of the CCVAE, with checkpoints, resume and DDP.

`--model cvae` or `--model m2` trains a baseline instead (training.baselines) with the same
data, split, batches, augmentation and extra terms, so the three differ only in the model.

Every step draws an unlabelled batch from U and a labelled batch from S (S is oversampled: with
100 labels each labelled image is seen hundreds of times an epoch, as in ADGM); an epoch is one
pass over U (over S when every image is labelled). Run under `torchrun --nproc-per-node N` for
DistributedDataParallel: each process takes a slice of every batch and gradients are averaged.
The flags are generated from `training.config.TrainConfig`.
"""

from __future__ import annotations

import argparse
import math
import os
import time
import typing
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel
from torch.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn

from training.augment import random_affine, strong_view
from training.baselines import build_model
from training.checkpoint import save_checkpoint
from training.config import Selection, TrainConfig, add_flags, from_flags
from training.data import load_training_split, to_float
from training.enumeration import EnumeratedLoss
from training.epochs import METRICS, append_epoch
from training.evaluate import evaluate, labelled_loss
from training.host import use_cores
from training.objectives import LossWeights, SemiSupervisedLoss

SELECTIONS: tuple[str, ...] = typing.get_args(Selection)


def selected_checkpoint(cfg: TrainConfig, out: Path) -> Path:
    """The checkpoint a run is measured by: `best.pt` (best validation accuracy) or `last.pt`
    (the fixed final epoch, the honest choice when no large labelled validation set exists)."""
    if cfg.selection not in SELECTIONS:
        raise ValueError(f"selection must be one of {SELECTIONS}, not {cfg.selection!r}")
    return out / f"{cfg.selection}.pt"


def resolve_device(name: str) -> torch.device:
    """`auto` takes CUDA when present; asking for `cuda` without it is an error, not a fallback."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise SystemExit("--device cuda asked for, but torch sees no CUDA device")
    return torch.device(name)


def build_objective(
    model_kind: str, model: torch.nn.Module, objective: str, weights: LossWeights
) -> torch.nn.Module:
    """The loss module of a model kind: the CCVAE's objectives, or the baselines' bound."""
    if model_kind == "ccvae":
        return SemiSupervisedLoss(model, objective, weights)  # type: ignore[arg-type]
    if objective != "simple":
        raise ValueError(
            f"objective {objective!r} applies to the CCVAE only, not to {model_kind!r}, "
            "whose bound is training.enumeration's"
        )
    return EnumeratedLoss(model, weights)  # type: ignore[arg-type]


class Batches:
    """Index batches: a fresh permutation each pass, drawn from a seeded generator."""

    def __init__(self, indices: torch.Tensor, batch_size: int, generator: torch.Generator) -> None:
        self.indices, self.batch_size, self.g = indices, batch_size, generator
        self._queue = indices[:0]

    def steps_per_pass(self) -> int:
        return math.ceil(len(self.indices) / self.batch_size)

    def next(self) -> torch.Tensor:
        """The next batch, starting a new permutation when the current one runs out."""
        if len(self._queue) < self.batch_size:
            perm = self.indices[torch.randperm(len(self.indices), generator=self.g)]
            self._queue = torch.cat([self._queue, perm])
        batch, self._queue = self._queue[: self.batch_size], self._queue[self.batch_size :]
        return batch

    def state_dict(self) -> dict[str, torch.Tensor]:
        """The indices still queued in the current pass (the generator is the caller's)."""
        return {"queue": self._queue}

    def load_state_dict(self, state: dict[str, torch.Tensor]) -> None:
        self._queue = state["queue"]


def train(
    cfg: TrainConfig,
    out: Path,
    device: torch.device,
    resume: bool = False,
    stop_after: int | None = None,
) -> dict:
    """Train, writing `metrics.jsonl`, `last.pt` and `best.pt` (best validation accuracy).

    `stop_after` ends this invocation after that many epochs in all, as an interruption would;
    `resume` then continues from `last.pt` exactly as if the run had never stopped.

    With `cfg.ema` > 0 the weights evaluated, checkpointed under "model" and exported are the
    moving average θ̄ ← ema·θ̄ + (1 − ema)·θ, updated after every step; the checkpoint also
    carries the raw weights ("training_model") and the average's state ("ema"), for resume.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    if world > 1:
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
        if device.type == "cuda":
            device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
            torch.cuda.set_device(device)
    is_main = rank == 0
    out.mkdir(parents=True, exist_ok=True)

    images, labels, split = load_training_split(
        cfg.data_dir, cfg.limit, cfg.labels, cfg.validation, cfg.seed
    )

    torch.manual_seed(cfg.seed)
    model = build_model(cfg.model_kind, cfg.model).to(device)
    objective = build_objective(cfg.model_kind, model, cfg.objective, cfg.loss)
    step_fn: torch.nn.Module = objective
    if world > 1:
        step_fn = DistributedDataParallel(objective)
    ema = None
    if cfg.ema > 0:
        average = get_ema_multi_avg_fn(cfg.ema)
        ema = AveragedModel(model, multi_avg_fn=average, use_buffers=True)
    evaluated = model if ema is None else ema.module
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=cfg.epochs)

    g = torch.Generator().manual_seed(cfg.seed + 1)
    unlabelled = Batches(split.unlabelled, cfg.batch_size, g) if len(split.unlabelled) else None
    labelled_bs = cfg.labelled_batch_size if unlabelled else cfg.batch_size
    batches = {"labelled": Batches(split.labelled, labelled_bs, g), "unlabelled": unlabelled}
    steps = (unlabelled or batches["labelled"]).steps_per_pass()

    start_epoch, best = 0, -1.0
    last_path, best_path = out / "last.pt", out / "best.pt"
    if resume and last_path.exists():
        state = torch.load(last_path, map_location="cpu", weights_only=False)
        model.load_state_dict(state.get("training_model", state["model"]))
        if ema is not None:
            ema.load_state_dict(state["ema"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        g.set_state(state["batch_rng"])
        torch.set_rng_state(state["torch_rng"])
        for key, b in batches.items():
            if b is not None:
                b.load_state_dict(state["batches"][key])
        start_epoch, best = state["epoch"], state["best_accuracy"]
    elif is_main and (out / METRICS).exists():
        (out / METRICS).unlink()

    # NOTE: the training digits live on the training device (55 MB as uint8), so that a GPU
    # step copies no batch from the host; on the CPU these are the same tensors.
    pixels, targets = images.to(device), labels.to(device)

    def views(idx_l: torch.Tensor, idx_u: torch.Tensor | None) -> tuple:
        """(x_l, y_l, x_u, x_u_clean, x_u_strong) of one step, this rank's slice of each."""
        idx_l = idx_l[rank::world].to(device)
        x_l, y_l = to_float(pixels[idx_l]), targets[idx_l]
        x_u = x_u_clean = x_u_strong = None
        if idx_u is not None:
            x_u = x_u_clean = to_float(pixels[idx_u[rank::world].to(device)])
        if cfg.augment:
            x_l = random_affine(x_l)
            x_u = random_affine(x_u) if x_u is not None else None
        if cfg.strong_augment and x_u_clean is not None:
            x_u_strong, x_u_clean = strong_view(x_u_clean), None
        teacher = x_u_clean if cfg.loss.consistency else None
        return x_l, y_l, x_u, teacher, x_u_strong

    progress = _progress(is_main)
    record: dict[str, Any] = {}
    for epoch in range(start_epoch, min(cfg.epochs, stop_after or cfg.epochs)):
        t0 = time.perf_counter()
        sums: dict[str, torch.Tensor] = {}  # on the device: read once an epoch, not per step
        for _ in progress(range(steps), desc=f"epoch {epoch + 1}/{cfg.epochs}"):
            idx_l = batches["labelled"].next()
            loss, terms = step_fn(*views(idx_l, unlabelled.next() if unlabelled else None))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            if ema is not None:
                ema.update_parameters(model)
            for k, v in terms.items():
                sums[k] = sums.get(k, 0.0) + torch.as_tensor(v).detach()
        scheduler.step()
        seconds = time.perf_counter() - t0
        if not is_main:
            continue
        val = evaluate(evaluated, images[split.validation], labels[split.validation])
        record = {
            "epoch": epoch + 1,
            "seconds": round(seconds, 2),
            "images_per_second": round(steps * (cfg.batch_size + labelled_bs) / seconds, 1),
            "lr": scheduler.get_last_lr()[0],
            **{k: float(v) / steps for k, v in sums.items()},
            "val_accuracy": val["accuracy"],
            "val_reconstruction_bce": val["reconstruction_bce"],
            "val_loss_l": labelled_loss(
                objective, images[split.validation], labels[split.validation]
            ),
        }
        append_epoch(out, record)
        improved = val["accuracy"] > best
        best = max(best, val["accuracy"])
        state = {
            "model": evaluated.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "batch_rng": g.get_state(),
            "torch_rng": torch.get_rng_state(),
            "batches": {k: None if b is None else b.state_dict() for k, b in batches.items()},
            "epoch": epoch + 1,
            "best_accuracy": best,
            "val_accuracy": val["accuracy"],
            "train_config": cfg.to_dict(),
        }
        if ema is not None:
            state.update(training_model=model.state_dict(), ema=ema.state_dict())
        if improved:
            save_checkpoint(best_path, state)
        save_checkpoint(last_path, state)
        print(
            f"epoch {epoch + 1}: loss {record['loss']:.2f} val acc {val['accuracy']:.4f} "
            f"rec {val['reconstruction_bce']:.1f} ({seconds:.1f}s)",
            flush=True,
        )
    if world > 1:
        # NOTE: every rank waits for the others before tearing gloo down; a rank that destroyed
        # the group while rank 0 was still checkpointing was seen to abort ("terminate called").
        dist.barrier()
        dist.destroy_process_group()
    return record


def _progress(enabled: bool):
    """tqdm when it is wanted (main process, a terminal or a log), else a plain iterator."""
    if not enabled or os.environ.get("CI"):
        return lambda it, desc: it
    from tqdm import tqdm

    return lambda it, desc: tqdm(it, desc=desc, leave=False, mininterval=2.0)


def add_train_args(p: argparse.ArgumentParser) -> None:
    """The flags that make a TrainConfig, and where it runs; shared with ccvae-experiment."""
    add_flags(p)
    p.add_argument("--device", choices=("cpu", "cuda", "auto"), default="auto")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="ccvae-train",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--out", default="runs/ccvae", help="run directory (checkpoints, metrics)")
    add_train_args(p)
    p.add_argument("--resume", action="store_true", help="continue from OUT/last.pt")
    p.add_argument(
        "--stop-after",
        type=int,
        default=None,
        help="stop after this many epochs in all (resume later with --resume)",
    )
    return p


def main(argv: list[str] | None = None) -> None:
    args = build_parser().parse_args(argv)
    use_cores(args.threads)
    device = resolve_device(args.device)
    train(from_flags(args), Path(args.out), device, args.resume, args.stop_after)


if __name__ == "__main__":
    main()
