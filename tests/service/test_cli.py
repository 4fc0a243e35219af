"""`ccvae-serve`: flags over settings, a clear refusal of a bad model, and a real server."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
from pathlib import Path

import httpx
import numpy as np
import pytest

from service.cli import build_parser, main
from service.settings import Settings, process_layout
from tests.service.conftest import png
from tests.service.live_server import (
    ccvae_serve,
    connect,
    free_port,
    raw_json_error,
    read_to_close,
    serving,
    start_server,
)


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


def test_help_states_each_default_as_the_value_it_is(capsys: pytest.CaptureFixture[str]) -> None:
    """A 0 is a number with a meaning of its own (workers: one per core), not "off": only the
    on/off flags read on or off, and a setting with no value "none"."""
    with pytest.raises(SystemExit):
        main(["--help"])
    text = " ".join(capsys.readouterr().out.split())
    for shown in (
        "$CCVAE_WORKERS or 0)",
        "$CCVAE_THREADS or 0)",
        "$CCVAE_MAX_WAIT_MS or 0.0)",
        "$CCVAE_MAX_FILES or 256)",
        "$CCVAE_BATCHING or on)",
        "$CCVAE_ACCESS_LOG or off)",
        "$CCVAE_METRICS_DIR or none)",
    ):
        assert shown in text


def test_flags_reach_the_settings_they_are_generated_from() -> None:
    args = build_parser().parse_args(
        ["--max-files", "3", "--log-format", "json", "--no-batching", "--max-wait-ms", "1.5"]
    )
    assert args.max_files == 3 and args.log_format == "json"
    assert args.batching is False and args.max_wait_ms == 1.5
    assert not hasattr(args, "threads")  # a flag left out keeps the environment's value


def test_main_refuses_a_setting_out_of_range_in_one_line_naming_its_flag_and_variable(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--max-files", "0"])
    assert exit_.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("ccvae-serve: error: --max-files (CCVAE_MAX_FILES): ")
    assert line.endswith("Input should be greater than 0 (got 0)")


@pytest.mark.parametrize("port", ["65536", "99999", "-1", "http"])
def test_main_refuses_a_port_outside_0_to_65535(
    capsys: pytest.CaptureFixture[str], port: str
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--port", port])
    assert exit_.value.code == 2
    assert "is not a port from 0 to 65535" in capsys.readouterr().err


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_ccvae_serve_refuses_a_port_another_server_listens_on(server: str) -> None:
    """granian binds with SO_REUSEPORT: without this check a second server started and took a
    share of the first one's connections."""
    with socket.socket() as taken:
        taken.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)  # as granian's own socket
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        done = subprocess.run([ccvae_serve(), "--server", server, "--port", port],
                              capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 2
    (line,) = done.stderr.splitlines()
    assert f"cannot listen on 127.0.0.1 port {port}: Address already in use" in line


def test_main_refuses_a_host_it_cannot_listen_on(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--host", "999.1.1.1"])
    assert exit_.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "--host '999.1.1.1': not an address to listen on" in line


def test_ccvae_serve_listens_on_a_host_given_by_name(shipped_model: Path) -> None:
    """granian takes an address only: `--host localhost` was a traceback."""
    server, url = start_server(shipped_model, "--host", "localhost")
    try:
        assert httpx.get(f"{url}/health/ready", timeout=10).status_code == 200
    finally:
        server.terminate()
        server.communicate(timeout=20)


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
    flags = ("--deadline-ms", "500", "--header-timeout-s", "1")
    server, url = start_server(shipped_model, "--server", kind, *flags)
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
        # `curl -I`: the GET's status and length, no body (each server reads the method itself)
        head, got = httpx.head(f"{url}/model", timeout=10), httpx.get(f"{url}/model", timeout=10)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["content-length"] == got.headers["content-length"]
        # a body that stops half-way: 408 at the deadline, and the server closes the connection
        with connect(url) as stalled:
            stalled.sendall(b"POST /classify HTTP/1.1\r\nHost: ccvae\r\nContent-Type: image/png"
                            b"\r\nContent-Length: 5000\r\n\r\n" + digit[:10])  # fmt: skip
            answer = read_to_close(stalled)
        assert answer.startswith(b"HTTP/1.1 408 ") and b"request_timeout" in answer
        # a head that stops half-way: the connection closes once its time is up (uvicorn says
        # 408 first; granian closes without a word)
        with connect(url) as stalled:
            stalled.sendall(b"GET /model HTTP/1.1\r\nHost: ccvae\r\nX-Half: ")
            answer = read_to_close(stalled)
        assert answer == b"" if kind == "granian" else answer.startswith(b"HTTP/1.1 408 ")
        assert httpx.get(f"{url}/health/live", timeout=10).status_code == 200
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    # NOTE: uvicorn re-raises SIGTERM after its graceful shutdown; granian exits with 0.
    assert server.returncode in (0, -signal.SIGTERM)
    assert b"service.app: stopped" in output
    assert (b"granian" in output) == (kind == "granian")
    assert b'"POST /classify HTTP/1.1" 200' not in output  # no access log unless asked
    assert b"Traceback" not in output


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


def _rehash(model_dir: Path, role: str) -> None:
    """Write the role's file's true sha256 into the manifest, as a careless re-export would."""
    path = model_dir / "manifest.json"
    manifest = json.loads(path.read_text())
    data = (model_dir / manifest["files"][role]["path"]).read_bytes()
    manifest["files"][role]["sha256"] = hashlib.sha256(data).hexdigest()
    path.write_text(json.dumps(manifest))


def _truncate_encoder(model_dir: Path) -> None:
    encoder = model_dir / "encoder.onnx"
    encoder.write_bytes(encoder.read_bytes()[:200])
    _rehash(model_dir, "encoder")


def _prior_as_encoder(model_dir: Path) -> None:
    shutil.copy(model_dir / "prior.onnx", model_dir / "encoder.onnx")
    _rehash(model_dir, "encoder")


BROKEN = {
    "truncated encoder, checksum updated": (_truncate_encoder, "encoder", "does not load"),
    "wrong graph, checksum updated": (_prior_as_encoder, "encoder.onnx", "has inputs ['label']"),
}


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
@pytest.mark.parametrize("breakage", list(BROKEN))
def test_ccvae_serve_refuses_a_broken_model_in_one_line_under_either_server(
    tiny_model_dir: Path, server: str, breakage: str
) -> None:
    breaks, file, problem = BROKEN[breakage]
    breaks(tiny_model_dir)
    command = [ccvae_serve(), "--model-dir", str(tiny_model_dir), "--server", server,
               "--workers", "2", "--port", str(free_port())]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert file in lines[0] and problem in lines[0]


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_main_refuses_a_missing_model_file_in_one_line(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str], server: str
) -> None:
    (tiny_model_dir / "decoder.onnx").unlink()
    with pytest.raises(SystemExit) as exit_:
        main(["--model-dir", str(tiny_model_dir), "--server", server])
    assert exit_.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "decoder.onnx named in the manifest does not exist" in line


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_main_refuses_an_unreadable_model_file_in_one_line(
    tiny_model_dir: Path, capsys: pytest.CaptureFixture[str], server: str
) -> None:
    encoder = tiny_model_dir / "encoder.onnx"
    encoder.chmod(0)
    try:
        if os.access(encoder, os.R_OK):
            pytest.skip("this user reads files whatever their mode (root)")
        with pytest.raises(SystemExit) as exit_:
            main(["--model-dir", str(tiny_model_dir), "--server", server])
    finally:
        encoder.chmod(0o644)
    assert exit_.value.code == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert "encoder.onnx cannot be read: Permission denied" in line


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_a_websocket_handshake_gets_a_json_400_under_either_server(
    tiny_model_dir: Path, server: str
) -> None:
    """Both servers offer ASGI's denial response, so the refusal is the service's JSON, not the
    empty 403 they send when an application closes a handshake."""
    upgrade = {"connection": "Upgrade", "upgrade": "websocket", "sec-websocket-version": "13",
               "sec-websocket-key": "dGhlIHNhbXBsZSBub25jZQ==", "x-request-id": "ws-1"}  # fmt: skip
    with serving(tiny_model_dir, "--server", server) as url:
        refused = httpx.get(f"{url}/classify", headers=upgrade, timeout=10)
        assert refused.status_code == 400
        assert refused.json()["error"] == {
            "type": "bad_request",
            "message": "'/classify' takes no WebSocket connection: every endpoint of this "
            "service answers plain HTTP requests (GET /openapi.json lists them)",
            "request_id": "ws-1",
        }
        assert httpx.get(f"{url}/health/ready", timeout=10).status_code == 200


@pytest.mark.parametrize(
    "head",
    [
        b"GET /health/live HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n",
        b"G\x01T /health/live HTTP/1.1\r\nHost: x\r\n\r\n",
        b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Bad: a\x00b\r\n\r\n",
        b"not http at all\r\n\r\n",
    ],
    ids=["content-length-not-a-number", "control-character-in-method", "nul-in-header", "junk"],
)
def test_uvicorn_answers_a_head_that_does_not_parse_with_a_json_400_and_keeps_serving(
    tiny_model_dir: Path, head: bytes
) -> None:
    server, url = start_server(tiny_model_dir, "--server", "uvicorn")
    try:
        with connect(url) as s:
            s.sendall(head)
            error = raw_json_error(read_to_close(s), 400)  # the server closes after its answer
        assert error["type"] == "bad_request"
        assert "not valid HTTP/1.1" in error["message"]
        assert httpx.get(f"{url}/health/live", timeout=10).status_code == 200
    finally:
        server.terminate()
        server.communicate(timeout=20)


def test_uvicorn_refuses_a_request_head_over_the_limit_and_keeps_serving(
    tiny_model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CCVAE_MAX_HEADER_BYTES", "8192")
    server, url = start_server(tiny_model_dir, "--server", "uvicorn")
    try:
        with connect(url) as s:
            s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\nX-Big: ")
            with contextlib.suppress(OSError):  # the server may close while we still send
                for _ in range(1024):  # up to 64 MiB
                    s.sendall(b"a" * 65536)
            error = raw_json_error(s.recv(4096), 431)
        assert "exceed the limit of 8192 bytes" in error["message"]
        fine = httpx.get(f"{url}/health/live", headers={"X-Small": "a" * 4000}, timeout=10)
        assert fine.status_code == 200
    finally:
        server.terminate()
        server.communicate(timeout=20)
