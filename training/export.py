"""`ccvae-export`: a checkpoint → four ONNX files and a manifest, the service's only input.

The contract (all with a dynamic batch axis N; D = Dc + Ds):
    encoder.onnx     image float32 [N,1,28,28] in [0,1], white on black → loc, scale [N, D]
    decoder.onnx     z float32 [N, D] → image float32 [N,1,28,28] in [0,1]
    classifier.onnx  z_c float32 [N, Dc] → logits float32 [N, C]
    prior.onnx       label int64 [N] → loc, scale float32 [N, Dc]   (p(z_c|y))
`manifest.json` makes the directory explain itself without this code: classes, image shape and
range, latent split, file hashes, the training configuration, test metrics and versions.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import onnx
import torch
from torch import nn

from training.checkpoint import load_model
from training.config import CLASSES, IMAGE_SHAPE
from training.data import load_mnist
from training.evaluate import evaluate, generation_quality
from training.judge import load_judge
from training.model import CCVAE
from training.onnx_io import OPSET, export_graph, sha256

FORMAT_VERSION = 1


class _Decoder(nn.Module):
    """The decoder with its sigmoid, so the ONNX file returns pixels, not logits."""

    def __init__(self, model: CCVAE) -> None:
        super().__init__()
        self.decoder = model.decoder

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z))


def graphs(model: CCVAE) -> dict[str, tuple[nn.Module, dict[str, torch.Tensor], list[str]]]:
    """Each exported graph: module, named example inputs, output names."""
    cfg = model.cfg
    return {
        "encoder": (model.encoder, {"image": torch.rand(2, *IMAGE_SHAPE)}, ["loc", "scale"]),
        "decoder": (_Decoder(model), {"z": torch.randn(2, cfg.latent)}, ["image"]),
        "classifier": (model.classifier, {"z_c": torch.randn(2, cfg.latent_c)}, ["logits"]),
        "prior": (model.prior, {"label": torch.tensor([0, 1])}, ["loc", "scale"]),
    }


def export_onnx(model: CCVAE, out: Path) -> dict[str, dict[str, Any]]:
    """Write and check the four graphs; return the manifest's `files` section."""
    out.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    files: dict[str, dict[str, Any]] = {}
    for name, (module, inputs, outputs) in graphs(model).items():
        path = out / f"{name}.onnx"
        export_graph(module, inputs, outputs, path)
        files[name] = {
            "path": path.name,
            "sha256": sha256(path),
            "inputs": list(inputs),
            "outputs": outputs,
        }
    return files


def write_manifest(
    out: Path,
    model: CCVAE,
    files: dict[str, dict[str, Any]],
    train_config: dict[str, Any],
    metrics: dict[str, Any],
    version: str,
) -> dict[str, Any]:
    cfg = model.cfg
    manifest = {
        "format_version": FORMAT_VERSION,
        "name": out.name,
        "version": version,
        "description": "Characteristic-capturing VAE on MNIST: z = [z_c, z_s]; z_c carries the "
        "digit (read by the classifier, modelled by p(z_c|y)), z_s the handwriting style "
        "(prior N(0, I)).",
        "classes": list(CLASSES[: cfg.num_classes]),
        "image": {"shape": list(IMAGE_SHAPE), "range": [0.0, 1.0], "foreground": "white-on-black"},
        "latent": {"c": cfg.latent_c, "s": cfg.latent_s},
        "files": files,
        "training": train_config,
        "metrics": metrics,
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__, "opset": OPSET},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def test_metrics(model: CCVAE, data_dir: str | None, judge: str | None) -> dict[str, Any]:
    """Test-set accuracy, reconstruction error and (with a judge) generation quality."""
    images, labels = load_mnist("test", data_dir)
    r = evaluate(model, images, labels)
    generation = generation_quality(model, load_judge(judge), images) if judge else {}
    return {
        "test_accuracy": r["accuracy"],
        "test_per_class_accuracy": r["per_class_accuracy"],
        "test_reconstruction_bce": round(r["reconstruction_bce"], 3),
        "test_reconstruction_mse": round(r["reconstruction_mse"], 5),
        "test_images": r["images"],
        **generation,
    }


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        prog="ccvae-export",
        description=__doc__.splitlines()[0],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("checkpoint", help="a .pt checkpoint written by ccvae-train")
    p.add_argument("--out", default="models/ccvae-mnist", help="model directory to write")
    p.add_argument(
        "--data-dir",
        default=None,
        help="MNIST IDX files for the test metrics (default $CCVAE_MNIST_DIR)",
    )
    p.add_argument("--version", default="1.0.0", help="model version in the manifest")
    p.add_argument(
        "--skip-metrics",
        action="store_true",
        help="do not evaluate on the test set (no data at hand)",
    )
    p.add_argument(
        "--judge",
        default="models/judge-mnist",
        help="judge CNN for the generation metrics ('' to skip)",
    )
    p.add_argument(
        "--extra-metrics",
        default=None,
        help="JSON file of further metrics to record (e.g. generation quality)",
    )
    args = p.parse_args(argv)
    model, state = load_model(args.checkpoint)
    out = Path(args.out)
    files = export_onnx(model, out)
    metrics: dict[str, Any] = {}
    if not args.skip_metrics:
        metrics = test_metrics(model, args.data_dir, args.judge or None)
    metrics["val_accuracy"] = state.get("val_accuracy")
    metrics["epoch"] = state.get("epoch")
    if args.extra_metrics:
        metrics.update(json.loads(Path(args.extra_metrics).read_text()))
    write_manifest(out, model, files, state["train_config"], metrics, args.version)
    print(f"exported {', '.join(files)} to {out} (test accuracy {metrics.get('test_accuracy')})")


if __name__ == "__main__":
    main()
