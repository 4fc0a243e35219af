"""A real `ccvae-serve` process on a free loopback port, for the tests that need one."""

from __future__ import annotations

import contextlib
import json
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

from bench.server import free_port


def ccvae_serve() -> str:
    """The ccvae-serve script of this interpreter's environment."""
    script = shutil.which("ccvae-serve", path=str(Path(sys.executable).parent))
    assert script, "ccvae-serve is not installed: pip install -e .[serve]"
    return script


def start_server(
    model_dir: Path, *flags: str, timeout_s: float = 60
) -> tuple[subprocess.Popen[bytes], str]:
    """Start ccvae-serve on the model (with more flags) and wait until /health/ready answers 200."""
    script = ccvae_serve()
    port = free_port()
    # NOTE: one process unless asked: the tests share two cores, and one process is one log.
    command = [script, "--port", str(port), "--model-dir", str(model_dir), "--threads", "1",
               "--workers", "1", *flags]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout_s
    while True:
        assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
        try:
            if httpx.get(f"{url}/health/ready", timeout=1).status_code == 200:
                return server, url
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            server.kill()
            raise AssertionError(f"ccvae-serve did not become ready in {timeout_s:.0f} s")
        time.sleep(0.1)


def connect(url: str, timeout_s: float = 10) -> socket.socket:
    """A raw TCP connection to the server at `url` (as `start_server` returns it), for requests
    that an HTTP client will not send."""
    return socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1])), timeout=timeout_s)


def raw_json_error(answer: bytes, status: int) -> dict[str, str]:
    """The error of a raw HTTP answer: its status line, a JSON body, and the body's request ID
    in the X-Request-ID header too, as every answer of the service carries it."""
    assert answer.startswith(f"HTTP/1.1 {status} ".encode())
    head, body = answer.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    assert b"content-type: application/json" in lines
    error = json.loads(body)["error"]
    assert f"x-request-id: {error['request_id']}".encode() in lines
    return error


def read_to_close(s: socket.socket) -> bytes:
    """All a server sends on a connection until it closes it."""
    return b"".join(iter(lambda: s.recv(4096), b""))


@contextlib.contextmanager
def serving(model_dir: Path, *flags: str) -> Iterator[str]:
    """A ccvae-serve process (as `start_server` starts it) for the block: its URL, then SIGTERM,
    and the process must end cleanly."""
    server, url = start_server(model_dir, *flags)
    try:
        yield url
    finally:
        server.terminate()
        try:
            server.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    assert server.returncode in (0, -signal.SIGTERM)
