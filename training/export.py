"""`ccvae-export`: a checkpoint → four ONNX files and a manifest, the service's only input.

The contract (all with a dynamic batch axis N; D = Dc + Ds):
    encoder.onnx     image float32 [N,1,28,28] in [0,1], white on black → loc, scale [N, D]
    decoder.onnx     z float32 [N, D] → image float32 [N,1,28,28] in [0,1]
    classifier.onnx  z_c float32 [N, Dc] → logits float32 [N, C]
    prior.onnx       label int64 [N] → loc, scale float32 [N, Dc]   (p(z_c|y))
    density.onnx     label int64 [N] → loc [N, D], scale_tril [N, D, D]
                     (a Gaussian per label fitted to the training digits' codes after training,
                     training/density.py; what generation samples from. `--no-density` skips it)
    ood.onnx         image, z, reconstruction → score, reconstruction_nll, latent_nll [N]
                     (with the density: an out-of-distribution score calibrated on the
                     validation digits, training/ood.py; its calibration is the manifest's `ood`)
`manifest.json` makes the directory explain itself without this code: classes, image shape and
range, latent split, file hashes, the training configuration and its protocol (label count,
label draw, how the checkpoint was chosen: `TrainConfig.protocol`), test metrics and versions.

A baseline's checkpoint (`--model cvae` or `m2` at training) exports under the same names where
they apply, and its manifest's `model` and each file's `inputs` say which:
    encoder.onnx     image [, label (M2's q(z|x, y))] → loc, scale [N, D]
    decoder.onnx     z [N, D], label int64 [N] → image      (p(x|y, z))
    classifier.onnx  image → logits [N, C]                  (q(y|x) reads the image, not z_c)
and no prior.onnx, since p(z) = N(0, I). The service serves a CCVAE directory only.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import onnx
import torch
from torch import nn

from training.baselines import M2, LabelledVAE
from training.checkpoint import checkpoint_parser, load_model
from training.config import CLASSES, IMAGE_SHAPE, TrainConfig
from training.data import load_mnist
from training.density import LatentDensity, checkpoint_density
from training.evaluate import evaluate, generation_quality
from training.judge import load_judge
from training.model import CCVAE, LabelModel
from training.onnx_io import OPSET, export_graph, sha256
from training.ood import calibrate
from training.repository import write_repository

FORMAT_VERSION = 1


class _Decoder(nn.Module):
    """The decoder with its sigmoid, so the ONNX file returns pixels, not logits."""

    def __init__(self, model: CCVAE) -> None:
        super().__init__()
        self.decoder = model.decoder

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.decoder(z))


class _BaselineEncoder(nn.Module):
    """q(z|x) for the CVAE, q(z|x, y) for M2: image [, label] → loc, scale."""

    def __init__(self, model: LabelledVAE) -> None:
        super().__init__()
        self.model = model

    def forward(
        self, image: torch.Tensor, label: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.model.encoder.features(image)
        if label is None:  # the CVAE's q(z|x) does not read y
            return self.model.encoder.posterior(h)
        return self.model.posterior(h, label)


class _BaselineDecoder(nn.Module):
    """p(x|y, z) with its sigmoid: z, label → image."""

    def __init__(self, model: LabelledVAE) -> None:
        super().__init__()
        self.model = model

    def forward(self, z: torch.Tensor, label: torch.Tensor) -> torch.Tensor:
        return torch.sigmoid(self.model.decode(z, label))


class _BaselineClassifier(nn.Module):
    """q(y|x): image → logits."""

    def __init__(self, model: LabelledVAE) -> None:
        super().__init__()
        self.model = model

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        return self.model.classify(image)


def baseline_graphs(
    model: LabelledVAE,
) -> dict[str, tuple[nn.Module, dict[str, torch.Tensor], list[str]]]:
    """A baseline's graphs under the CCVAE's names where they apply (see the module docstring)."""
    image, label = torch.rand(2, *IMAGE_SHAPE), torch.tensor([0, 1])
    encoder_inputs = {"image": image, "label": label} if isinstance(model, M2) else {"image": image}
    return {
        "encoder": (_BaselineEncoder(model), encoder_inputs, ["loc", "scale"]),
        "decoder": (
            _BaselineDecoder(model),
            {"z": torch.randn(2, model.cfg.latent), "label": label},
            ["image"],
        ),
        "classifier": (_BaselineClassifier(model), {"image": image}, ["logits"]),
    }


def graphs(model: LabelModel) -> dict[str, tuple[nn.Module, dict[str, torch.Tensor], list[str]]]:
    """Each exported graph: module, named example inputs, output names."""
    if isinstance(model, LabelledVAE):
        return baseline_graphs(model)
    cfg = model.cfg
    return {
        "encoder": (model.encoder, {"image": torch.rand(2, *IMAGE_SHAPE)}, ["loc", "scale"]),
        "decoder": (_Decoder(model), {"z": torch.randn(2, cfg.latent)}, ["image"]),
        "classifier": (model.classifier, {"z_c": torch.randn(2, cfg.latent_c)}, ["logits"]),
        "prior": (model.prior, {"label": torch.tensor([0, 1])}, ["loc", "scale"]),
    }


def export_onnx(
    model: LabelModel, out: Path, density: LatentDensity | None = None
) -> dict[str, dict[str, Any]]:
    """Write and check the graphs; return the manifest's `files` section."""
    out.mkdir(parents=True, exist_ok=True)
    model = model.eval()
    files: dict[str, dict[str, Any]] = {}
    exported = graphs(model)
    if density is not None:
        exported["density"] = (density, {"label": torch.tensor([0, 1])}, ["loc", "scale_tril"])
    for name, (module, inputs, outputs) in exported.items():
        path = out / f"{name}.onnx"
        export_graph(module, inputs, outputs, path)
        files[name] = {
            "path": path.name,
            "sha256": sha256(path),
            "inputs": list(inputs),
            "outputs": outputs,
        }
    return files


