"""The cost model: CPU time and peak memory of the costliest legal request of each kind.

    python -m bench.costs            # about a minute; prints the table of docs/benchmarks.md

One ccvae-serve worker (one thread) on the shipped model, with the default limits. For each
case the worker's peak RSS is reset (`/proc/<pid>/clear_refs`), the request is sent `REPEATS`
times one after another, and the worker's CPU time per request and its peak RSS above the case's
start are read from /proc; then a burst of `BURST` copies at once, after which the RSS must come
back to the idle baseline (read once the worker's periodic malloc_trim has run).
`CCVAE_SERVER=uvicorn python -m bench.costs` runs it under uvicorn.
The attacks of issue 13 are sent too: each must be refused (4xx) cheaply.
"""

from __future__ import annotations

import io
import json
import struct
import tempfile
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

from bench.server import Server, ccvae_serve, free_port
from service.graphs import JSON_NUMBER_BYTES
from service.memory import TRIM_INTERVAL_S
from service.settings import Settings

REPEATS = 5
BURST = 12
SETTLE_S = TRIM_INTERVAL_S + 1.0


@dataclass(frozen=True)
class Case:
    name: str
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    files: list[tuple[str, tuple[str, bytes]]] | None = None


def picture(width: int, height: int, mode: str, fmt: str = "PNG") -> bytes:
    """A thick bar (a "1") on a black field of the given size and mode."""
    pixels = np.zeros((height, width), np.uint8)
    pixels[height // 5 : 4 * height // 5, 2 * width // 5 : 3 * width // 5] = 255
    image = Image.fromarray(pixels).convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    return buffer.getvalue()


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares a size and holds no pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def raw(path: str, data: bytes, kind: str = "image/png") -> Case:
    return Case(path, "POST", path, {"content-type": kind}, data)


def tensors(model: str, name: str, shape: list[int]) -> Case:
    data = np.random.default_rng(0).random(int(np.prod(shape))).round(4).tolist()
    body = {"inputs": [{"name": name, "shape": shape, "datatype": "FP32", "data": data}]}
    return Case("", "POST", f"/v2/models/{model}/infer", {"content-type": "application/json"},
                json.dumps(body).encode())  # fmt: skip


def binary(case: Case) -> Case:
    """The same request, asking for every output as binary data."""
    body = json.loads(case.body)
    body["parameters"] = {"binary_data_output": True}
    return Case(case.name, case.method, case.path, case.headers, json.dumps(body).encode())


def cases(settings: Settings) -> list[tuple[str, Case, bool]]:
    """(what, request, legal): the costliest legal request of each kind, then the attacks."""
    side = int(settings.max_image_pixels**0.5)
    rows = settings.max_infer_rows
    pixels = 28 * 28  # the decoder's output per row
    json_rows = min(rows, settings.max_response_bytes // (JSON_NUMBER_BYTES * pixels))
    half = settings.max_request_pixels // 2
    two = [("file", (f"{i}.png", picture(half // side, side, "RGBA"))) for i in range(2)]
    return [
        (f"/classify, one {side}x{side} RGBA PNG (the pixel limit)",
         raw("/classify", picture(side, side, "RGBA")), True),
        (f"/classify, one {settings.max_image_side}x{side // 4} grey PNG (the side limit)",
         raw("/classify", picture(settings.max_image_side, side // 4, "L")), True),
        (f"/classify, two RGBA PNGs of {half} pixels (the request's pixels)",
         Case("", "POST", "/classify", {}, b"", two), True),
        ("/classify, one 4096x4096 JPEG (decoded at 512x512)",
         raw("/classify", picture(4096, 4096, "RGB", "JPEG"), "image/jpeg"), True),
        (f"/v2 decoder, {json_rows} rows, JSON out (the response limit)",
         tensors("decoder", "z", [json_rows, 32]), True),
        (f"/v2 decoder, {rows} rows, binary out", binary(tensors("decoder", "z", [rows, 32])),
         True),
        (f"/v2 encoder, {rows} rows of 28x28, JSON in",
         tensors("encoder", "image", [rows, 1, 28, 28]), True),
        (f"/generate n={settings.max_samples} format=json",
         Case("", "POST", f"/generate?label=3&n={settings.max_samples}&format=json", {}, b""),
         True),
        ("attack: PNG of 16,777,216x1", raw("/classify", png_header(2**24, 1)), False),
        ("attack: 4096x4096 RGBA PNG", raw("/classify", picture(4096, 4096, "RGBA")), False),
        ("attack: four PNGs of 16,777,216x1",
         Case("", "POST", "/classify", {}, b"",
              [("file", (f"{i}.png", png_header(2**24, 1))) for i in range(4)]), False),
        ("attack: /v2 decoder of 80,000 rows", tensors("decoder", "z", [80_000, 32]), False),
    ]  # fmt: skip


def status_field(pid: int, key: str) -> float:
    """A /proc/<pid>/status field in MiB (VmRSS, VmHWM)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) / 1024
    raise KeyError(key)


def worker_pid(server: Server) -> int:
    """The process that runs the app (the server's own, or its one worker's)."""
    assert server.process is not None
    children = Path(f"/proc/{server.process.pid}/task/{server.process.pid}/children")
    pids = children.read_text().split()
    return int(pids[0]) if pids else server.process.pid


def send(client: httpx.Client, case: Case) -> int:
    response = client.request(case.method, case.path, headers=case.headers,
                              content=case.body or None, files=case.files)  # fmt: skip
    return response.status_code


def main() -> None:
    settings = Settings()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="ccvae-costs-") as tmp:
        command = ccvae_serve(port, "--workers", "1", "--threads", "1", "--log-level", "warning")
        with Server("service", command, port, Path(tmp) / "server.log") as server:
            pid = worker_pid(server)
            client = httpx.Client(base_url=server.url, timeout=120)
            send(client, raw("/classify", picture(28, 28, "L")))  # warm-up
            time.sleep(SETTLE_S)
            baseline = status_field(pid, "VmRSS")
            print(f"idle worker RSS {baseline:.0f} MiB; limits: {settings.max_image_pixels} "
                  f"pixels, side {settings.max_image_side}, {settings.max_request_pixels} pixels "
                  f"a request, {settings.max_infer_rows} rows, {settings.max_response_bytes} "
                  "response bytes\n")  # fmt: skip
            print("| request | status | body (kB) | CPU ms | peak RSS over its start (MiB) "
                  f"| RSS after {BURST} at once, over idle (MiB) |")  # fmt: skip
            print("|---|---:|---:|---:|---:|---:|")
            for what, case, legal in cases(settings):
                Path(f"/proc/{pid}/clear_refs").write_text("5")
                start = status_field(pid, "VmRSS")
                cpu = server.cpu_seconds()
                statuses = {send(client, case) for _ in range(REPEATS)}
                cpu_ms = 1000 * (server.cpu_seconds() - cpu) / REPEATS
                peak = status_field(pid, "VmHWM") - start
                after = "–"
                if legal:
                    with ThreadPoolExecutor(BURST) as pool:
                        statuses |= set(pool.map(send, [client] * BURST, [case] * BURST))
                    time.sleep(SETTLE_S)
                    after = f"{status_field(pid, 'VmRSS') - baseline:+.0f}"
                size = (len(case.body) + sum(len(f[1][1]) for f in case.files or [])) / 1000
                shown = "/".join(str(s) for s in sorted(statuses))
                print(f"| {what} | {shown} | {size:.0f} | {cpu_ms:.0f} | {peak:.0f} | {after} |",
                      flush=True)  # fmt: skip
            client.close()


if __name__ == "__main__":
    main()
