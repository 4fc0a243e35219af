"""Process memory: blocks of a MiB or more go back to the system as soon as they are freed.

glibc's malloc serves a block over its mmap threshold from a mapping of its own, unmapped on free;
but the threshold rises to the size of the largest such block freed (up to 32 MiB), after which
large pictures, arrays and JSON bodies come from the heap, which keeps its peak: a worker held
440 MB after a burst of large legal uploads. Setting the threshold fixes it (mallopt also stops
it from rising), so memory returns to its baseline after the burst; requests whose blocks are all
smaller, the common case, are unaffected.
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
"""mallopt's parameters (glibc's malloc.h)."""
LARGE_BLOCK = 2**20
"""Blocks from this size up get a mapping of their own."""
TRIM_INTERVAL_S = 5.0
"""How often free memory inside the heaps (every thread's arena) is handed back."""


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def return_large_blocks(threshold: int = LARGE_BLOCK) -> bool:
    """Make malloc map blocks of `threshold` bytes or more, and trim the heap's free top past
    4x that; False where the C library has no mallopt (musl, macOS), which then stays as is."""
    mallopt = getattr(_libc(), "mallopt", None)
    if mallopt is None:
        log.info("no mallopt in this C library: freed memory stays with the process")
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_MMAP_THRESHOLD, threshold) and mallopt(M_TRIM_THRESHOLD, 4 * threshold))


async def trim_periodically(interval_s: float = TRIM_INTERVAL_S) -> None:
    """Hand the free pages inside every malloc arena back to the system, every `interval_s`,
    until cancelled: blocks under the mmap threshold that many threads freed (request bodies
    read in chunks, tensors) leave holes that the heaps would otherwise keep."""
    trim = getattr(_libc(), "malloc_trim", None)
    if trim is None:
        return
    while True:
        await asyncio.sleep(interval_s)
        await asyncio.to_thread(trim, 0)
