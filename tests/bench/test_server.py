"""bench/server.py: a server's CPU and memory are those of its whole process family."""

from __future__ import annotations

import subprocess
import sys
import time

from bench.server import cpu_seconds, family, rss_mib

HOLDER = "x = bytearray(64 * 2**20); x[::4096] = b'1' * len(x[::4096]); import time; time.sleep(30)"
SPAWNER = f"""
import subprocess, sys, time
child = subprocess.Popen([sys.executable, "-c", {HOLDER!r}])
print(child.pid, flush=True)
time.sleep(30)
"""


def test_family_cpu_and_rss_count_the_worker_processes_too() -> None:
    parent = subprocess.Popen([sys.executable, "-c", SPAWNER], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        time.sleep(0.5)  # the child allocates its 64 MiB
        assert family(parent.pid) == [parent.pid, child]
        assert rss_mib(parent.pid) > rss_mib(child) >= 64
        assert cpu_seconds(parent.pid) >= cpu_seconds(child) > 0
    finally:
        subprocess.run(["pkill", "-P", str(parent.pid)], check=False)
        parent.kill()
        parent.communicate()


def test_family_of_a_process_that_is_gone_is_empty() -> None:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    assert family(process.pid) == []
