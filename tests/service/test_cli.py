"""`ccvae-serve`: flags over settings, a clear refusal of a bad model, and a real server."""

from __future__ import annotations

import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import numpy as np
import pytest

from service.cli import main
from tests.service.conftest import png


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_help_shows_each_setting_and_its_default(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    text = capsys.readouterr().out
    for flag in ("--model-dir", "--device", "--threads", "--max-batch", "--no-batching"):
        assert flag in text
    assert "$CCVAE_DEVICE or cpu" in text


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


def test_ccvae_serve_answers_over_http(
    shipped_model: Path, mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    script = shutil.which("ccvae-serve", path=str(Path(sys.executable).parent))
    assert script, "ccvae-serve is not installed: pip install -e .[serve]"
    port = free_port()
    command = [script, "--port", str(port), "--model-dir", str(shipped_model), "--threads", "1"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
            try:
                if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "ccvae-serve did not become ready in 60 s"
            time.sleep(0.2)
        digit = png(mnist[0][0])
        response = httpx.post(f"{url}/classify", files={"file": ("d.png", digit)}, timeout=10)
        assert response.status_code == 200
        assert response.json()["label"] == int(mnist[1][0])
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    # NOTE: uvicorn shuts down gracefully, then re-raises SIGTERM so the status reflects it.
    assert server.returncode in (0, -signal.SIGTERM)
    assert b"Application shutdown complete" in output
