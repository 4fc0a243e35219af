"""The training configuration, written once: a frozen `TrainConfig` made of a `ModelConfig` and
`LossWeights`, with one set of defaults.

Checkpoints and manifests carry it as a dict (`to_dict`, `from_dict`), and the command-line flags
of `ccvae-train` and `ccvae-experiment` are generated from its fields (`add_flags`,
`from_flags`): a field's name gives its flag (`labelled_batch_size` → `--labelled-batch-size`),
its type the parsing (`bool` → `--x/--no-x`, `Literal` → choices), its default the default and
the docstring under it the help text. A field with `metadata={"flag": None}` has no flag.
"""

from __future__ import annotations

import argparse
import ast
import inspect
import typing
from dataclasses import MISSING, asdict, dataclass, field, fields, is_dataclass
from functools import cache
from typing import Any, Literal

CLASSES: tuple[str, ...] = tuple(str(d) for d in range(10))
IMAGE_SHAPE: tuple[int, int, int] = (1, 28, 28)

ModelKind = Literal["ccvae", "cvae", "m2"]
Objective = Literal["simple", "ccvae"]
Selection = Literal["best", "last"]


@dataclass(frozen=True)
class ModelConfig:
    """Architecture of a CCVAE; the network is built from this alone.

    The latent z = [z_c, z_s]: z_c carries the label characteristics (the classifier reads it and
    the conditional prior p(z_c|y) models it), z_s carries the style with prior N(0, I).
    """

    latent_c: int = 16
    """size of z_c (label part)"""
    latent_s: int = 16
    """size of z_s (style part)"""
    channels: int = 32
    """conv channels (first layer)"""
    hidden: int = 256
    """width of the dense layer"""
    num_classes: int = field(default=len(CLASSES), metadata={"flag": None})

    @property
    def latent(self) -> int:
        return self.latent_c + self.latent_s

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ModelConfig:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


@dataclass(frozen=True)
class LossWeights:
    """The weights of the objective's terms (training.objectives has the equations).

    A separate β_c > β on the z_c terms makes style information dearer in z_c than in z_s, so
    z_c keeps only what the label explains and samples of p(z_c|y) stay inside their class.
    """

    beta: float = 0.4
    """weight β of the KL terms"""
    beta_c: float | None = None
    """weight of the z_c KL terms alone (default: --beta)"""
    alpha: float = 50.0
    """weight α of the direct classification term on labelled data"""
    samples_qyx: int = 16
    """z_c samples K that estimate q(y|x) in the `ccvae` objective"""
    consistency: float = 3.0
    """weight γ of the pseudo-label term on unlabelled digits (with --augment)"""
    threshold: float = 0.8
    """confidence τ a pseudo-label needs"""
    generation: float = 20.0
    """weight λ of the term that makes digits generated from p(z_c|y) read as y"""
    generation_batch: int = 64
    """digits generated per step for the generation term"""

    @property
    def kl_c(self) -> float:
        """β of the z_c terms: β_c when set, else β."""
        return self.beta if self.beta_c is None else self.beta_c


def parse_labels(text: str) -> int | None:
    """A label budget from the command line: a count, or 'all'."""
    return None if text == "all" else int(text)


