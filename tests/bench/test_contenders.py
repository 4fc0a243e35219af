"""Stopping a contender stops everything it spawned; every contender has a distinct log."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

from bench.frameworks.contenders import (
    CONTENDERS,
    FRAMEWORKS,
    SAME_WORK,
    GroupServer,
    group_pids,
)


def test_stop_ends_the_whole_process_group(tmp_path: Path) -> None:
    server = GroupServer("sleepers", [], 0, tmp_path / "log")
    # a parent with a child of its own, as bentoml serve or PyTriton has
    server.process = subprocess.Popen(["setsid", "sh", "-c", "sleep 30 & sleep 30 & wait"])
    deadline = time.monotonic() + 5
    while len(group_pids(server.process.pid)) < 3 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(group_pids(server.process.pid)) == 3
    server.stop()
    assert group_pids(server.process.pid) == []


def test_contenders_are_the_issue_s_and_each_framework_has_its_own_venv(tmp_path: Path) -> None:
    names = [c.name for c in CONTENDERS]
    assert names[:4] == ["service", SAME_WORK, "floor", "baseline"]
    assert {c.name for c in CONTENDERS if c.venv is not None} == set(FRAMEWORKS)
    # one venv per framework; Ray Serve's one and two replicas are the same framework
    frameworks = {c.name.removesuffix(" x2") for c in CONTENDERS if c.venv}
    assert len({c.venv for c in CONTENDERS if c.venv}) == len(frameworks)
    assert len({c.batch_log(tmp_path) for c in CONTENDERS}) == len(CONTENDERS)
    must = {c.name for c in CONTENDERS if c.must_match}
    assert must == {"service", SAME_WORK, *FRAMEWORKS}  # all that run service.imaging + the ONNX
