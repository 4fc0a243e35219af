"""`ccvae-serve`: run the service under granian (or uvicorn), settings from flags over CCVAE_*.

The flags are generated from `Settings`: a new field is a new flag, with its docstring as help.
"""

from __future__ import annotations

import argparse
import errno
import functools
import logging.config
import os
import shutil
import socket
import tempfile
import types
import typing
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import uvicorn
from granian import Granian
from granian.constants import Interfaces
from granian.http import HTTP1Settings
from granian.log import LogLevels
from pydantic import ValidationError
from pydantic.fields import FieldInfo

from service.app import create_app
from service.errors import ModelError, shown
from service.http_head import BoundedHttpTools
from service.logs import logging_config
from service.manifest import load_manifest
from service.metrics import MULTIPROC_ENV
from service.runtime import Runtime
from service.settings import Settings, process_layout

ENV_PREFIX = Settings.model_config.get("env_prefix", "")
APP_FACTORY = "service.app:create_app"
"""What each worker process imports and calls to build its app."""


def _argument(name: str, field: FieldInfo) -> dict[str, Any]:
    """The argparse keywords of one Settings field: its type (or choices), and its docstring."""
    kind: Any = field.annotation
    if typing.get_origin(kind) in (typing.Union, types.UnionType):  # `Path | None`: a Path
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    default = field.get_default(call_default_factory=True)
    # a dict keyed by True and False would match 1 and 0 as well: `--workers`' 0 read "off"
    shown = {True: "on", False: "off"}[default] if isinstance(default, bool) else default
    shown = "none" if default is None else shown
    text = " ".join((field.description or name).split()).replace("%", "%%")
    keywords: dict[str, Any] = {
        "default": argparse.SUPPRESS,  # a flag left out keeps the environment's value or default
        "help": f"{text} (default: ${ENV_PREFIX}{name.upper()} or {shown})",
    }
    if kind is bool:
        keywords["action"] = argparse.BooleanOptionalAction
    elif typing.get_origin(kind) is typing.Literal:
        keywords["choices"] = typing.get_args(kind)
    else:
        keywords["type"] = kind if kind in (int, float, Path) else str
    return keywords


def port_number(text: str) -> int:
    """A TCP port, 0 (any free one) to 65535."""
    if not (text.isascii() and text.isdigit() and int(text) <= 65535):
        raise argparse.ArgumentTypeError(f"{text!r} is not a port from 0 to 65535")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    """The server's own flags, then one flag per Settings field, generated from its type."""
    parser = argparse.ArgumentParser(
        prog="ccvae-serve",
        description="Serve the exported CCVAE over HTTP. Each setting also reads CCVAE_<NAME>.",
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=port_number, default=8000, help="port to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--log-level", default="info", help="server and service log level (default: %(default)s)"
    )
    for name, field in Settings.model_fields.items():
        parser.add_argument(f"--{name.replace('_', '-')}", **_argument(name, field))
    return parser