@dataclass(frozen=True)
class TrainConfig:
    """Everything a run needs; saved in every checkpoint and every run's config.json."""

    model_kind: ModelKind = field(default="ccvae", metadata={"flag": "--model"})
    """the split-latent CCVAE, or a baseline: cvae (one latent, z + MLP(onehot(y))) or m2
    (Kingma et al. 2014)"""
    epochs: int = 20
    """passes over the unlabelled digits (over S when every digit is labelled)"""
    batch_size: int = 128
    """unlabelled batch"""
    labelled_batch_size: int = 64
    """labelled batch"""
    lr: float = 1e-3
    """Adam learning rate (cosine decay)"""
    labels: int | None = field(default=100, metadata={"parse": parse_labels})
    """label budget, balanced per class, or 'all'"""
    validation: int = 5000
    """validation images"""
    objective: Objective = "simple"
    """the report's `simple` loss or the paper's importance-weighted `ccvae` loss"""
    augment: bool = True
    """random affine jitter (±12°, ±10 % scale, ±2.5 px) of training digits"""
    strong_augment: bool = False
    """FixMatch: pseudo-labels read off the weak view teach a strong view (larger affine with
    shear, stroke thickness, cutout) instead of the clean view teaching the weak one"""
    ema: float = 0.0
    """decay of the moving average of the weights that is evaluated and saved (0: none)"""
    selection: Selection = "best"
    """the checkpoint a run is measured by: best validation accuracy, or the last epoch"""
    seed: int = 0
    """label draw, initialisation and batch order"""
    limit: int | None = None
    """use only the first N training images (smoke runs, CI)"""
    data_dir: str | None = None
    """MNIST IDX files (default $CCVAE_MNIST_DIR, else download through torchvision)"""
    model: ModelConfig = field(default_factory=ModelConfig)
    loss: LossWeights = field(default_factory=LossWeights)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TrainConfig:
        nested = {"model": ModelConfig.from_dict, "loss": lambda v: LossWeights(**v)}
        return cls(**{k: nested[k](v) if k in nested else v for k, v in d.items()})

    def protocol(self, epoch: int | None) -> dict[str, Any]:
        """How a model trained by this run got its labels and was chosen, for its manifest: the
        label count, the label draw (the seed draws S), the checkpoint rule, and one sentence."""
        if self.labels is None:
            labels = "every training digit not held out for validation is labelled"
        else:
            per_class = self.labels // self.model.num_classes
            labels = f"{self.labels} labelled digits, {per_class} per class, label draw {self.seed}"
        if self.selection == "last":
            chosen = (
                f"measured at its fixed final epoch {epoch}: no checkpoint is chosen on labelled "
                f"data (its {self.validation} validation digits choose none)"
            )
        else:
            chosen = (
                f"measured at the epoch of best accuracy on {self.validation} labelled validation "
                f"digits (epoch {epoch})"
            )
        weights = f"; weights averaged (EMA, decay {self.ema})" if self.ema else ""
        return {
            "labels": "all" if self.labels is None else self.labels,
            "label_draw": None if self.labels is None else self.seed,
            "selection": self.selection,
            "epoch": epoch,
            "statement": f"{labels}; {chosen}{weights}.",
        }


@cache
def field_docs(cls: type) -> dict[str, str]:
    """The docstring under each field of a dataclass, one line, by field name."""
    body = ast.parse(inspect.getsource(cls)).body[0]
    assert isinstance(body, ast.ClassDef)
    docs = {}
    for node, following in zip(body.body, body.body[1:], strict=False):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
        ):
            docs[node.target.id] = " ".join(str(following.value.value).split())
    return docs


def add_flags(parser: argparse.ArgumentParser, cls: type = TrainConfig, prefix: str = "") -> None:
    """One flag per field of `cls` (nested dataclasses flattened), dest `prefix + name`."""
    hints, docs, default = typing.get_type_hints(cls), field_docs(cls), cls()
    for f in fields(cls):
        kind, dest = hints[f.name], prefix + f.name
        if is_dataclass(kind):
            add_flags(parser, kind, f"{dest}.")  # type: ignore[arg-type]
            continue
        flag = f.metadata.get("flag", "--" + f.name.replace("_", "-"))
        if flag is None:
            continue
        options: dict[str, Any] = {"dest": dest, "default": getattr(default, f.name)}
        options["metavar"] = f.name.upper()
        options["help"] = docs.get(f.name, "").replace("%", "%%")
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if kind is bool:
            options["action"] = argparse.BooleanOptionalAction
        elif typing.get_origin(kind) is Literal:
            options["choices"] = args
        else:
            options["type"] = f.metadata.get("parse", args[0] if args else kind)
        parser.add_argument(flag, **options)


def from_flags(args: argparse.Namespace, cls: type = TrainConfig, prefix: str = "") -> Any:
    """The configuration that `add_flags`' flags were parsed into."""
    hints, values = typing.get_type_hints(cls), {}
    for f in fields(cls):
        dest = prefix + f.name
        if is_dataclass(hints[f.name]):
            values[f.name] = from_flags(args, hints[f.name], f"{dest}.")
        elif hasattr(args, dest):
            values[f.name] = getattr(args, dest)
        elif f.default is MISSING:
            raise ValueError(f"no flag was parsed for the field {dest!r}")
    return cls(**values)
