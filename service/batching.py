"""Micro-batching: concurrent requests' arrays merged into one model call and split back.

Each caller puts (array, future, deadline) on a queue and awaits the future. One worker task
takes the first waiting item, collects more until the batch is full or `max_wait` has passed (a
lone item does not wait), runs the model once (in a thread unless the batch is tiny), and
resolves every future with its own rows, or fails them all.

Admission: the queue holds at most `max_queue` items (one more is refused with Overloaded), and
when a batch is formed, an item whose caller has gone (its future cancelled) is dropped and one
whose deadline has passed is refused, so neither reaches the model.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

import numpy as np

from service.admission import expired
from service.errors import Overloaded

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")
Item = tuple[np.ndarray, asyncio.Future[T], float | None]  # rows, answer, deadline

INLINE_ROWS = 4
"""Model calls of at most this many rows run on the event loop itself: for them a thread hop
costs more than the call (~0.1 ms each way on a busy machine), and no other request waits long."""


async def run_model(
    fn: Callable[[np.ndarray], R], x: np.ndarray, deadline: float | None = None
) -> R:
    """fn(x) on the loop for a few rows, else in a thread so the loop serves others meanwhile;
    refused with Overloaded instead if `deadline` (time.monotonic()) passes before it starts."""

    def on_time() -> R:
        late = expired(deadline)
        if late is not None:
            raise late
        return fn(x)

    if len(x) <= INLINE_ROWS:
        return on_time()
    return await asyncio.to_thread(on_time)


def timed(
    fn: Callable[[np.ndarray], tuple[np.ndarray, ...]], observe: Callable[[int, float], None]
) -> Callable[[np.ndarray], tuple[np.ndarray, ...]]:
    """fn, measured: `observe(rows, seconds)` after each call, and the call's start and end
    (epoch ns) travel as one more output, a row per input row, so each caller of a merged batch
    gets the times of the call that served it."""

    def call(x: np.ndarray) -> tuple[np.ndarray, ...]:
        start = time.time_ns()
        outputs = fn(x)
        end = time.time_ns()
        observe(len(x), (end - start) / 1e9)
        return (*outputs, np.array([(start, end)] * len(x), np.int64))

    return call


def merge(inputs: Sequence[np.ndarray]) -> tuple[np.ndarray, list[int]]:
    """Stack the callers' arrays along the batch axis, remembering how many rows each gave."""
    return np.concatenate(inputs, axis=0), [len(x) for x in inputs]


def split(outputs: Sequence[np.ndarray], sizes: Sequence[int]) -> list[tuple[np.ndarray, ...]]:
    """Cut each batched output back into the callers' row counts, in order."""
    bounds = np.cumsum([0, *sizes])
    assert all(len(out) == bounds[-1] for out in outputs), "model changed the batch size"
    return [tuple(out[a:b] for out in outputs) for a, b in itertools.pairwise(bounds)]


class MicroBatcher(Generic[T]):
    """Batch `fn(array) -> tuple of arrays` over concurrent callers of `submit`.

    `wrap` turns a caller's slice of the outputs into what `submit` returns.
    """

    def __init__(
        self,
        fn: Callable[[np.ndarray], Sequence[np.ndarray]],
        wrap: Callable[[tuple[np.ndarray, ...]], T],
        *,
        max_batch: int,
        max_wait_s: float,
        max_queue: int = 0,
        on_batch: Callable[[int], None] | None = None,
    ) -> None:
        self.fn, self.wrap = fn, wrap
        self.max_batch, self.max_wait_s, self.max_queue = max_batch, max_wait_s, max_queue
        self.on_batch = on_batch
        self._queue: asyncio.Queue[Item[T]] | None = None
        self._worker: asyncio.Task[None] | None = None
        self._carry: Item[T] | None = None
        self._taken: list[Item[T]] = []  # off the queue, not yet answered

    @property
    def depth(self) -> int:
        """Requests waiting for a batch (taken into none yet)."""
        waiting = self._queue.qsize() if self._queue is not None else 0
        return waiting + (self._carry is not None)

    def start(self) -> None:
        """Create the queue and the worker inside the running event loop."""
        self._queue = asyncio.Queue()
        self._worker = asyncio.get_running_loop().create_task(self._run(), name="micro-batcher")

    async def stop(self) -> None:
        """Stop the worker and fail whatever still waits, so no caller hangs."""
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
            self._worker = None
        pending = [*self._taken, *([self._carry] if self._carry else [])]
        while self._queue is not None and not self._queue.empty():
            pending.append(self._queue.get_nowait())
        self._carry, self._taken = None, []
        _fail([future for _, future, _ in pending], RuntimeError("micro-batcher stopped"))

    async def submit(self, x: np.ndarray, deadline: float | None = None) -> T:
        """Queue a caller's rows and wait for its share of the batched result.

        Refused with Overloaded when `max_queue` items already wait, or when `deadline`
        (time.monotonic()) passes before the rows are taken into a batch.
        """
        if self._queue is None or self._worker is None or self._worker.done():
            raise RuntimeError("micro-batcher is not running")
        if self.max_queue and self.depth >= self.max_queue:
            raise Overloaded(
                "queue_full",
                f"{self.depth} requests already wait for the model, its limit (CCVAE_MAX_QUEUE)",
            )
        late = expired(deadline)
        if late is not None:
            raise late
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((x, future, deadline))
        return await future

    def _admit(self, item: Item[T]) -> bool:
        """Whether an item goes into the batch: not if its caller has gone (the future is
        cancelled) or its deadline has passed (the future is refused)."""
        _, future, deadline = item
        if future.done():
            return False
        late = expired(deadline)
        if late is not None:
            future.set_exception(late)
            return False
        return True

    async def _collect(self) -> list[Item[T]]:
        assert self._queue is not None
        first = self._carry or await self._queue.get()
        self._carry = None
        while not self._admit(first):
            first = await self._queue.get()
        items, rows = [first], len(first[0])
        self._taken = items
        # NOTE: a lone request goes at once, so that a quiet service adds no latency; only when
        # others are already queued (concurrent load) does the batch wait up to max_wait to fill.
        wait = self.max_wait_s if not self._queue.empty() else 0.0
        until = asyncio.get_running_loop().time() + wait
        while rows < self.max_batch:
            timeout = until - asyncio.get_running_loop().time()
            try:
                item = (
                    self._queue.get_nowait()
                    if timeout <= 0
                    else await asyncio.wait_for(self._queue.get(), timeout)
                )
            except (asyncio.QueueEmpty, asyncio.TimeoutError):
                break
            if not self._admit(item):
                continue
            if rows + len(item[0]) > self.max_batch:
                self._carry = item  # starts the next batch rather than overfill this one
                break
            items.append(item)
            rows += len(item[0])
        return items

    async def _run(self) -> None:
        while True:
            items = await self._collect()
            futures = [future for _, future, _ in items]
            try:
                batch, sizes = merge([x for x, _, _ in items])
                outputs = await run_model(self.fn, batch)
                results = [self.wrap(part) for part in split(outputs, sizes)]
            except Exception as e:
                log.warning("batch of %d rows failed: %s", sum(len(x) for x, _, _ in items), e)
                _fail(futures, e)
                self._taken = []
                continue
            if self.on_batch is not None:
                self.on_batch(len(batch))
            for future, result in zip(futures, results, strict=True):
                if not future.done():  # the caller may have gone away
                    future.set_result(result)
            self._taken = []


def _fail(futures: Sequence[asyncio.Future[T]], error: BaseException) -> None:
    for future in futures:
        if not future.done():
            future.set_exception(error)