DESCRIPTIONS = {
    "ccvae": "Characteristic-capturing VAE on MNIST: z = [z_c, z_s]; z_c carries the digit (read "
    "by the classifier, modelled by p(z_c|y)), z_s the handwriting style (prior N(0, I)).",
    "cvae": "Conditional VAE on MNIST (a baseline): one latent z ~ N(0, I); the decoder reads "
    "z + MLP(onehot(y)); the classifier q(y|x) reads the image.",
    "m2": "Kingma et al.'s M2 on MNIST (a baseline): q(y|x) reads the image, q(z|x, y) the image "
    "and the label, p(x|y, z) decodes [z, onehot(y)]; z ~ N(0, I).",
}


def saved_protocol(train_config: dict[str, Any], epoch: int | None) -> dict[str, Any]:
    """`TrainConfig.protocol` of a checkpoint's saved configuration, which an older checkout may
    have written with other keys: the protocol reads only labels, seed, validation, selection,
    ema and the class count, and a key the checkpoint lacks takes its default."""
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    return TrainConfig.from_dict({k: v for k, v in train_config.items() if k in known}).protocol(
        epoch
    )


def write_manifest(
    out: Path,
    model: LabelModel,
    files: dict[str, dict[str, Any]],
    train_config: dict[str, Any],
    metrics: dict[str, Any],
    version: str,
) -> dict[str, Any]:
    cfg = model.cfg
    kind = train_config.get("model_kind", "ccvae")
    split = isinstance(model, CCVAE)
    manifest = {
        "format_version": FORMAT_VERSION,
        "name": out.name,
        "version": version,
        "model": kind,
        "description": DESCRIPTIONS[kind],
        "classes": list(CLASSES[: cfg.num_classes]),
        "image": {"shape": list(IMAGE_SHAPE), "range": [0.0, 1.0], "foreground": "white-on-black"},
        "latent": {"c": cfg.latent_c, "s": cfg.latent_s} if split else {"z": cfg.latent},
        "files": files,
        "training": train_config,
        "protocol": saved_protocol(train_config, metrics.get("epoch")),
        "metrics": metrics,
        "versions": {"torch": torch.__version__, "onnx": onnx.__version__, "opset": OPSET},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def test_metrics(
    model: LabelModel, data_dir: str | None, judge: str | None, density: LatentDensity | None = None
) -> dict[str, Any]:
    """Test-set accuracy, reconstruction error and (with a judge) generation quality: from the
    fitted density when there is one, which is what the service samples, and from the priors."""
    images, labels = load_mnist("test", data_dir)
    r = evaluate(model, images, labels)
    generation: dict[str, Any] = {}
    if judge:
        generation = generation_quality(model, load_judge(judge), images, density=density)
        if density is not None:
            from_priors = generation_quality(model, load_judge(judge), images)
            generation.update({f"prior_{k}": v for k, v in from_priors.items()})
    return {
        "test_accuracy": r["accuracy"],
        "test_per_class_accuracy": r["per_class_accuracy"],
        "test_reconstruction_bce": round(r["reconstruction_bce"], 3),
        "test_reconstruction_mse": round(r["reconstruction_mse"], 5),
        "test_images": r["images"],
        **generation,
    }


def main(argv: list[str] | None = None) -> None:
    p = checkpoint_parser("ccvae-export", __doc__)
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
        help="do not evaluate on the test set (with no data at hand, add --no-density: the "
        "density is fitted on the training digits)",
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
    p.add_argument(
        "--no-density",
        action="store_true",
        help="export no fitted latent density (generation then samples the priors)",
    )
    p.add_argument(
        "--triton-repository",
        default=None,
        help="also write the graphs as a Triton model repository here (training/repository.py)",
    )
    args = p.parse_args(argv)
    model, state = load_model(args.checkpoint)
    out = Path(args.out)
    density = checkpoint_density(model, state, args.data_dir, wanted=not args.no_density)
    files = export_onnx(model, out, density)
    metrics: dict[str, Any] = {}
    if not args.skip_metrics:
        metrics = test_metrics(model, args.data_dir, args.judge or None, density)
    metrics["val_accuracy"] = state.get("val_accuracy")
    metrics["epoch"] = state.get("epoch")
    if args.extra_metrics:
        metrics.update(json.loads(Path(args.extra_metrics).read_text()))
    write_manifest(out, model, files, state["train_config"], metrics, args.version)
    if density is not None:  # the out-of-distribution score reads the density: training/ood.py
        calibrate(out, args.data_dir)
    print(f"exported {', '.join(files)} to {out} (test accuracy {metrics.get('test_accuracy')})")
    if args.triton_repository:
        write_repository(out, Path(args.triton_repository))
        print(f"wrote a Triton model repository to {args.triton_repository}")


if __name__ == "__main__":
    main()
