"""One virtual environment per framework, made (or reused) by the bench, versions pinned.

Each venv holds one framework at a pinned version beside the project's `inference` extra, so that
`service.imaging` and `service.runtime` do the same work everywhere (the `serve` extra's HTTP and
telemetry stack is not needed there, and its OpenTelemetry contradicts BentoML's pins; `EXTRAS`
names the venvs that need more). Frameworks never share a venv, since their pins of FastAPI, numpy
and protobuf disagree.
"""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from bench.server import REPO

ROOT = REPO / "bench" / ".venvs"
PINS: dict[str, tuple[str, ...]] = {
    "bentoml": ("bentoml==1.4.40",),
    "litserve": ("litserve==0.2.19", "python-multipart==0.0.34"),  # its form parsing needs it
    "pytriton": ("nvidia-pytriton==0.7.0",),
    "ray": ("ray[serve]==2.60.0",),
}
EXTRAS: dict[str, str] = {"ray": "serve", "pytriton": "serve"}
"""The project's extra each venv installs beside its pins: `inference` unless named here (Ray
Serve runs the service's whole app in its replicas; PyTriton's FastAPI front, pytriton_app.py,
runs on the serving stack's uvicorn and python-multipart, which PyTriton does not bring)."""
SHOWN = ("bentoml", "litserve", "nvidia-pytriton", "ray", "tritonclient", "fastapi", "starlette",
         "granian", "uvicorn", "onnxruntime", "numpy", "pillow")  # fmt: skip
"""Packages whose versions the report prints, where a venv has them."""


class VenvError(RuntimeError):
    """A venv that could not be made or installed into; the message says which step failed."""


@dataclass(frozen=True)
class Venv:
    name: str
    path: Path

    @property
    def python(self) -> Path:
        return self.path / "bin" / "python"

    def bin(self, program: str) -> str:
        return str(self.path / "bin" / program)

    def versions(self) -> dict[str, str]:
        """Installed versions of the SHOWN packages present in this venv."""
        code = (
            "import importlib.metadata as m, json, sys\n"
            "v = {}\n"
            "for p in sys.argv[1:]:\n"
            "    try: v[p] = m.version(p)\n"
            "    except m.PackageNotFoundError: pass\n"
            "print(json.dumps(v))"
        )
        out = subprocess.run([str(self.python), "-c", code, *SHOWN], capture_output=True,
                             text=True, check=True).stdout  # fmt: skip
        return dict(json.loads(out))

    def libdir(self) -> str:
        """Where this venv's interpreter keeps its own libpython."""
        code = "import sysconfig; print(sysconfig.get_config_var('LIBDIR'))"
        return subprocess.run([str(self.python), "-c", code], capture_output=True, text=True,
                              check=True).stdout.strip()  # fmt: skip


def pinned(versions: dict[str, str], pins: tuple[str, ...]) -> bool:
    """Whether every `name==version` pin is what the venv has."""
    for pin in pins:
        name, _, want = pin.partition("==")
        if versions.get(name.split("[")[0]) != want:  # ray[serve]: the package is ray
            return False
    return True


def ensure(name: str, root: Path = ROOT) -> Venv:
    """The venv for `name`, created and installed on first use, re-installed if its pins drifted
    or it holds another of the project's extras than `EXTRAS` asks (its `installed` file)."""
    venv, pins, extra = Venv(name, root / name), PINS[name], EXTRAS.get(name, "inference")
    installed = venv.path / "installed"
    wanted = [f"{REPO}[{extra}]", *pins]
    if (
        venv.python.exists()
        and installed.is_file()
        and installed.read_text().splitlines() == wanted
        and pinned(venv.versions(), pins)
    ):
        return venv
    steps = [
        [sys.executable, "-m", "venv", str(venv.path)],
        [str(venv.python), "-m", "pip", "install", "-q", "-e", *wanted],
    ]
    for step in steps if not venv.python.exists() else steps[1:]:
        print(f"[{name}] {' '.join(step)}", flush=True)
        done = subprocess.run(step, capture_output=True, text=True)
        if done.returncode != 0:
            tail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-1:]
            raise VenvError(f"`{' '.join(step[-len(pins) - 1 :])}` failed: {' '.join(tail)}")
    installed.write_text("\n".join(wanted))
    return venv
