"""Settings of the service, from `CCVAE_*` environment variables or the `ccvae-serve` flags."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from service.logs import LogFormat

Device = Literal["cpu", "cuda", "auto"]
ServerKind = Literal["granian", "uvicorn"]
SHIPPED_MODEL = Path("models") / "ccvae-mnist"


def default_model_dir() -> Path:
    """The shipped model: under the working directory if there, else beside the package."""
    candidates = (Path.cwd() / SHIPPED_MODEL, Path(__file__).resolve().parents[1] / SHIPPED_MODEL)
    return next((c for c in candidates if c.is_dir()), candidates[0])


class Settings(BaseSettings):
    """Everything an operator can change; built once per app by `create_app`."""

    model_config = SettingsConfigDict(
        env_prefix="CCVAE_", use_attribute_docstrings=True, protected_namespaces=()
    )

    model_dir: Path = Field(default_factory=default_model_dir)
    """Directory with manifest.json and the four ONNX files."""
    device: Device = "cpu"
    """Execution provider: cpu, cuda (fail when absent) or auto (CUDA when onnxruntime has it)."""
    threads: int = Field(default=0, ge=0)
    """Intra-op threads per ONNX session; 0: the cores shared out among the workers."""
    max_upload_bytes: int = Field(default=10 * 2**20, gt=0)
    """Largest request body accepted, in bytes (all uploaded files together)."""
    max_image_pixels: int = Field(default=2**22, gt=0)
    """Largest image accepted, in pixels, read from its header before decoding (a JPEG counts at
    the reduced scale it is decoded at); 2^22 is 2048 x 2048."""
    max_files: int = Field(default=256, gt=0)
    """Most image files in one /classify request."""
    max_samples: int = Field(default=64, gt=0)
    """Largest `n` of /generate."""
    max_steps: int = Field(default=32, ge=2)
    """Largest `steps` of /interpolate."""
    server: ServerKind = "granian"
    """HTTP server under the app: granian parses HTTP in Rust threads, outside the GIL, which
    left the Python side a quarter more requests per second than uvicorn at 64 clients; uvicorn
    (httptools, uvloop) answers a lone client about 0.1 ms sooner, and answers a request head
    that does not parse with the service's JSON error (granian: a 400 with no body, from Rust)."""
    workers: int = Field(default=0, ge=0)
    """Server processes sharing the port, each with its own model (ccvae-serve); 0: one per core."""
    metrics_dir: Path | None = None
    """Where worker processes share their metrics (prometheus_client's multiprocess directory), so
    that /metrics counts them all; ccvae-serve takes $PROMETHEUS_MULTIPROC_DIR or makes one for
    --workers > 1, and empties it at start; none: this process's metrics alone."""
    access_log: bool = False
    """Log one line per request (method, path, status, time, request ID); off by default: /metrics
    counts requests by endpoint and status anyway."""
    batching: bool = True
    """Merge concurrent requests into one model call (micro-batching)."""
    max_batch: int = Field(default=64, gt=0)
    """Most images in one merged model call."""
    max_wait_ms: float = Field(default=0.0, ge=0.0)
    """Longest a batch waits for more requests, in ms; 0: it takes those that queued meanwhile."""
    max_image_side: int = Field(default=4096, gt=0)
    """Longest side of an image accepted, in pixels, read from its header before decoding (a
    16,777,216 x 1 picture is refused although its pixels are within the limit)."""
    max_request_pixels: int = Field(default=2**22, gt=0)
    """Most pixels that the images of one request of several may declare together (checked from
    their headers before any is decoded): it bounds the CPU time of one batch upload."""
    max_infer_rows: int = Field(default=256, gt=0)
    """Largest batch (rows, the first axis) of one /v2 inference request."""
    max_response_bytes: int = Field(default=2 * 2**20, gt=0)
    """Largest /v2 response, in bytes, estimated from the output shapes before the model runs
    (JSON numbers counted at 25 bytes each, binary data at its item size)."""
    max_header_bytes: int = Field(default=64 * 2**10, gt=0)
    """Largest request head (request line and headers), in bytes, under uvicorn, whose httptools
    parser has no limit of its own (granian refuses heads over about 400 KiB itself)."""
    header_timeout_s: float = Field(default=30.0, gt=0.0)
    """Longest a request's head (request line and headers) may take to arrive, in seconds; a
    connection still sending it then is closed (granian's own header_read_timeout, which
    uvicorn lacks: ccvae-serve adds it there, answering 408)."""
    max_queue: int = Field(default=64, ge=0)
    """Most requests one worker holds on the model's endpoints (every POST), running or waiting;
    one more is refused at once with 503 and Retry-After, before its body is read (Triton's
    max_queue_size, Ray Serve's max_queued_requests, OLLAMA_MAX_QUEUE). 0: no limit."""
    deadline_ms: float = Field(default=2000.0, ge=0.0)
    """Deadline of a request from its arrival, in ms: one still waiting for the model when it
    passes is refused with 503 and never run (Triton's default_timeout_microseconds with the
    REJECT action), one whose body is still arriving with 408; a /v2 request's `timeout`
    parameter (µs) may shorten it. 0: none (nor any limit on a slow body). A full
    queue of the heaviest call drains in under a second on two cores; when the machine is
    starved and it does not, the deadline bounds the wait that max_queue alone would not."""
    shutdown_grace_s: int = Field(default=30, ge=1)
    """On SIGTERM, how many seconds requests in flight may take to finish before the server
    stops them and exits (Triton's --exit-timeout-secs)."""

    log_format: LogFormat = "text"
    """Log lines, the server's own included: text, or JSON objects (one per line) for a log
    collector; both carry a UTC timestamp and the request's ID."""
    ood: bool = True
    """Score every digit that /classify and /encode read for how unlike a digit it is, when the
    model ships ood.onnx (a decoder run more per image); off: they answer `ood: null`, at the
    cost of encoding alone."""


def process_layout(settings: Settings, cores: int | None = None) -> Settings:
    """Resolve `workers=0` to one process per core, and `threads=0` to that process's share.

    `cores` defaults to the cores this process may run on.

    The service's cost per request is mostly Python (HTTP, multipart, image preparation), which
    one process runs on one core at a time; onnxruntime's threads would only compete with the
    other processes for the same cores.
    """
    if cores is None:
        cores = len(os.sched_getaffinity(0))
    workers = settings.workers or max(1, cores)
    threads = settings.threads or (0 if workers == 1 else max(1, cores // workers))
    return settings.model_copy(update={"workers": workers, "threads": threads})
