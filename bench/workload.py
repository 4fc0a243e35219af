"""The benchmark's requests: MNIST test digits as PNG uploads, /generate and /v2 calls, on disk.

Every contender is sent the very same bytes. A request set is a folder holding one body file per
request and `requests.tsv` (method, path, content type, body file), which `bench/replay.lua`
replays round robin inside wrk, and which the in-process contender reads back too.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

BOUNDARY = "ccvae-bench-boundary"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


@dataclass(frozen=True)
class Request:
    """One HTTP request of a set: its body is a file beside `requests.tsv` (or none)."""

    method: str
    path: str
    content_type: str | None
    body: bytes


def mnist_dir() -> Path:
    """$CCVAE_MNIST_DIR, or the shared copy beside the repository."""
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
    return Path(os.environ.get("CCVAE_MNIST_DIR", default))


def mnist_test_digits(count: int) -> tuple[np.ndarray, np.ndarray]:
    """The first `count` MNIST test digits (uint8, white on black, 28x28) and their labels."""

    def read_idx(path: Path) -> np.ndarray:
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        ndim = data[3]
        shape = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
        return np.frombuffer(data, np.uint8, offset=4 + 4 * ndim).reshape(shape)

    root = mnist_dir()

    def find(stem: str) -> Path:
        for name in (f"{stem}.gz", stem):
            if (root / name).is_file():
                return root / name
        raise SystemExit(f"no {stem}[.gz] in {root}: set CCVAE_MNIST_DIR to MNIST's IDX files")

    images = read_idx(find("t10k-images-idx3-ubyte"))[:count]
    labels = read_idx(find("t10k-labels-idx1-ubyte"))[:count]
    return images, labels


def png(pixels: np.ndarray) -> bytes:
    """8-bit grey PNG bytes of an (H, W) uint8 array."""
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def multipart(field: str, filename: str, data: bytes) -> bytes:
    """A multipart/form-data body with one file field, as a browser or curl -F sends it."""
    head = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{field}"; '
        f'filename="{filename}"\r\nContent-Type: image/png\r\n\r\n'
    )
    return head.encode() + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def classify_requests(count: int) -> list[Request]:
    """POST /classify with each of the first `count` test digits as a PNG upload."""
    images, _ = mnist_test_digits(count)
    return [
        Request("POST", "/classify", MULTIPART, multipart("file", f"{i}.png", png(image)))
        for i, image in enumerate(images)
    ]


def generate_requests(count: int) -> list[Request]:
    """POST /generate of one sample, cycling through the labels with a fixed seed each."""
    return [Request("POST", f"/generate?label={i % 10}&seed={i}", None, b"") for i in range(count)]


def infer_requests(count: int, latent_c: int) -> list[Request]:
    """POST /v2/models/classifier/infer (the inference protocol, JSON tensors) of one seeded
    z_c each."""
    rng = np.random.default_rng(0)
    requests = []
    for z_c in rng.standard_normal((count, latent_c)).astype(np.float32):
        tensor = {"name": "z_c", "shape": [1, latent_c], "datatype": "FP32", "data": z_c.tolist()}
        body = json.dumps({"inputs": [tensor]}).encode()
        requests.append(Request("POST", "/v2/models/classifier/infer", "application/json", body))
    return requests


def write(requests: list[Request], folder: Path) -> Path:
    """Write a request set for bench/replay.lua; returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for i, r in enumerate(requests):
        name = "-"
        if r.body:
            name = f"{i:05d}.body"
            (folder / name).write_bytes(r.body)
        lines.append("\t".join([r.method, r.path, r.content_type or "-", name]))
    (folder / "requests.tsv").write_text("\n".join(lines) + "\n")
    return folder
