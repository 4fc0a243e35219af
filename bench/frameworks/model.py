"""The work every framework contender does, taken from the service itself so no one does less.

Preprocessing is `service.imaging.prepare` and the model is `service.runtime.Runtime`, whose
sessions carry the service's onnxruntime options (intra-op threads, spinning off); a framework
app only adds its own HTTP, queueing and batching around `Model.prepare` and `Model.predict`.
Batch sizes the framework formed are appended, one line per model call, to the file named by
$BENCH_BATCH_LOG, which the bench reads between load runs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from service import imaging
from service.manifest import load_manifest
from service.runtime import Runtime
from service.settings import Settings, process_layout

BATCH_LOG = "BENCH_BATCH_LOG"
WORKERS = "BENCH_WORKERS"


def workers() -> int:
    """Processes a framework app runs ($BENCH_WORKERS, set by the bench to ccvae-serve's own
    default of one per core), so that every contender has the same cores the same way."""
    return int(os.environ.get(WORKERS, "1"))


def layout() -> Settings:
    """The CCVAE_* settings with workers and threads resolved as ccvae-serve resolves them."""
    settings = Settings(workers=workers())
    return process_layout(settings)


@dataclass
class Model:
    """The shipped encoder + classifier behind the service's own preprocessing."""

    runtime: Runtime
    settings: Settings

    @classmethod
    def load(cls) -> Model:
        """Sessions as ccvae-serve makes them: same CCVAE_* settings, same threads per process."""
        settings = layout()
        runtime = Runtime.load(load_manifest(settings.model_dir), "cpu", settings.threads)
        return cls(runtime, settings)

    def prepare(self, data: bytes) -> np.ndarray:
        """PNG/JPEG bytes -> (1, H, W) float32, exactly as the service's /classify does."""
        shape = self.runtime.manifest.image.shape
        return imaging.prepare(data, shape, "auto", self.settings.max_image_pixels)

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """(N, 1, H, W) -> (N, K): one model call on the batch the framework formed."""
        record_batch(len(images))
        return self.runtime.encode_and_classify(images).probabilities

    def answer(self, probabilities: np.ndarray) -> dict[str, object]:
        """(K,) -> the service's /classify answer for one image."""
        label = int(probabilities.argmax())
        classes = self.runtime.manifest.classes
        return {
            "label": label,
            "class_name": classes[label],
            "probabilities": probabilities.tolist(),
        }

    def predict(self, images: np.ndarray) -> list[dict[str, object]]:
        """(N, 1, H, W) -> one answer per image, in the service's /classify shape."""
        return [self.answer(p) for p in self.probabilities(images)]


def record_batch(size: int) -> None:
    """Append one model call's batch size to $BENCH_BATCH_LOG (a no-op when unset)."""
    path = os.environ.get(BATCH_LOG)
    if path:
        with Path(path).open("a") as log:  # NOTE: several worker processes may append
            log.write(f"{size}\n")
