"""What the endpoints ask of the model, on request-sized inputs; routes call this and no lower.

Images from uploads go through the encoder micro-batcher, latents through the decoder one (when
batching is on); the latent arithmetic of generation and interpolation is small pure functions.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

import numpy as np

from service import imaging, tracing
from service.batching import MicroBatcher, run_model
from service.errors import ServiceError
from service.metrics import Metrics
from service.runtime import Encoding, Runtime
from service.settings import Settings

T = TypeVar("T")
Source = Literal["density", "prior"]
"""Where generation draws z from: the fitted density of the training digits' codes, or the
priors z_c ~ p(z_c|y), z_s ~ N(0, I)."""

Timed = tuple[T, np.ndarray]
"""A caller's share of a model call's outputs, and the call's start and end (epoch ns)."""

INLINE_PIXELS = 256 * 256
"""Uploads with at most this many pixels in all are prepared on the event loop (about 1 ms)."""


@dataclass(frozen=True)
class Decoded:
    """Decoded images with the latent codes they came from."""

    images: np.ndarray  # (N, 1, H, W)
    z: np.ndarray  # (N, Dc + Ds)


def sample_latents(
    loc: np.ndarray, scale: np.ndarray, style: int, n: int, temperature: float, seed: int
) -> np.ndarray:
    """z = [loc + T·scale·eps_c, T·eps_s] with eps ~ N(0, I): n draws from p(z_c|y) p(z_s)."""
    rng = np.random.default_rng(seed)
    eps = rng.standard_normal((n, loc.shape[-1] + style))  # (n, Dc + Ds)
    z_c = loc + temperature * scale * eps[:, : loc.shape[-1]]
    z_s = temperature * eps[:, loc.shape[-1] :]
    return np.concatenate([z_c, z_s], axis=1).astype(np.float32)


def sample_density(
    loc: np.ndarray, scale_tril: np.ndarray, n: int, temperature: float, seed: int
) -> np.ndarray:
    """z = loc + T·scale_tril·eps with eps ~ N(0, I): n draws from one label's fitted density."""
    eps = np.random.default_rng(seed).standard_normal((n, loc.shape[-1]))
    z: np.ndarray = (loc + temperature * eps @ scale_tril.T).astype(np.float32)
    return z


def lerp(start: np.ndarray, end: np.ndarray, steps: int) -> np.ndarray:
    """`steps` points from start to end inclusive, evenly spaced: (D,), (D,) -> (steps, D)."""
    t = np.linspace(0.0, 1.0, steps)[:, None]
    points: np.ndarray = ((1.0 - t) * start + t * end).astype(np.float32)
    return points


def carry_offset(
    z_c: np.ndarray,
    own: tuple[np.ndarray, np.ndarray],
    new: tuple[np.ndarray, np.ndarray],
    keep: float,
) -> np.ndarray:
    """z_c moved from its own label's prior (loc, scale) to the new label's, keeping `keep` of
    its standardised offset: μ_new + keep·σ_new·(z_c − μ_own)/σ_own; keep 0 is μ_new."""
    (mu_own, sd_own), (mu_new, sd_new) = own, new
    moved: np.ndarray = (mu_new + keep * sd_new * (z_c - mu_own) / sd_own).astype(np.float32)
    return moved


