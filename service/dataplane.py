"""What the endpoints ask of the model, on request-sized inputs; routes call this and no lower.

Images from uploads go through the encoder micro-batcher, latents through the decoder one (when
batching is on); the latent arithmetic of generation and interpolation is small pure functions.
Every model call carries the deadline of the request it serves (service/admission.py): past it,
the call is refused with Overloaded and counted as shed, and the model never runs it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import Any, TypeVar

import numpy as np

from service import admission, imaging, tracing
from service.batching import MicroBatcher, run_model
from service.errors import Overloaded, PayloadTooLarge, ServiceError
from service.graphs import Graph
from service.metrics import Metrics
from service.runtime import Encoding, Runtime
from service.settings import Settings


class Source(str, Enum):
    """Where generation draws z from: the fitted density of the training digits' codes, or the
    priors z_c ~ p(z_c|y), z_s ~ N(0, I)."""

    density = "density"
    prior = "prior"


T = TypeVar("T")

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
        self.runtime, self.settings, self.metrics = runtime, settings, metrics
        self.manifest = runtime.manifest
        self.dc = self.manifest.latent.c
        labels = np.arange(len(self.manifest.classes))
        self.prior_loc, self.prior_scale = runtime.prior(labels)  # (K, Dc) each, fixed
        self.sources: tuple[Source, ...] = (Source.prior,)
        if runtime.has_density:
            self.density_loc, self.density_tril = runtime.density(labels)  # (K, D), (K, D, D)
            self.sources = (Source.density, Source.prior)
        self._large = asyncio.Lock()
        self._encode = _timed(lambda x: runtime.encode_and_classify(x).fields(), "encoder", metrics)
        # NOTE: reading (with the out-of-distribution score) batches apart from encoding, so
        # that /reconstruct and the like do not pay for a decoder run they do not use; without
        # the score, reading is encoding and shares its batcher.
        scoring = settings.ood and runtime.has_ood
        self._read = (
            _timed(lambda x: runtime.read(x).fields(), "reader", metrics)
            if scoring
            else self._encode
        )
        self._decode = _timed(lambda z: (runtime.decode(z),), "decoder", metrics)
        self._encoder: MicroBatcher[Timed[Encoding]] | None = None
        self._reader: MicroBatcher[Timed[Encoding]] | None = None
        self._decoder: MicroBatcher[Timed[np.ndarray]] | None = None
        if settings.batching:
            self._encoder = _batcher("encoder", self._encode, _split_encoding, settings, metrics)
            self._reader = (
                _batcher("reader", self._read, _split_encoding, settings, metrics)
                if scoring
                else self._encoder
            )
            self._decoder = _batcher("decoder", self._decode, _split_images, settings, metrics)

    def _batchers(self) -> list[MicroBatcher[Any]]:
        """Each batcher once (the reader may be the encoder's)."""
        found = (self._encoder, self._reader, self._decoder)
        return list(dict.fromkeys(b for b in found if b is not None))

    def start(self) -> None:
        """Start the batchers' workers in the running loop."""
        for batcher in self._batchers():
            batcher.start()

    async def stop(self) -> None:
        """Stop the batchers, failing whatever still waits."""
        for batcher in self._batchers():
            await batcher.stop()

    async def read_images(
        self, uploads: Sequence[tuple[str, bytes]], invert: imaging.Invert, fit: bool = True
    ) -> np.ndarray:
        """(name, bytes) uploads -> (N, 1, H, W) model inputs; large pictures off the event loop."""
        shape, settings = self.manifest.image.shape, self.settings

        def prepare(name: str, data: bytes) -> np.ndarray:
            try:
                return imaging.prepare(
                    data, shape, invert, settings.max_image_pixels, fit,
                    max_side=settings.max_image_side,
                )  # fmt: skip
            except ServiceError as e:
                e.message = f"{name!r}: {e.message}" if len(uploads) > 1 else e.message
                raise

        def prepare_all() -> np.ndarray:
            return np.stack([prepare(*u) for u in uploads])

        # NOTE: a thread hop costs about as much as preparing a small digit (~0.1 ms), and with the
        # GIL held throughout, a thread would not run it in parallel anyway; only large pictures,
        # whose decoding would stall every other request, are worth moving off the loop.
        declared = sum(imaging.pixels(data) for _, data in uploads)
        if len(uploads) > 1 and declared > settings.max_request_pixels:
            raise PayloadTooLarge(
                f"the {len(uploads)} images of this request declare {declared} pixels in all; "
                f"the limit is {settings.max_request_pixels} (CCVAE_MAX_REQUEST_PIXELS)"
            )
        with tracing.span("decode"):
            if declared <= INLINE_PIXELS:
                return prepare_all()
            # NOTE: one large upload at a time per worker: the GIL would interleave them anyway,
            # and in parallel their decoded pixels would add up.
            async with self._large:
                return await asyncio.to_thread(prepare_all)

    async def _admitted(self, work: Awaitable[T]) -> T:
        """The model call's result; a refusal for load is counted as shed on its way out."""
        try:
            return await work
        except Overloaded as e:
            self.metrics.shed(e.reason)
            raise

    async def _timed_call(
        self,
        batcher: MicroBatcher[Timed[T]] | None,
        call: Callable[[np.ndarray], Timed[T]],
        x: np.ndarray,
    ) -> T:
        """x through the batcher (or alone when batching is off) within the request's deadline;
        the request's `queue` and `model` spans recorded."""  # fmt: skip
        deadline, queued = admission.deadline(), time.time_ns()
        if batcher is not None:
            result, times = await self._admitted(batcher.submit(x, deadline))
        else:
            result, times = await self._admitted(run_model(call, x, deadline))
        _record(queued, times)
        return result

    async def encode(self, images: np.ndarray) -> Encoding:
        """Posterior and class probabilities of a batch of model inputs."""
        return await self._timed_call(self._encoder, self._encode_one, images)

    async def read(self, images: np.ndarray) -> Encoding:
        """`encode`, plus the out-of-distribution scores when the model ships them (and the
        settings ask for them)."""
        return await self._timed_call(self._reader, self._read_one, images)

    async def decode(self, z: np.ndarray) -> Decoded:
        """Images of a batch of latent codes."""
        return Decoded(await self._timed_call(self._decoder, self._decode_one, z), z)

    def _encode_one(self, x: np.ndarray) -> Timed[Encoding]:
        return _split_encoding(self._encode(x))

    def _read_one(self, x: np.ndarray) -> Timed[Encoding]:
        return _split_encoding(self._read(x))

    def _decode_one(self, z: np.ndarray) -> Timed[np.ndarray]:
        return _split_images(self._decode(z))

    async def infer(
        self, graph: Graph, feed: Mapping[str, np.ndarray], outputs: Sequence[str]
    ) -> list[Any]:
        """A graph of the inference protocol run on raw tensors, unbatched, within the deadline."""
        return await self._admitted(graph.infer(feed, outputs, admission.deadline()))

    async def generate(
        self, label: int, n: int, temperature: float, seed: int, source: Source
    ) -> Decoded:
        """n samples of one label from the fitted density or the priors, reproducible by seed."""
        if source == Source.density:
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
        if source == Source.density:
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


def _batcher(
    name: str,
    call: Callable[[np.ndarray], tuple[np.ndarray, ...]],
    split: Callable[[Sequence[np.ndarray]], Timed[T]],
    settings: Settings,
    metrics: Metrics,
) -> MicroBatcher[Timed[T]]:
    """A micro-batcher of `call` within the settings' bounds, its queue depth in the metrics."""
    batcher = MicroBatcher(
        call,
        split,
        max_batch=settings.max_batch,
        max_wait_s=settings.max_wait_ms / 1000.0,
        max_queue=settings.max_queue,
        on_batch=lambda n: metrics.record_depth(name),
    )
    metrics.watch_depth(name, lambda: batcher.depth)
    return batcher


def _split_images(parts: Sequence[np.ndarray]) -> Timed[np.ndarray]:
    """(images, times) -> the images and the call's (start, end)."""
    return parts[0], parts[1][0]


def _split_encoding(parts: Sequence[np.ndarray]) -> Timed[Encoding]:
    """(loc, scale, probabilities[, ood], times) -> the Encoding and the call's (start, end)."""
    return Encoding(*parts[:-1]), parts[-1][0]


def _record(queued: int, times: np.ndarray) -> None:
    """The current request's `queue` (from submitting to its model call) and `model` spans."""
    start, end = int(times[0]), int(times[1])
    tracing.record("queue", queued, start)
    tracing.record("model", start, end)
