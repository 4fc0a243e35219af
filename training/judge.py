"""The judge: an independent MNIST classifier that scores the VAE's generations.

Generation quality must be read by a network that shares nothing with the model being judged,
otherwise a VAE's classifier could simply agree with its own decoder. The judge is trained here,
separately, on the full labelled MNIST training set, and shipped as ONNX with two outputs:
`logits` (label fidelity: does the judge read the intended digit?) and `features`, its
penultimate layer (the space in which a Fréchet distance between image sets is measured).

The artifact in `models/<name>/` explains itself through `manifest.json`; `load_judge` runs it
with onnxruntime, so scoring needs neither this module's network nor torch.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn.functional as F
from torch import nn

from training.data import load_mnist, to_float
from training.host import use_cores
from training.onnx_io import OPSET, export_graph, sha256

NAME = "judge-mnist"
ONNX_FILE = "judge.onnx"
MANIFEST_FILE = "manifest.json"
INPUT = "image"
OUTPUTS = ("logits", "features")


class JudgeNet(nn.Module):
    """Two conv blocks → a hidden linear layer (the features) → linear (the logits).

    Small on purpose (16 and 32 channels, about 0.8 MB of weights): it must train on two CPU
    cores in minutes, and MNIST needs no more than this to pass 99 %.
    """

    def __init__(
        self, channels: Sequence[int] = (16, 32), hidden: int = 128, dropout: float = 0.5
    ) -> None:
        super().__init__()
        blocks: list[nn.Module] = []
        c_in, side = 1, 28
        for c_out in channels:
            blocks += [nn.Conv2d(c_in, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out)]
            blocks += [nn.ReLU(inplace=True), nn.MaxPool2d(2)]  # side → side / 2
            c_in, side = c_out, side // 2
        self.body = nn.Sequential(
            *blocks,
            nn.Flatten(),
            nn.Dropout(dropout / 2),
            nn.Linear(c_in * side * side, hidden),
            nn.ReLU(inplace=True),
        )
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(hidden, 10))
        self.feature_dim = hidden

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        features = self.body(x)  # (B, hidden)
        logits = self.head(features)  # (B, 10)
        return logits, features


def augment(x: torch.Tensor, shift: float, degrees: float, g: torch.Generator) -> torch.Tensor:
    """Random shifts of up to `shift` pixels and rotations of up to `degrees`, per image."""
    b = x.shape[0]
    angle = (torch.rand(b, generator=g) * 2 - 1) * math.radians(degrees)
    t = (torch.rand(b, 2, generator=g) * 2 - 1) * (2 * shift / x.shape[-1])  # pixels → [-1, 1]
    cos, sin = angle.cos(), angle.sin()
    theta = torch.stack(
        [torch.stack([cos, -sin, t[:, 0]], 1), torch.stack([sin, cos, t[:, 1]], 1)], 1
    )  # (B, 2, 3)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


def train_judge(
    images: torch.Tensor,
    labels: torch.Tensor,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    shift: float = 2.0,
    degrees: float = 10.0,
) -> JudgeNet:
    """Train on float images in [0, 1] with AdamW and one-cycle; return the net in eval mode."""
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    net = JudgeNet()
    steps = epochs * math.ceil(len(images) / batch_size)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=1e-4)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=steps)
    for epoch in range(epochs):
        net.train()
        perm = torch.randperm(len(images), generator=g)
        total, correct, loss_sum = 0, 0, 0.0
        t0 = time.perf_counter()
        for start in range(0, len(images), batch_size):
            idx = perm[start : start + batch_size]
            x = augment(images[idx], shift, degrees, g)
            y = labels[idx]
            logits, _ = net(x)
            loss = F.cross_entropy(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += len(idx)
            correct += int((logits.argmax(1) == y).sum())
            loss_sum += loss.item() * len(idx)
        print(
            f"epoch {epoch + 1}/{epochs}: loss {loss_sum / total:.4f} "
            f"train acc {correct / total:.4f} ({time.perf_counter() - t0:.0f} s)",
            flush=True,
        )
    return net.eval()


def export_onnx(net: JudgeNet, path: Path) -> None:
    """Write the network as ONNX with a dynamic batch axis and check the graph."""
    export_graph(net, {INPUT: torch.zeros(2, 1, 28, 28)}, list(OUTPUTS), path)


class Judge:
    """An onnxruntime session over the judge's ONNX file, fed in batches."""

    def __init__(self, session: ort.InferenceSession, batch_size: int = 1000) -> None:
        self.session = session
        self.batch_size = batch_size
        names = [o.name for o in session.get_outputs()]
        if names != list(OUTPUTS):
            raise ValueError(f"judge outputs are {names}, expected {list(OUTPUTS)}")

    def run(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Logits (N, 10) and features (N, F) for float images (N, 1, 28, 28) in [0, 1]."""
        images = np.asarray(images, dtype=np.float32)
        if images.ndim != 4 or images.shape[1:] != (1, 28, 28):
            raise ValueError(f"images must have shape (N, 1, 28, 28), not {images.shape}")
        logits, features = [], []
        for start in range(0, len(images), self.batch_size):
            out = self.session.run(list(OUTPUTS), {INPUT: images[start : start + self.batch_size]})
            logits.append(out[0])
            features.append(out[1])
        if not logits:  # NOTE: an empty batch still needs the right trailing dimensions.
            n_feat = self.session.get_outputs()[1].shape[1]
            return np.zeros((0, 10), np.float32), np.zeros((0, n_feat), np.float32)
        return np.concatenate(logits), np.concatenate(features)

    def logits(self, images: np.ndarray) -> np.ndarray:
        """Unnormalised class scores (N, 10)."""
        return self.run(images)[0]

    def features(self, images: np.ndarray) -> np.ndarray:
        """Penultimate-layer activations (N, F), the space of the Fréchet distance."""
        return self.run(images)[1]

    def predict(self, images: np.ndarray) -> np.ndarray:
        """The digit the judge reads in each image (N,)."""
        return self.logits(images).argmax(axis=1)


def load_judge(
    path: str | Path, intra_op_threads: int | None = None, batch_size: int = 1000
) -> Judge:
    """Open the judge from its ONNX file or the directory that holds `judge.onnx`, on CPU."""
    path = Path(path)
    if path.is_dir():
        path = path / ONNX_FILE
    if not path.exists():
        raise FileNotFoundError(f"no judge model at {path} (train one with ccvae-judge)")
    options = ort.SessionOptions()
    if intra_op_threads is not None:
        options.intra_op_num_threads = intra_op_threads
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return Judge(session, batch_size=batch_size)


def judge_sha256(directory: str | Path) -> str:
    """The sha256 of the judge's ONNX file, as its manifest states it: which judge read a run."""
    manifest = json.loads((Path(directory) / MANIFEST_FILE).read_text())
    return str(manifest["sha256"])


def write_manifest(out: Path, accuracy: float, settings: dict[str, Any], feature_dim: int) -> None:
    """Describe the artifact so it is understood without this code."""
    onnx_path = out / ONNX_FILE
    manifest = {
        "name": NAME,
        "purpose": (
            "Independent MNIST classifier used only to judge generated digits: label fidelity "
            "(argmax of logits vs intended label) and Fréchet distance on its features. "
            "It shares no weights or training with the CCVAE."
        ),
        "file": ONNX_FILE,
        "sha256": sha256(onnx_path),
        "opset": OPSET,
        "input": {
            "name": INPUT,
            "dtype": "float32",
            "shape": ["N", 1, 28, 28],
            "range": [0.0, 1.0],
            "convention": "MNIST: white digit on black background, pixel/255",
        },
        "outputs": [
            {
                "name": OUTPUTS[0],
                "dtype": "float32",
                "shape": ["N", 10],
                "meaning": "unnormalised scores for digits 0-9",
            },
            {
                "name": OUTPUTS[1],
                "dtype": "float32",
                "shape": ["N", feature_dim],
                "meaning": "penultimate layer (hidden linear, post-ReLU), input of the head",
            },
        ],
        "test_accuracy": accuracy,
        "test_set": "MNIST t10k (10,000 images), evaluated on this ONNX file with onnxruntime",
        "training": settings,
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__},
    }
    (out / MANIFEST_FILE).write_text(json.dumps(manifest, indent=2) + "\n")


