"""The TypeScript client (clients/typescript/): openapi-typescript's types of the schema the app
serves, and the natural openapi-fetch calls of calls.ts, which must type-check without casts and
work against a real `ccvae-serve`. It runs where Node.js is at hand, and installs the pinned
packages (package-lock.json) with `npm ci` when they are missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from service.app import create_app
from tests.service.conftest import png
from tests.service.live_server import start_server
from tests.service.mnist_idx import REPO

CLIENT = REPO / "clients" / "typescript"
NODE, NPM = shutil.which("node"), shutil.which("npm")

pytestmark = pytest.mark.skipif(
    not (NODE and NPM), reason="Node.js (node and npm) is not installed: no TypeScript to check"
)


def run(*command: str | Path, cwd: Path = CLIENT, timeout: float = 300) -> str:
    """Run a command; fail the test with its output if it fails."""
    result = subprocess.run(
        [str(part) for part in command], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """The client's pinned packages (openapi-typescript, openapi-fetch, TypeScript)."""
    modules = CLIENT / "node_modules"
    if not (modules / ".bin" / "tsc").exists():
        assert NPM
        result = subprocess.run(
            [NPM, "ci", "--no-audit", "--no-fund"],
            cwd=CLIENT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        if result.returncode != 0:
            pytest.skip(f"npm ci could not install the client's packages:\n{result.stderr[-800:]}")
    return modules


def test_the_committed_types_are_what_openapi_typescript_makes_of_the_schema(
    node_modules: Path, tmp_path: Path
) -> None:
    assert NODE
    run(NODE, "generate.mjs", REPO / "clients" / "openapi.json", tmp_path / "schema.d.ts")
    committed = (CLIENT / "schema.d.ts").read_text()
    assert (tmp_path / "schema.d.ts").read_text() == committed, (
        "clients/typescript/schema.d.ts is out of date: run scripts/generate-client and commit it"
    )


def test_natural_calls_type_check_without_casts_and_work_against_the_service(
    node_modules: Path, tmp_path: Path, shipped_model: Path, mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    assert NODE
    (tmp_path / "openapi.json").write_text(json.dumps(create_app().openapi()))
    run(NODE, "generate.mjs", tmp_path / "openapi.json", tmp_path / "schema.d.ts")
    for name in ("calls.ts", "tsconfig.json", "package.json"):
        shutil.copy(CLIENT / name, tmp_path / name)
    (tmp_path / "node_modules").symlink_to(node_modules)
    run(node_modules / ".bin" / "tsc", "-p", tmp_path, cwd=tmp_path)  # strict; exits 1 on any error

    images, labels = mnist
    (tmp_path / "digit.png").write_bytes(png(images[0]))
    server, url = start_server(shipped_model)
    try:
        output = run(NODE, tmp_path / "out" / "calls.js", url, tmp_path / "digit.png", cwd=tmp_path)
    finally:
        server.terminate()
        server.communicate(timeout=20)
    answers = json.loads(output)
    assert answers["generate"]["type"] == "image/png" and answers["generate"]["bytes"] > 0
    assert int(answers["generate"]["seed"]) >= 0
    assert answers["classify"] == labels[0]
    assert answers["classify_several"] == [labels[0]] * 2
    latent = json.loads((shipped_model / "manifest.json").read_text())["latent"]
    assert answers["encode"] == latent["c"]
    for drawing in ("interpolate", "interpolate_images", "intervene"):
        assert answers[drawing] == "image/png", drawing
    assert answers["generate_json"] == {"count": 2, "seed": 1}
    assert answers["model_metadata"] == ["z_c"]
