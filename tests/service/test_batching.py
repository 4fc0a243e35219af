"""The micro-batcher merges concurrent callers, splits results back, and never strands one."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Sequence

import numpy as np
import pytest

from service.batching import INLINE_ROWS, MicroBatcher, merge, run_model, split
from service.errors import Overloaded


def double(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return x * 2, x.sum(axis=1)


def recording(
    sizes: list[int], fn: Callable[[np.ndarray], Sequence[np.ndarray]] = double
) -> Callable[[np.ndarray], Sequence[np.ndarray]]:
    def run(x: np.ndarray) -> Sequence[np.ndarray]:
        sizes.append(len(x))
        return fn(x)

    return run


def batcher(
    fn: Callable[[np.ndarray], Sequence[np.ndarray]], **kw: float
) -> MicroBatcher[tuple[np.ndarray, ...]]:
    options = {"max_batch": 8, "max_wait_s": 0.05, "max_queue": 0, **kw}
    return MicroBatcher(
        fn,
        lambda parts: parts,
        max_batch=int(options["max_batch"]),
        max_wait_s=options["max_wait_s"],
        max_queue=int(options["max_queue"]),
    )


def rows(n: int, start: int = 0) -> np.ndarray:
    return np.arange(start, start + 3 * n, dtype=np.float32).reshape(n, 3)


def test_merge_then_split_gives_each_caller_its_rows() -> None:
    inputs = [rows(2), rows(1, 10), rows(3, 20)]
    batch, sizes = merge(inputs)
    assert batch.shape == (6, 3) and sizes == [2, 1, 3]
    parts = split(double(batch), sizes)
    for x, (twice, total) in zip(inputs, parts, strict=True):
        np.testing.assert_array_equal(twice, x * 2)
        np.testing.assert_array_equal(total, x.sum(axis=1))


def test_batcher_merges_concurrent_callers_into_fewer_calls() -> None:
    sizes: list[int] = []

    async def scenario() -> list[tuple[np.ndarray, ...]]:
        b = batcher(recording(sizes), max_batch=64)
        b.start()
        results = await asyncio.gather(*(b.submit(rows(1 + i % 3, i)) for i in range(12)))
        await b.stop()
        return results

    results = asyncio.run(scenario())
    assert sum(sizes) == sum(1 + i % 3 for i in range(12))
    assert len(sizes) < 12
    for i, (twice, _) in enumerate(results):
        np.testing.assert_array_equal(twice, rows(1 + i % 3, i) * 2)


def test_batcher_never_exceeds_max_batch() -> None:
    sizes: list[int] = []

    async def scenario() -> None:
        b = batcher(recording(sizes), max_batch=4)
        b.start()
        await asyncio.gather(*(b.submit(rows(1 + i % 2)) for i in range(10)))
        await b.stop()

    asyncio.run(scenario())
    assert max(sizes) <= 4 and sum(sizes) == 15


def test_batcher_runs_a_lone_caller_after_max_wait() -> None:
    async def scenario() -> tuple[np.ndarray, ...]:
        b = batcher(double, max_wait_s=0.001)
        b.start()
        result = await asyncio.wait_for(b.submit(rows(1)), timeout=5)
        await b.stop()
        return result

    np.testing.assert_array_equal(asyncio.run(scenario())[0], rows(1) * 2)


def test_failed_batch_fails_every_waiting_caller_and_the_next_batch_runs() -> None:
    def explode_on_negative(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if (x < 0).any():
            raise ValueError("negative input")
        return double(x)

    Outcome = BaseException | tuple[np.ndarray, ...]

    async def scenario() -> tuple[list[Outcome], tuple[np.ndarray, ...]]:
        b = batcher(explode_on_negative, max_wait_s=0.05)
        b.start()
        outcomes = await asyncio.gather(
            b.submit(rows(1)), b.submit(-rows(1, 1)), b.submit(rows(2)), return_exceptions=True
        )
        after = await b.submit(rows(1))
        await b.stop()
        return outcomes, after

    outcomes, after = asyncio.run(scenario())
    assert all(isinstance(o, ValueError) for o in outcomes)
    np.testing.assert_array_equal(after[0], rows(1) * 2)


def test_batcher_runs_a_lone_caller_without_waiting_for_max_wait() -> None:
    async def scenario() -> tuple[tuple[np.ndarray, ...], float]:
        b = batcher(double, max_wait_s=10.0)
        b.start()
        start = asyncio.get_running_loop().time()
        result = await asyncio.wait_for(b.submit(rows(1)), timeout=5)
        seconds = asyncio.get_running_loop().time() - start
        await b.stop()
        return result, seconds

    result, seconds = asyncio.run(scenario())
    np.testing.assert_array_equal(result[0], rows(1) * 2)
    assert seconds < 1.0


def test_stop_fails_callers_still_waiting() -> None:
    release = threading.Event()

    def slow(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        release.wait(timeout=5)
        return double(x)

    async def scenario() -> list[BaseException | tuple[np.ndarray, ...]]:
        b = batcher(slow, max_wait_s=10.0, max_batch=100)
        b.start()
        # big enough to run in a thread, so that the loop goes on while the model call hangs
        running = asyncio.ensure_future(b.submit(rows(INLINE_ROWS + 1)))
        await asyncio.sleep(0.05)  # the first batch is now in the model call
        queued = asyncio.ensure_future(b.submit(rows(1)))
        await asyncio.sleep(0.05)
        await b.stop()
        release.set()
        return list(await asyncio.gather(running, queued, return_exceptions=True))

    outcomes = asyncio.run(scenario())
    assert all(isinstance(o, RuntimeError) and "stopped" in str(o) for o in outcomes)


def test_submit_before_start_raises() -> None:
    with pytest.raises(RuntimeError, match="not running"):
        asyncio.run(batcher(double).submit(rows(1)))


def held(
    sizes: list[int], release: threading.Event
) -> Callable[[np.ndarray], Sequence[np.ndarray]]:
    """A model that records each batch's rows and then waits for the release."""

    def run(x: np.ndarray) -> Sequence[np.ndarray]:
        sizes.append(len(x))
        release.wait(timeout=5)
        return double(x)

    return run


