"""What the endpoints ask of the model, on request-sized inputs; routes call this and no lower.

Images from uploads go through the encoder micro-batcher, latents through the decoder one (when
batching is on; the latent arithmetic is service/latents.py). The inference protocol's requests
run one graph each, unbatched, on the tensors they send.
Every model call carries the deadline of the request it serves (service/admission.py): past it,
the call is refused with Overloaded and counted as shed, and the model never runs it.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import numpy as np

from service import admission, imaging, tracing
from service.batching import MicroBatcher, run_model, timed
from service.errors import Overloaded, PayloadTooLarge, ServiceError, shown
from service.graphs import Graph, Graphs
from service.latents import Source, carry_offset, lerp, sample_density, sample_latents
from service.metrics import Metrics
from service.runtime import Encoding, Runtime
from service.settings import Settings

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


class DataPlane:
    """The model's operations as every endpoint needs them: the image endpoints' (batched across
    requests when asked) and the inference protocol's, on each exported graph's raw tensors.

    Built once the runtime is loaded, before the first request (its graphs' signatures take a
    probe run each): in the lifespan, off the event loop.
    """

    def __init__(self, runtime: Runtime, settings: Settings, metrics: Metrics) -> None:
        self.runtime, self.settings, self.metrics = runtime, settings, metrics
        self.graphs = Graphs(runtime)
        self.manifest = runtime.manifest
        self.dc = self.manifest.latent.c
        labels = np.arange(len(self.manifest.classes))
        self.prior_loc, self.prior_scale = runtime.prior(labels)  # (K, Dc) each, fixed
        self.sources: tuple[Source, ...] = (Source.prior,)
        if runtime.has_density:
            self.density_loc, self.density_tril = runtime.density(labels)  # (K, D), (K, D, D)
            self.sources = (Source.density, Source.prior)
        self._large = asyncio.Lock()
        self._encode = timed(
            lambda x: runtime.encode_and_classify(x).fields(), _observe("encoder", metrics)
        )
        # NOTE: reading (with the out-of-distribution score) batches apart from encoding, so
        # that /reconstruct and the like do not pay for a decoder run they do not use; without
        # the score, reading is encoding and shares its batcher.
        scoring = settings.ood and runtime.has_ood
        self._read = (
            timed(lambda x: runtime.read(x).fields(), _observe("reader", metrics))
            if scoring
            else self._encode
        )
        self._decode = timed(lambda z: (runtime.decode(z),), _observe("decoder", metrics))
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
                e.message = f"{shown(name)}: {e.message}" if len(uploads) > 1 else e.message
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
        call: Callable[[np.ndarray], tuple[np.ndarray, ...]],
        split: Callable[[Sequence[np.ndarray]], Timed[T]],
        x: np.ndarray,
    ) -> T:
        """x through the batcher (or alone when batching is off) within the request's deadline;
        the request's `queue` and `model` spans recorded."""  # fmt: skip
        deadline, queued = admission.deadline(), time.time_ns()
        if batcher is not None:
            result, times = await self._admitted(batcher.submit(x, deadline))
        else:
            result, times = await self._admitted(run_model(lambda b: split(call(b)), x, deadline))
        _record(queued, times)
        return result

    async def encode(self, images: np.ndarray) -> Encoding:
        """Posterior and class probabilities of a batch of model inputs."""
        return await self._timed_call(self._encoder, self._encode, _split_encoding, images)

    async def read(self, images: np.ndarray) -> Encoding:
        """`encode`, plus the out-of-distribution scores when the model ships them (and the
        settings ask for them)."""
        return await self._timed_call(self._reader, self._read, _split_encoding, images)

    async def decode(self, z: np.ndarray) -> Decoded:
        """Images of a batch of latent codes."""
        return Decoded(await self._timed_call(self._decoder, self._decode, _split_images, z), z)

    def model(self, name: str, version: str | None = None) -> Graph:
        """The graph served as the protocol's model `name` (and `version`), or 404."""
        return self.graphs.get(name, version)

    async def infer(
        self, name: str, version: str | None, body: bytes, header_length: int | None
    ) -> tuple[bytes, int | None]:
        """A request of the inference protocol on one graph's raw tensors, unbatched, within
        the request's deadline (brought forward by its `timeout` parameter): the response body,
        and the length of its JSON part when binary outputs follow it."""
        graph = self.graphs.get(name, version)
        call = graph.call(body, header_length, self.settings)
        if "timeout" in call.parameters:
            admission.shorten(call.parameters["timeout"])
        names = [output.name for output in call.selected]
        arrays = await self._admitted(graph.infer(call.feed, names, admission.deadline()))
        return graph.answer(call, arrays)

    def _draw(
        self, label: int, n: int, temperature: float, seed: int, source: Source
    ) -> np.ndarray:
        """n seeded codes z of one label, from its fitted density or from the priors."""
        if source == Source.density:
            loc, tril = self.density_loc[label], self.density_tril[label]
            return sample_density(loc, tril, n, temperature, seed)
        loc, scale = self.prior_loc[label], self.prior_scale[label]
        return sample_latents(loc, scale, self.manifest.latent.s, n, temperature, seed)

    async def generate(
        self, label: int, n: int, temperature: float, seed: int, source: Source
    ) -> Decoded:
        """n samples of one label from the fitted density or the priors, reproducible by seed."""
        return await self.decode(self._draw(label, n, temperature, seed, source))

    async def interpolate_labels(
        self, start: int, end: int, steps: int, temperature: float, seed: int, source: Source
    ) -> Decoded:
        """From the fitted density: z along the line between one seeded draw (the same eps)
        under each label. From the priors: z_c along the line between the two labels' prior
        means, one seeded style z_s held fixed."""
        if source == Source.density:
            ends = [self._draw(label, 1, temperature, seed, source)[0] for label in (start, end)]
            return await self.decode(lerp(ends[0], ends[1], steps))
        style = self._draw(start, 1, temperature, seed, source)[0, self.dc :]
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


def _observe(batcher: str, metrics: Metrics) -> Callable[[int, float], None]:
    """Where a batcher's model calls are counted: rows and seconds, by batcher."""
    return lambda rows, seconds: metrics.observe_model(batcher, rows, seconds)


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
