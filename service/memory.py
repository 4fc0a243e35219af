"""Process memory: blocks of a MiB or more go back to the system as soon as they are freed.

glibc's malloc serves a block over its mmap threshold from a mapping of its own, unmapped on free;
but the threshold rises to the size of the largest such block freed (up to 32 MiB), after which
large pictures, arrays and JSON bodies come from the heap, which keeps its peak: a worker held
440 MB after a burst of large legal uploads. Setting the threshold fixes it (mallopt also stops
it from rising), so memory returns to its baseline after the burst; requests whose blocks are all
smaller, the common case, are unaffected.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
"""mallopt's parameters (glibc's malloc.h)."""
LARGE_BLOCK = 2**20
"""Blocks from this size up get a mapping of their own."""


def return_large_blocks(threshold: int = LARGE_BLOCK) -> bool:
    """Make malloc map blocks of `threshold` bytes or more, and trim the heap's free top past
    4x that; False where the C library has no mallopt (musl, macOS), which then stays as is."""
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        log.info("no mallopt in this C library: freed memory stays with the process")
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    return bool(mallopt(M_MMAP_THRESHOLD, threshold) and mallopt(M_TRIM_THRESHOLD, 4 * threshold))