class DataPlane:
    """The model's operations as the endpoints need them, batched across requests when asked."""

    def __init__(self, runtime: Runtime, settings: Settings, metrics: Metrics) -> None:
        self.runtime, self.settings = runtime, settings
        self.manifest = runtime.manifest
        self.dc = self.manifest.latent.c
        labels = np.arange(len(self.manifest.classes))
        self.prior_loc, self.prior_scale = runtime.prior(labels)  # (K, Dc) each, fixed
        self.sources: tuple[Source, ...] = ("prior",)
        if runtime.has_density:
            self.density_loc, self.density_tril = runtime.density(labels)  # (K, D), (K, D, D)
            self.sources = ("density", "prior")
        self._encode = _timed(lambda x: _fields(runtime.encode_and_classify(x)), "encoder", metrics)
        self._decode = _timed(lambda z: (runtime.decode(z),), "decoder", metrics)
        self._encoder: MicroBatcher[Timed[Encoding]] | None = None
        self._decoder: MicroBatcher[Timed[np.ndarray]] | None = None
        if settings.batching:
            wait = settings.max_wait_ms / 1000.0
            self._encoder = MicroBatcher(
                self._encode,
                lambda parts: (Encoding(*parts[:3]), parts[3][0]),
                max_batch=settings.max_batch,
                max_wait_s=wait,
                on_batch=lambda n: metrics.record_depth("encoder"),
            )
            self._decoder = MicroBatcher(
                self._decode,
                lambda parts: (parts[0], parts[1][0]),
                max_batch=settings.max_batch,
                max_wait_s=wait,
                on_batch=lambda n: metrics.record_depth("decoder"),
            )
            encoder, decoder = self._encoder, self._decoder
            metrics.watch_depth("encoder", lambda: encoder.depth)
            metrics.watch_depth("decoder", lambda: decoder.depth)

    def start(self) -> None:
        """Start the batchers' workers in the running loop."""
        for batcher in (self._encoder, self._decoder):
            if batcher is not None:
                batcher.start()

    async def stop(self) -> None:
        """Stop the batchers, failing whatever still waits."""
        for batcher in (self._encoder, self._decoder):
            if batcher is not None:
                await batcher.stop()

    async def read_images(
        self, uploads: Sequence[tuple[str, bytes]], invert: imaging.Invert, fit: bool = True
    ) -> np.ndarray:
        """(name, bytes) uploads -> (N, 1, H, W) model inputs; large pictures off the event loop."""
        shape, limit = self.manifest.image.shape, self.settings.max_image_pixels

        def prepare(name: str, data: bytes) -> np.ndarray:
            try:
                return imaging.prepare(data, shape, invert, limit, fit)
            except ServiceError as e:
                e.message = f"{name!r}: {e.message}" if len(uploads) > 1 else e.message
                raise

        def prepare_all() -> np.ndarray:
            return np.stack([prepare(*u) for u in uploads])

        # NOTE: a thread hop costs about as much as preparing a small digit (~0.1 ms), and with the
        # GIL held throughout, a thread would not run it in parallel anyway; only large pictures,
        # whose decoding would stall every other request, are worth moving off the loop.
        with tracing.span("decode"):
            if sum(imaging.pixels(data) for _, data in uploads) <= INLINE_PIXELS:
                return prepare_all()
            return await asyncio.to_thread(prepare_all)

    async def encode(self, images: np.ndarray) -> Encoding:
        """Posterior and class probabilities of a batch of model inputs."""
        queued = time.time_ns()
        if self._encoder is not None:
            encoding, times = await self._encoder.submit(images)
        else:
            outputs = await run_model(self._encode, images)
            encoding, times = Encoding(*outputs[:3]), outputs[3][0]
        _record(queued, times)
        return encoding

    async def decode(self, z: np.ndarray) -> Decoded:
        """Images of a batch of latent codes."""
        queued = time.time_ns()
        if self._decoder is not None:
            images, times = await self._decoder.submit(z)
        else:
            images, stamps = await run_model(self._decode, z)
            times = stamps[0]
        _record(queued, times)
        return Decoded(images, z)

    async def generate(
        self, label: int, n: int, temperature: float, seed: int, source: Source
    ) -> Decoded:
        """n samples of one label from the fitted density or the priors, reproducible by seed."""
        if source == "density":
            z = sample_density(
                self.density_loc[label], self.density_tril[label], n, temperature, seed
            )
            return await self.decode(z)
        z = sample_latents(
            self.prior_loc[label],
            self.prior_scale[label],
            self.manifest.latent.s,
            n,
            temperature,
            seed,
        )
        return await self.decode(z)

    async def interpolate_labels(
        self, start: int, end: int, steps: int, temperature: float, seed: int, source: Source
    ) -> Decoded:
        """From the fitted density: z along the line between one seeded draw (the same eps)
        under each label. From the priors: z_c along the line between the two labels' prior
        means, one seeded style z_s held fixed."""
        if source == "density":
            ends = [
                sample_density(
                    self.density_loc[label], self.density_tril[label], 1, temperature, seed
                )
                for label in (start, end)
            ]
            return await self.decode(lerp(ends[0][0], ends[1][0], steps))
        style = sample_latents(
            self.prior_loc[start],
            self.prior_scale[start],
            self.manifest.latent.s,
            1,
            temperature,
            seed,
        )[0, self.dc :]
        z_c = lerp(self.prior_loc[start], self.prior_loc[end], steps)
        z = np.concatenate([z_c, np.broadcast_to(style, (steps, style.shape[0]))], axis=1)
        return await self.decode(z.astype(np.float32))

    async def interpolate_images(self, images: np.ndarray, steps: int) -> Decoded:
        """The whole z along the line between two images' posterior means."""
        encoding = await self.encode(images)
        return await self.decode(lerp(encoding.loc[0], encoding.loc[1], steps))

    async def reconstruct(self, images: np.ndarray) -> Decoded:
        """Decode each image's posterior mean."""
        encoding = await self.encode(images)
        return await self.decode(encoding.loc)

    async def intervene(self, images: np.ndarray, label: int, keep: float) -> Decoded:
        """Keep each image's style z_s, move its z_c to the target label, and decode.

        z_c leaves the prior of the label the classifier reads, keeping `keep` of its offset
        from that prior's mean (z_c also holds some of the writer's style); keep 0 sets the
        target label's prior mean, as the report does.
        """
        encoding = await self.encode(images)
        own = encoding.probabilities.argmax(axis=1)
        z = encoding.loc.copy()
        z[:, : self.dc] = carry_offset(
            z[:, : self.dc],
            (self.prior_loc[own], self.prior_scale[own]),
            (self.prior_loc[label], self.prior_scale[label]),
            keep,
        )
        return await self.decode(z)


def _timed(
    fn: Callable[[np.ndarray], tuple[np.ndarray, ...]], batcher: str, metrics: Metrics
) -> Callable[[np.ndarray], tuple[np.ndarray, ...]]:
    """fn, measured: rows and seconds go to the metrics, and the call's start and end (epoch ns)
    travel as one more output, a row per input row, so each caller of a merged batch gets the
    times of the call that served it."""

    def call(x: np.ndarray) -> tuple[np.ndarray, ...]:
        start = time.time_ns()
        outputs = fn(x)
        end = time.time_ns()
        metrics.observe_model(batcher, len(x), (end - start) / 1e9)
        return (*outputs, np.array([(start, end)] * len(x), np.int64))

    return call


def _record(queued: int, times: np.ndarray) -> None:
    """The current request's `queue` (from submitting to its model call) and `model` spans."""
    start, end = int(times[0]), int(times[1])
    tracing.record("queue", queued, start)
    tracing.record("model", start, end)


def _fields(encoding: Encoding) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return encoding.loc, encoding.scale, encoding.probabilities
