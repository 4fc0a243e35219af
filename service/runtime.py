"""ONNX Runtime sessions of the exported graphs, created and warmed up once at start.

Knows nothing of HTTP: it takes and returns numpy arrays whose leading axis is the batch.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import onnxruntime as ort  # type: ignore[import-untyped]

from service.errors import ModelError
from service.manifest import Manifest, check_signature
from service.settings import Device

log = logging.getLogger(__name__)

CPU = "CPUExecutionProvider"
CUDA = "CUDAExecutionProvider"


def select_providers(device: Device, available: Sequence[str]) -> list[str]:
    """Execution providers for a device setting; CPU stays last as the fallback for odd ops."""
    if device == "cpu":
        return [CPU]
    if CUDA in available:
        return [CUDA, CPU]
    if device == "cuda":
        raise ModelError(
            f"device 'cuda' asked for, but this onnxruntime has no {CUDA} "
            f"(available: {list(available)}); install onnxruntime-gpu or use --device cpu"
        )
    return [CPU]


def softmax(logits: np.ndarray) -> np.ndarray:
    """Row-wise softmax, shifted by the row maximum so large logits cannot overflow."""
    shifted = np.exp(logits - logits.max(axis=1, keepdims=True))
    probabilities: np.ndarray = shifted / shifted.sum(axis=1, keepdims=True)
    return probabilities


@dataclass(frozen=True)
class Encoding:
    """Posterior q(z|x) of a batch, and the classifier's reading of its z_c mean."""

    loc: np.ndarray  # (N, Dc + Ds)
    scale: np.ndarray  # (N, Dc + Ds)
    probabilities: np.ndarray  # (N, K)
    ood: np.ndarray | None = None  # (N,) out-of-distribution scores, when asked and shipped

    def fields(self) -> tuple[np.ndarray, ...]:
        """The arrays, batch axis first, in constructor order (the micro-batcher splits them)."""
        arrays = (self.loc, self.scale, self.probabilities)
        return arrays if self.ood is None else (*arrays, self.ood)


