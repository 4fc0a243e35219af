"""BentoML contender: a `@bentoml.service` whose batchable API is BentoML's adaptive batching.

    bentoml serve bench.frameworks.bentoml_service:Classifier --host 127.0.0.1 --port 3000

`POST /classify` takes the same multipart upload as the service (field `file`); BentoML turns
each part into a file on disk (`Path`, its documented file type) and merges the lists of
concurrent requests into one call of at most 64 images. As many workers as ccvae-serve runs
processes ($BENCH_WORKERS); the answer is a list with one prediction per uploaded file.
"""

from __future__ import annotations

from pathlib import Path

import bentoml
import numpy as np

from bench.frameworks.model import Model, workers

MAX_BATCH = 64
MAX_LATENCY_MS = 1000  # the latency budget BentoML's dispatcher plans batches within


@bentoml.service(workers=workers())
class Classifier:
    """The shipped encoder + classifier, loaded once per worker."""

    def __init__(self) -> None:
        self.model = Model.load()

    @bentoml.api(batchable=True, max_batch_size=MAX_BATCH, max_latency_ms=MAX_LATENCY_MS)
    def classify(self, file: list[Path]) -> list[dict[str, object]]:
        """Classify every uploaded digit of every request in the batch BentoML formed."""
        images = np.stack([self.model.prepare(path.read_bytes()) for path in file])
        return self.model.predict(images)
