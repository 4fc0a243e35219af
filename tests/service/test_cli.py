"""`ccvae-serve`: flags over settings, a clear refusal of a bad model, and a real server."""

from __future__ import annotations

import signal
from pathlib import Path

import httpx
import numpy as np
import pytest

from service.cli import build_parser, main
from service.settings import Settings, process_layout
from tests.service.conftest import png
from tests.service.live_server import start_server


def test_help_shows_each_setting_and_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for flag in (
        "--model-dir",
        "--device",
        "--threads",
        "--max-batch",
        "--no-batching",
        "--server",
    ):
        assert flag in text
    assert "$CCVAE_DEVICE or cpu" in text


def test_every_setting_is_a_flag_with_its_docstring_as_help(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    text = "".join(capsys.readouterr().out.split())  # argparse wraps lines, at hyphens too
    for name, field in Settings.model_fields.items():
        assert f"--{name.replace('_', '-')}" in text
        assert f"$CCVAE_{name.upper()}" in text
        assert "".join((field.description or "").split()) in text


def test_flags_reach_the_settings_they_are_generated_from() -> None:
    args = build_parser().parse_args(
        ["--max-files", "3", "--log-format", "json", "--no-batching", "--max-wait-ms", "1.5"]
    )
    assert args.max_files == 3 and args.log_format == "json"
    assert args.batching is False and args.max_wait_ms == 1.5
    assert not hasattr(args, "threads")  # a flag left out keeps the environment's value


def test_main_refuses_a_setting_out_of_range(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--max-files", "0"])
    assert exit_.value.code == 2
    assert "max_files" in capsys.readouterr().err


def test_main_refuses_a_missing_model_before_serving(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--model-dir", str(tmp_path / "nothing")])
    assert exit_.value.code == 2
    assert "no model at" in capsys.readouterr().err


def test_main_refuses_an_unknown_device(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--device", "tpu"])
    assert "invalid choice: 'tpu'" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["granian", "uvicorn"])
def test_ccvae_serve_answers_over_http_on_either_server(
    shipped_model: Path, mnist: tuple[np.ndarray, np.ndarray], kind: str
) -> None:
    server, url = start_server(shipped_model, "--server", kind)
    try:
        digit = png(mnist[0][0])
        response = httpx.post(f"{url}/classify", files={"file": ("d.png", digit)}, timeout=10)
        assert response.status_code == 200
        assert response.json()["label"] == int(mnist[1][0])
        # the raw body, as `curl --data-binary @d.png -H 'Content-Type: image/png'` sends it
        headers = {"content-type": "image/png"}
        response = httpx.post(f"{url}/classify", content=digit, headers=headers, timeout=10)
        assert response.status_code == 200
        assert response.json()["label"] == int(mnist[1][0])
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    # NOTE: uvicorn re-raises SIGTERM after its graceful shutdown; granian exits with 0.
    assert server.returncode in (0, -signal.SIGTERM)
    assert b"service.app: stopped" in output
    assert (b"granian" in output) == (kind == "granian")
    assert b'"POST /classify HTTP/1.1" 200' not in output  # no access log unless asked


def test_process_layout_gives_each_core_a_worker_and_shares_threads_out() -> None:
    assert process_layout(Settings(), cores=2).workers == 2
    assert process_layout(Settings(), cores=2).threads == 1
    assert process_layout(Settings(workers=1), cores=2).threads == 0  # onnxruntime: every core
    assert process_layout(Settings(workers=2), cores=8).threads == 4
    assert process_layout(Settings(workers=3, threads=2), cores=2).threads == 2


def test_workers_share_the_port_and_each_serves_the_flags_settings(
    shipped_model: Path, mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    server, url = start_server(shipped_model, "--workers", "2", "--no-batching", "--access-log")
    try:
        digit = png(mnist[0][0])
        for _ in range(20):  # new connections, spread by the kernel over both processes
            response = httpx.post(f"{url}/classify", content=digit,
                                  headers={"content-type": "image/png"}, timeout=10)  # fmt: skip
            assert response.json()["label"] == int(mnist[1][0])
            assert httpx.get(f"{url}/model", timeout=10).json()["batching"] is False
        metrics = httpx.get(f"{url}/metrics", timeout=10).text  # whichever worker answers
        assert 'ccvae_requests_total{endpoint="/classify",method="POST",status="200"} 20' in metrics
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert server.returncode in (0, -signal.SIGTERM)
    assert output.count(b"service.app: ready") == 2
    assert output.count(b"service.app: stopped") == 2
    assert output.count(b'"POST /classify HTTP/1.1" 200') == 20