def main(argv: Sequence[str] | None = None) -> None:
    """Parse flags, check the model can be served, and run the server until interrupted."""
    parser = build_parser()
    args = parser.parse_args(argv)
    overrides = {name: getattr(args, name) for name in Settings.model_fields if hasattr(args, name)}
    try:
        settings = Settings(**overrides)
    except ValidationError as e:
        refuse(parser, "; ".join(_setting_error(error) for error in e.errors(include_url=False)))
    check_model(settings, parser)
    host = listen_address(args.host, args.port, parser)
    log_config = logging_config(settings.log_format, args.log_level)
    logging.config.dictConfig(log_config)
    settings = process_layout(settings)
    # NOTE: the service writes its own access line (service.access); the servers' stay off.
    on_uvicorn = {
        "host": host,
        "port": args.port,
        "log_level": args.log_level,
        "log_config": log_config,
        "access_log": False,
        # NOTE: httptools sets no limit on a request's head, in size or time; this protocol
        # applies uvicorn's h11 size setting and the head's timeout (granian bounds both itself).
        "http": functools.partial(BoundedHttpTools, head_timeout_s=settings.header_timeout_s),
        "h11_max_incomplete_event_size": settings.max_header_bytes,
        "timeout_graceful_shutdown": settings.shutdown_grace_s,
    }
    if settings.server == "uvicorn" and settings.workers == 1:
        uvicorn.run(create_app(settings), **on_uvicorn)
        return
    # NOTE: worker processes build their own app from the import string, so the flags reach
    # them as the CCVAE_* variables that Settings reads; each loads the model before it accepts.
    made = None
    if settings.workers > 1:
        given = settings.metrics_dir or os.environ.get(MULTIPROC_ENV)
        if given:
            shared = Path(given)
        else:
            shared = made = Path(tempfile.mkdtemp(prefix="ccvae-metrics-"))
        for stale in shared.glob("*.db"):  # a previous run's counts (prometheus_client's rule)
            stale.unlink()
        settings = settings.model_copy(update={"metrics_dir": shared})
        os.environ[MULTIPROC_ENV] = str(shared)
    os.environ.update(settings_environment(settings))
    try:
        if settings.server == "uvicorn":
            uvicorn.run(APP_FACTORY, factory=True, workers=settings.workers, **on_uvicorn)
        else:
            Granian(
                APP_FACTORY,
                factory=True,
                interface=Interfaces.ASGI,
                address=host,
                port=args.port,
                workers=settings.workers,
                log_level=LogLevels(args.log_level.lower()),
                log_dictconfig=log_config,
                log_access=False,
                respawn_failed_workers=True,
                # NOTE: granian's parent kills a worker still draining after this many seconds.
                workers_kill_timeout=settings.shutdown_grace_s,
                http1_settings=HTTP1Settings(
                    header_read_timeout=round(settings.header_timeout_s * 1000)
                ),
            ).serve()
    finally:
        if made is not None:
            shutil.rmtree(made, ignore_errors=True)


def refuse(parser: argparse.ArgumentParser, message: str) -> typing.NoReturn:
    """Exit 2 with one line saying what is wrong, as argparse words it (no usage, no traceback)."""
    parser.exit(2, f"{parser.prog}: error: {' '.join(message.split())}\n")


def _setting_error(error: Any) -> str:
    """One invalid setting, named as its flag and its variable: `--workers (CCVAE_WORKERS): ...`."""
    name = "_".join(str(part) for part in error["loc"])
    flag = f"--{name.replace('_', '-')} ({ENV_PREFIX}{name.upper()})"
    return f"{flag}: {error['msg']} (got {shown(error['input'])})"


def listen_address(host: str, port: int, parser: argparse.ArgumentParser) -> str:
    """The IP address `host` names, once checked free to listen on at `port`.

    granian takes an address, not a name (`--host localhost` was a traceback), and binds with
    SO_REUSEPORT: a second server on a port another one holds started, and quietly took a share
    of its connections (an old model beside a new one). A plain bind finds the port taken
    (uvicorn's own error, exit 3) and words the refusal for both servers alike.
    """
    try:
        family, kind, _, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except (OSError, UnicodeError) as e:
        refuse(parser, f"--host {shown(host)}: not an address to listen on ({e})")
    with socket.socket(family, kind) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # past connections' TIME_WAIT
        try:
            probe.bind(address)
        except OSError as e:
            taken = " (another server is listening there)" if e.errno == errno.EADDRINUSE else ""
            refuse(parser, f"cannot listen on {host} port {port}: {e.strerror}{taken}")
    return str(address[0])


def check_model(settings: Settings, parser: argparse.ArgumentParser) -> None:
    """Load the model once as each worker will, and exit with one line saying what is wrong.

    The servers report a worker's failed start as a long traceback (granian) or even exit 0
    (uvicorn with several workers), so a model that is missing, unreadable, corrupt, or loads but
    does not answer the contract is refused here, before either starts.
    """
    try:
        Runtime.load(load_manifest(settings.model_dir), settings.device, threads=1)
    except ModelError as e:
        refuse(parser, str(e))


def settings_environment(settings: Settings) -> dict[str, str]:
    """Every setting as the CCVAE_* variable that recreates it."""
    values = settings.model_dump(mode="json")
    return {
        f"{ENV_PREFIX}{name.upper()}": str(value).lower() if isinstance(value, bool) else str(value)
        for name, value in values.items()
        if value is not None
    }


if __name__ == "__main__":
    main()