def accuracy(judge: Judge, images: np.ndarray, labels: np.ndarray) -> float:
    """Share of images whose argmax matches the label."""
    return float((judge.predict(images) == labels).mean())


def main(argv: Sequence[str] | None = None) -> None:
    """Train the judge, export it to ONNX, score it on the test set and write its manifest."""
    parser = argparse.ArgumentParser(
        prog="ccvae-judge",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--data-dir", default=None, help="MNIST IDX dir (else $CCVAE_MNIST_DIR)")
    parser.add_argument("--out", default=f"models/{NAME}", help="output directory")
    parser.add_argument(
        "--epochs", type=int, default=12, help="epochs of the one-cycle schedule (4 read 99.23 %%)"
    )
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=3e-3, help="peak one-cycle learning rate")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2, help="torch and onnxruntime threads")
    parser.add_argument(
        "--limit", type=int, default=None, help="train on the first N images only (smoke runs)"
    )
    args = parser.parse_args(argv)

    use_cores(args.threads)
    out = Path(args.out)
    train_x, train_y = load_mnist("train", args.data_dir)
    test_x, test_y = load_mnist("test", args.data_dir)
    if args.limit is not None:
        train_x, train_y = train_x[: args.limit], train_y[: args.limit]

    t0 = time.perf_counter()
    net = train_judge(to_float(train_x), train_y, args.epochs, args.batch_size, args.lr, args.seed)
    seconds = time.perf_counter() - t0
    export_onnx(net, out / ONNX_FILE)

    judge = load_judge(out, intra_op_threads=args.threads)
    acc = accuracy(judge, to_float(test_x).numpy(), test_y.numpy())
    settings = {
        "train_images": len(train_x),
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "optimizer": "AdamW (weight decay 1e-4), one-cycle schedule",
        "peak_lr": args.lr,
        "seed": args.seed,
        "augmentation": "random shifts ≤ 2 px and rotations ≤ 10° (bilinear)",
        "architecture": "2×[conv3×3-BN-ReLU-maxpool2] (16, 32 ch), dropout 0.25, "
        "linear 1568→128-ReLU (features), dropout 0.5, linear 128→10",
        "train_seconds": round(seconds, 1),
        "threads": args.threads,
    }
    write_manifest(out, acc, settings, net.feature_dim)
    print(f"test accuracy {acc:.4f}; wrote {out / ONNX_FILE} and {out / MANIFEST_FILE}")


if __name__ == "__main__":
    main()