async def occupied(b: MicroBatcher[tuple[np.ndarray, ...]]) -> asyncio.Future[object]:
    """Put a batch into the (held) model call, run in a thread so that the loop goes on."""
    running = asyncio.ensure_future(b.submit(rows(INLINE_ROWS + 1)))
    await asyncio.sleep(0.05)
    return running


def test_submit_past_max_queue_is_refused_as_queue_full() -> None:
    sizes: list[int] = []
    release = threading.Event()

    async def scenario() -> tuple[list[int], BaseException | None]:
        b = batcher(held(sizes, release), max_queue=2, max_batch=100)
        b.start()
        running = await occupied(b)
        waiting = [asyncio.ensure_future(b.submit(rows(1, i))) for i in range(2)]
        await asyncio.sleep(0.01)
        depth = [b.depth]
        try:
            await b.submit(rows(1))
            refused = None
        except Overloaded as e:
            refused = e
        release.set()
        await asyncio.gather(running, *waiting)
        depth.append(b.depth)
        await b.stop()
        return depth, refused

    depth, refused = asyncio.run(scenario())
    assert isinstance(refused, Overloaded) and refused.reason == "queue_full"
    assert depth == [2, 0]
    assert sizes == [INLINE_ROWS + 1, 2]  # the refused rows never reached the model


def test_rows_whose_deadline_passes_in_the_queue_are_refused_and_never_run() -> None:
    sizes: list[int] = []
    release = threading.Event()

    async def scenario() -> tuple[BaseException | tuple[np.ndarray, ...], ...]:
        b = batcher(held(sizes, release), max_batch=100)
        b.start()
        running = await occupied(b)
        late = asyncio.ensure_future(b.submit(rows(3), deadline=time.monotonic() + 0.02))
        on_time = asyncio.ensure_future(b.submit(rows(2), deadline=time.monotonic() + 30))
        await asyncio.sleep(0.1)  # the first deadline passes while the model is busy
        release.set()
        outcomes = await asyncio.gather(running, late, on_time, return_exceptions=True)
        await b.stop()
        return tuple(outcomes)

    _, late, on_time = asyncio.run(scenario())
    assert isinstance(late, Overloaded) and late.reason == "deadline"
    assert isinstance(on_time, tuple) and len(on_time[0]) == 2
    assert sizes == [INLINE_ROWS + 1, 2]


def test_submit_after_its_deadline_is_refused_at_once() -> None:
    sizes: list[int] = []

    async def scenario() -> None:
        b = batcher(recording(sizes))
        b.start()
        try:
            with pytest.raises(Overloaded, match="deadline passed"):
                await b.submit(rows(1), deadline=time.monotonic() - 0.001)
        finally:
            await b.stop()

    asyncio.run(scenario())
    assert sizes == []


def test_a_caller_that_has_gone_is_dropped_before_the_model() -> None:
    sizes: list[int] = []
    release = threading.Event()

    async def scenario() -> tuple[np.ndarray, ...]:
        b = batcher(held(sizes, release), max_batch=100)
        b.start()
        running = await occupied(b)
        gone = asyncio.ensure_future(b.submit(rows(3)))
        stays = asyncio.ensure_future(b.submit(rows(2)))
        await asyncio.sleep(0.01)
        gone.cancel()  # as when the request's task is cancelled because its client left
        release.set()
        await running
        result = await stays
        await b.stop()
        return result

    assert len(asyncio.run(scenario())[0]) == 2
    assert sizes == [INLINE_ROWS + 1, 2]


@pytest.mark.parametrize("n", [1, INLINE_ROWS + 1])
def test_run_model_after_its_deadline_is_refused_without_calling_the_model(n: int) -> None:
    sizes: list[int] = []
    with pytest.raises(Overloaded, match="deadline passed"):
        asyncio.run(run_model(recording(sizes), rows(n), deadline=time.monotonic() - 0.001))
    assert sizes == []
