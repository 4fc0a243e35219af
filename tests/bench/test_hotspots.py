"""bench/hotspots.py: py-spy samples attributed to the stages of a request."""

from __future__ import annotations

from pathlib import Path

from bench.hotspots import NATIVE, stage_of, stage_table, stages

RUN = "run (onnxruntime/capi/onnxruntime_inference_collection.py:283)"
ROUTE = "app (fastapi/routing.py:438)"
PREPARE = "prepare (service/imaging.py:200)"
SUBMIT = "_run (service/batching.py:140)"


def test_the_innermost_frame_that_names_a_stage_decides() -> None:
    assert stage_of([ROUTE, SUBMIT, RUN]) == "model (onnxruntime)"
    assert stage_of([ROUTE, PREPARE, "open (PIL/Image.py:3500)"]) == "image decode and preparation"
    assert stage_of([ROUTE, SUBMIT]) == "batching hop"
    assert stage_of([ROUTE]) == "routing, validation, middleware"
    assert stage_of(["<module> (x.py:1)"]) == "other"


def test_stages_share_the_busy_samples_and_leave_idle_waits_out(tmp_path: Path) -> None:
    folded = tmp_path / "folded.txt"
    folded.write_text(
        f"thread 1;{ROUTE};{RUN} 30\n"
        f"thread 1;{ROUTE};{PREPARE} 10\n"
        "thread 2;_bootstrap (threading.py:1);_worker (concurrent/futures/thread.py:80) 500\n"
    )
    shares = stages(folded)
    assert shares == {"model (onnxruntime)": 0.75, "image decode and preparation": 0.25}
    table = stage_table(shares, cpu_ms=0.4)
    assert "| model (onnxruntime) | 75.0% | 300 |" in table
    assert "| **all** | 100% | 400 |" in table


def test_server_threads_without_python_frames_count_as_native_work(tmp_path: Path) -> None:
    folded = tmp_path / "folded.txt"
    folded.write_text(
        f'process 7:"ccvae-serve";thread (8) 3\nprocess 7:"ccvae-serve";thread (9);{RUN} 1\n'
    )
    shares = stages(folded)
    assert shares == {NATIVE: 0.75, "model (onnxruntime)": 0.25}
