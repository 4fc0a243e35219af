"""Contender (a), the compute limit: the service's own steps called in-process, no HTTP at all.

For /classify: PNG decode and MNIST-style preparation (service.imaging.prepare), then encoder and
classifier in onnxruntime; for /generate: a prior draw, the decoder and PNG encoding. Timed one
request at a time (latency) and with the model run on batches of 64 (what 64 waiting clients could
at best be served at by one process).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from service import imaging
from service.latents import sample_latents
from service.manifest import load_manifest
from service.runtime import Runtime
from service.settings import Settings


@dataclass(frozen=True)
class Limit:
    """Latency of one request alone, and requests/s when the model sees batches of 64."""

    p50_ms: float
    p99_ms: float
    rps_batched: float


def _latencies(step: Callable[[int], object], count: int) -> np.ndarray:
    seconds = []
    for i in range(count):
        t0 = time.perf_counter()
        step(i)
        seconds.append(time.perf_counter() - t0)
    return np.array(seconds)


def _limit(single: Callable[[int], object], batched: Callable[[int], object], count: int) -> Limit:
    for i in range(20):  # warm-up
        single(i)
    ms = _latencies(single, count) * 1e3
    t0 = time.perf_counter()
    batches = max(1, count // 64)
    for b in range(batches):
        batched(b)
    rps = batches * 64 / (time.perf_counter() - t0)
    return Limit(float(np.percentile(ms, 50)), float(np.percentile(ms, 99)), rps)


def measure(pngs: list[bytes], count: int, settings: Settings | None = None) -> dict[str, Limit]:
    """The compute limit of /classify (on these PNGs) and /generate (n=1), in this process."""
    settings = settings or Settings()
    runtime = Runtime.load(load_manifest(settings.model_dir), "cpu", settings.threads)
    m = runtime.manifest
    shape, limit = m.image.shape, settings.max_image_pixels
    prior_loc, prior_scale = runtime.prior(np.arange(len(m.classes)))

    def classify(i: int) -> object:
        x = imaging.prepare(pngs[i % len(pngs)], shape, "auto", limit)[None]  # (1, 1, 28, 28)
        return runtime.encode_and_classify(x).probabilities.argmax(axis=1)

    def classify_64(b: int) -> object:
        x = np.stack([imaging.prepare(pngs[(64 * b + j) % len(pngs)], shape, "auto", limit)
                      for j in range(64)])  # fmt: skip
        return runtime.encode_and_classify(x).probabilities.argmax(axis=1)

    def draw(label: int, seed: int) -> np.ndarray:
        return sample_latents(prior_loc[label], prior_scale[label], m.latent.s, 1, 1.0, seed)

    def generate(i: int) -> object:
        return imaging.to_png(runtime.decode(draw(i % 10, i))[0])

    def generate_64(b: int) -> object:
        z = np.concatenate([draw(j % 10, 64 * b + j) for j in range(64)])
        return [imaging.to_png(image) for image in runtime.decode(z)]

    return {
        "/classify": _limit(classify, classify_64, count),
        "/generate": _limit(generate, generate_64, count),
    }
