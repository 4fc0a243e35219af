"""`ccvae-serve`: run the service under uvicorn, settings from flags over CCVAE_* variables."""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn
from granian import Granian
from granian.constants import Interfaces
from granian.log import LogLevels
from pydantic import ValidationError

from service.app import create_app
from service.http_head import BoundedHttpTools
from service.manifest import ModelError, load_manifest
from service.runtime import Runtime
from service.settings import Settings, process_layout

FLAGS: dict[str, tuple[type, str]] = {
    "model_dir": (Path, "model directory with manifest.json"),
    "device": (str, "execution provider (auto: CUDA when present)"),
    "server": (str, "HTTP server: granian (Rust HTTP, default) or uvicorn"),
    "threads": (int, "intra-op threads per session (0: the cores shared out among the workers)"),
    "max_upload_bytes": (int, "largest request body in bytes"),
    "max_image_pixels": (int, "largest image in pixels"),
    "max_samples": (int, "largest n of /generate"),
    "max_steps": (int, "largest steps of /interpolate"),
    "max_batch": (int, "most images per merged model call"),
    "max_wait_ms": (float, "longest wait for a batch to fill, in ms"),
    "max_queue": (int, "most POST requests one worker holds; past it 503 (0: no limit)"),
    "deadline_ms": (float, "deadline of a request from its arrival, in ms (0: none)"),
    "shutdown_grace_s": (int, "seconds requests in flight may take after SIGTERM"),
    "workers": (
        int,
        "server processes sharing the port, each with its own model (0: one per core)",
    ),
}
"""Settings fields exposed as flags; a flag left out keeps the environment's value or default."""
APP_FACTORY = "service.app:create_app"
"""What each worker process imports and calls to build its app."""


CHOICES = {"device": ("cpu", "cuda", "auto"), "server": ("granian", "uvicorn")}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ccvae-serve",
        description="Serve the exported CCVAE over HTTP. Each setting also reads CCVAE_<NAME>.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind")
    parser.add_argument("--port", type=int, default=8000, help="port to bind")
    parser.add_argument("--log-level", default="info", help="uvicorn and service log level")
    defaults = Settings.model_fields
    for name, (kind, text) in FLAGS.items():
        default = defaults[name].get_default(call_default_factory=True)
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            type=kind,
            choices=CHOICES.get(name),
            default=argparse.SUPPRESS,
            help=f"{text} (default: ${'CCVAE_' + name.upper()} or {default})",
        )
    parser.add_argument(
        "--batching",
        action=argparse.BooleanOptionalAction,
        default=argparse.SUPPRESS,
        help="merge concurrent requests into one model call (default: $CCVAE_BATCHING or on)",
    )
    parser.add_argument(
        "--access-log",
        action=argparse.BooleanOptionalAction,
        default=argparse.SUPPRESS,
        help="log every request (default: $CCVAE_ACCESS_LOG or off)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Parse flags, check the model can be served, and run uvicorn until interrupted."""
    parser = build_parser()
    args = parser.parse_args(argv)
    overrides: dict[str, Any] = {
        name: getattr(args, name)
        for name in [*FLAGS, "batching", "access_log"]
        if hasattr(args, name)
    }
    try:
        settings = Settings(**overrides)
    except ValidationError as e:
        parser.error(str(e))
    check_model(settings, parser)
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    settings = process_layout(settings)
    on_uvicorn = {
        "host": args.host,
        "port": args.port,
        "log_level": args.log_level,
        "access_log": settings.access_log,
        # NOTE: httptools sets no limit on a request's head; this protocol applies uvicorn's
        # h11 setting to it (granian bounds the head itself).
        "http": BoundedHttpTools,
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "timeout_graceful_shutdown": settings.shutdown_grace_s,
    }
    if settings.server == "uvicorn" and settings.workers == 1:
        uvicorn.run(create_app(settings), **on_uvicorn)
        return
    # NOTE: worker processes build their own app from the import string, so the flags reach
    # them as the CCVAE_* variables that Settings reads; each loads the model before it accepts.
    shared = None
    if settings.workers > 1 and settings.metrics_dir is None:
        shared = Path(tempfile.mkdtemp(prefix="ccvae-metrics-"))
        settings = settings.model_copy(update={"metrics_dir": shared})
    os.environ.update(settings_environment(settings))
    try:
        if settings.server == "uvicorn":
            uvicorn.run(APP_FACTORY, factory=True, workers=settings.workers, **on_uvicorn)
        else:
            Granian(
                APP_FACTORY,
                factory=True,
                interface=Interfaces.ASGI,
                address=args.host,
                port=args.port,
                workers=settings.workers,
                log_level=LogLevels(args.log_level.lower()),
                log_access=settings.access_log,
                respawn_failed_workers=True,
                # NOTE: granian's parent kills a worker still draining after this many seconds.
                workers_kill_timeout=settings.shutdown_grace_s,
            ).serve()
    finally:
        if shared is not None:
            shutil.rmtree(shared, ignore_errors=True)


def check_model(settings: Settings, parser: argparse.ArgumentParser) -> None:
    """Load the model once as each worker will, and exit with one line saying what is wrong.

    The servers report a worker's failed start as a long traceback (granian) or even exit 0
    (uvicorn with several workers), so a model that is missing, unreadable, corrupt, or loads but
    does not answer the contract is refused here, before either starts.
    """
    try:
        Runtime.load(load_manifest(settings.model_dir), settings.device, threads=1)
    except ModelError as e:
        parser.exit(2, f"{parser.prog}: error: {' '.join(str(e).split())}\n")


def settings_environment(settings: Settings) -> dict[str, str]:
    """Every setting as the CCVAE_* variable that recreates it."""
    values = settings.model_dump(mode="json")
    return {
        f"CCVAE_{name.upper()}": str(value).lower() if isinstance(value, bool) else str(value)
        for name, value in values.items()
        if value is not None
    }


if __name__ == "__main__":
    main()
