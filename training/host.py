"""The host a run trains on: its torch threads, and how glibc's malloc treats the memory torch
frees.

A CPU training step allocates and frees the same large buffers (activations, gradients, the
augmented batch) every step. By default glibc returns a freed block above its mmap threshold to
the kernel (munmap) and trims the heap's top past 128 KiB, so the next step faults every page in
again: about 10^5 minor page faults a second and a sixth of the CPU in the kernel on two cores
(docs/benchmarks.md, "Training throughput"). Keeping freed memory in the process, which then holds
its peak, removes both:

    M_MMAP_THRESHOLD = 32 MiB   (glibc's largest; blocks below it come from the heap)
    M_TRIM_THRESHOLD = 1 GiB    (the heap's top is not given back)
    M_TOP_PAD        = 256 MiB  (the heap grows in large steps)

`use_cores` sets them with mallopt in this process; `tunables` writes them as GLIBC_TUNABLES, for
a process that cannot call it (results/cpu.sh's frozen checkouts, which predate this module). On a
C library other than glibc nothing changes.
"""

from __future__ import annotations

import ctypes
import ctypes.util

import torch

MALLOC = {  # name in GLIBC_TUNABLES, mallopt's parameter number, value
    "mmap_threshold": (-3, 32 * 2**20),
    "trim_threshold": (-1, 2**30),  # mallopt takes an int: below 2 GiB
    "top_pad": (-2, 256 * 2**20),
}


def tunables() -> str:
    """MALLOC as a GLIBC_TUNABLES value, read by glibc when a process starts."""
    return ":".join(f"glibc.malloc.{name}={value}" for name, (_, value) in MALLOC.items())


def keep_freed_memory() -> bool:
    """Set MALLOC in this process's malloc; False where the C library is not glibc."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    return all(mallopt(param, value) == 1 for param, value in MALLOC.values())


def use_cores(threads: int | None) -> None:
    """torch's intra-op threads (torch's own choice when None or 0), and keep_freed_memory()."""
    if threads:
        torch.set_num_threads(threads)
    keep_freed_memory()