class Runtime:
    """The model's four graphs as numpy functions, on the execution provider chosen at start."""

    def __init__(self, manifest: Manifest, sessions: dict[str, ort.InferenceSession]) -> None:
        self.manifest = manifest
        self.sessions = sessions
        self.provider = sessions["encoder"].get_providers()[0]

    @classmethod
    def load(cls, manifest: Manifest, device: Device = "cpu", threads: int = 0) -> Runtime:
        """Create a session per graph, check its names against the manifest, and warm it up."""
        available = ort.get_available_providers()
        providers = select_providers(device, available)
        if CUDA in providers and hasattr(ort, "preload_dlls"):
            # NOTE: onnxruntime-gpu from pip finds the CUDA/cuDNN wheels only once preloaded.
            ort.preload_dlls()
        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        # NOTE: idle intra-op threads spin by default; in a server they would burn the cores that
        # the event loop needs to parse the next requests (twice the CPU per request measured).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        sessions: dict[str, ort.InferenceSession] = {}
        for role in manifest.roles:
            path = manifest.path(role)
            try:
                session = ort.InferenceSession(str(path), options, providers=providers)
            except Exception as e:  # onnxruntime raises its own untyped errors
                raise ModelError(f"{role} file {path} does not load in onnxruntime: {e}") from e
            check_signature(
                role,
                [i.name for i in session.get_inputs()],
                [o.name for o in session.get_outputs()],
            )
            if device == "cuda" and CUDA not in session.get_providers():
                raise ModelError(f"{role} did not start on {CUDA}: {session.get_providers()}")
            sessions[role] = session
        runtime = cls(manifest, sessions)
        try:
            runtime.warm_up()
        except ModelError:
            raise
        except Exception as e:  # a graph that loads but cannot run the contract's shapes
            raise ModelError(f"model {manifest.directory} fails its warm-up run: {e}") from e
        log.info("model %s %s on %s", manifest.name, manifest.version, runtime.provider)
        return runtime

    def encode(self, images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """q(z|x): posterior loc and scale, (N, 1, H, W) -> 2 x (N, Dc + Ds)."""
        loc, scale = self.sessions["encoder"].run(None, {"image": images.astype(np.float32)})
        return loc, scale

    def decode(self, z: np.ndarray) -> np.ndarray:
        """Mean of p(x|z): (N, Dc + Ds) -> (N, 1, H, W) in [0, 1]."""
        (images,) = self.sessions["decoder"].run(None, {"z": z.astype(np.float32)})
        clipped: np.ndarray = np.clip(images, 0.0, 1.0)
        return clipped

    def classify(self, z_c: np.ndarray) -> np.ndarray:
        """q(y|z_c) as probabilities: (N, Dc) -> (N, K)."""
        (logits,) = self.sessions["classifier"].run(None, {"z_c": z_c.astype(np.float32)})
        return softmax(logits.astype(np.float64)).astype(np.float32)

    def prior(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """p(z_c|y): loc and scale per label index, (N,) int64 -> 2 x (N, Dc)."""
        loc, scale = self.sessions["prior"].run(None, {"label": labels.astype(np.int64)})
        return loc, scale

    @property
    def has_density(self) -> bool:
        """Whether the model ships a fitted latent density for generation."""
        return "density" in self.sessions

    def density(self, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The fitted density of z per label: loc (N, D) and scale_tril (N, D, D)."""
        loc, tril = self.sessions["density"].run(None, {"label": labels.astype(np.int64)})
        return loc, tril

    def encode_and_classify(self, images: np.ndarray) -> Encoding:
        """Encode a batch and classify its z_c means: the one call every image endpoint needs."""
        loc, scale = self.encode(images)
        probabilities = self.classify(loc[:, : self.manifest.latent.c])
        return Encoding(loc, scale, probabilities)

    @property
    def has_ood(self) -> bool:
        """Whether the model ships an out-of-distribution score."""
        return "ood" in self.sessions

    def score(self, images: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Out-of-distribution scores of images with posterior means z: (N,); decodes z."""
        feed = {"image": images.astype(np.float32), "z": z, "reconstruction": self.decode(z)}
        (scores,) = self.sessions["ood"].run(["score"], feed)
        return scores

    def read(self, images: np.ndarray) -> Encoding:
        """encode_and_classify, plus the out-of-distribution scores when the model has them."""
        encoding = self.encode_and_classify(images)
        if not self.has_ood:
            return encoding
        return Encoding(*encoding.fields(), ood=self.score(images, encoding.loc))

    def warm_up(self) -> None:
        """Run each graph once on a batch of two, checking the shapes the manifest promises."""
        c, s = self.manifest.latent.c, self.manifest.latent.s
        k, shape = len(self.manifest.classes), self.manifest.image.shape
        encoding = self.read(np.zeros((2, *shape), np.float32))
        images = self.decode(encoding.loc)
        loc, scale = self.prior(np.arange(2) % k)
        found = {
            "encoder loc": (encoding.loc.shape, (2, c + s)),
            "encoder scale": (encoding.scale.shape, (2, c + s)),
            "classifier logits": (encoding.probabilities.shape, (2, k)),
            "decoder image": (images.shape, (2, *shape)),
            "prior loc": (loc.shape, (2, c)),
            "prior scale": (scale.shape, (2, c)),
        }
        if encoding.ood is not None:
            found["ood score"] = (encoding.ood.shape, (2,))
        if self.has_density:
            loc, tril = self.density(np.arange(2) % k)
            found["density loc"] = (loc.shape, (2, c + s))
            found["density scale_tril"] = (tril.shape, (2, c + s, c + s))
        for what, (got, want) in found.items():
            if tuple(got) != want:
                raise ModelError(
                    f"{what} has shape {list(got)} for a batch of 2; the manifest implies "
                    f"{list(want)} (classes={k}, latent c={c} s={s}, image={list(shape)})"
                )
