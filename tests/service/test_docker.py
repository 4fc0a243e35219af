"""The Docker files, checked statically (no engine runs here): what they copy exists, what they
run is a declared console script, the service runs as non-root with a readiness health check."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import tomllib
import yaml

from tests.service.mnist_idx import REPO

DOCKERFILES = ("Dockerfile", "Dockerfile.gpu", "Dockerfile.train")


@dataclass(frozen=True)
class Instruction:
    keyword: str
    argument: str

    def words(self) -> list[str]:
        """Exec form (JSON array) or shell form, as a list of words."""
        text = self.argument.strip()
        return json.loads(text) if text.startswith("[") else shlex.split(text)


def parse(path: Path) -> list[Instruction]:
    """Instructions of a Dockerfile, comments dropped and continuation lines joined."""
    logical, pending = [], ""
    for line in path.read_text().splitlines():
        if line.lstrip().startswith("#") or not line.strip():
            continue
        pending += line.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        logical.append(pending)
        pending = ""
    instructions = []
    for text in logical:
        keyword, _, argument = text.strip().partition(" ")
        instructions.append(Instruction(keyword.upper(), argument.strip()))
    return instructions


@pytest.fixture(scope="module")
def project() -> dict[str, Any]:
    with (REPO / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


def command(instructions: list[Instruction]) -> list[str]:
    entry = [i for i in instructions if i.keyword == "ENTRYPOINT"]
    cmd = [i for i in instructions if i.keyword == "CMD"]
    return entry[-1].words() if entry else cmd[-1].words()


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_copies_only_files_that_exist(name: str) -> None:
    for instruction in parse(REPO / "docker" / name):
        if instruction.keyword == "COPY":
            *sources, _ = (w for w in instruction.words() if not w.startswith("--"))
            for source in sources:
                assert (REPO / source).exists(), f"{name} copies {source}, which does not exist"


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_runs_a_declared_console_script(name: str, project: dict[str, Any]) -> None:
    executable = command(parse(REPO / "docker" / name))[0]
    scripts = project["scripts"]
    assert executable in scripts, f"{name} runs {executable}, not a console script"
    module = scripts[executable].split(":")[0]
    assert (REPO / (module.replace(".", "/") + ".py")).is_file(), f"{module} does not exist"


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_installs_a_declared_extra_on_a_slim_base_as_non_root(
    name: str, project: dict[str, Any]
) -> None:
    instructions = parse(REPO / "docker" / name)
    assert re.fullmatch(r"python:3\.\d+-slim", instructions[0].argument)
    installs = re.findall(r'pip install "?\.\[(\w+)\]', " ".join(i.argument for i in instructions))
    assert installs and all(extra in project["optional-dependencies"] for extra in installs)
    users = [i.argument for i in instructions if i.keyword == "USER"]
    assert users and users[-1] not in ("root", "0")


@pytest.mark.parametrize("name", ["Dockerfile", "Dockerfile.gpu"])
def test_service_images_check_readiness_on_the_port_they_serve(name: str) -> None:
    instructions = parse(REPO / "docker" / name)
    (healthcheck,) = [i.argument for i in instructions if i.keyword == "HEALTHCHECK"]
    words = command(instructions)
    port = words[words.index("--port") + 1]
    assert f"127.0.0.1:{port}/health/ready" in healthcheck
    assert words[words.index("--host") + 1] == "0.0.0.0"


def test_cpu_image_has_no_torch(project: dict[str, Any]) -> None:
    text = " ".join(i.argument for i in parse(REPO / "docker" / "Dockerfile"))
    assert "torch" not in text and ".[train]" not in text and "training" not in text
    assert not any(dep.startswith("torch") for dep in project["optional-dependencies"]["serve"])


def test_gpu_image_swaps_onnxruntime_for_the_gpu_build() -> None:
    runs = " ".join(
        i.argument for i in parse(REPO / "docker" / "Dockerfile.gpu") if i.keyword == "RUN"
    )
    assert "pip uninstall -y onnxruntime" in runs and "onnxruntime-gpu" in runs
    assert runs.index("uninstall") < runs.index("onnxruntime-gpu")


def test_compose_serves_cpu_by_default_with_gpu_and_train_profiles(compose: dict[str, Any]) -> None:
    services = compose["services"]
    default = [s for s in services.values() if not s.get("profiles")]
    assert [s["build"]["dockerfile"] for s in default] == ["docker/Dockerfile"]
    by_profile = {p: s for s in services.values() for p in s.get("profiles", [])}
    assert by_profile["gpu"]["build"]["dockerfile"] == "docker/Dockerfile.gpu"
    assert by_profile["train"]["build"]["dockerfile"] == "docker/Dockerfile.train"
    (device,) = by_profile["gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]


def test_compose_builds_from_the_repository_and_publishes_the_served_port(
    compose: dict[str, Any],
) -> None:
    for service in compose["services"].values():
        assert (REPO / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
    for service in ("ccvae", "ccvae-gpu"):
        ports = compose["services"][service]["ports"]
        assert any(str(p).endswith(":8000") for p in ports)
