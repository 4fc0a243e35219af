"""The Docker files, checked statically: what they copy exists and is in the build context, what
they run is a declared console script, the serving image installs the locked dependencies before
its code and runs as non-root with a readiness health check. scripts/docker-check builds and runs
the images on a real engine (docs/docker-check.md)."""

from __future__ import annotations

import re
from typing import Any

import pytest
import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from service.settings import Settings
from tests.service.dockerfile import Instruction, command, parse, served_port
from tests.service.mnist_idx import REPO

DOCKERFILES = ("Dockerfile", "Dockerfile.gpu", "Dockerfile.train")


@pytest.fixture(scope="module")
def project() -> dict[str, Any]:
    with (REPO / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]


def requirements(project: dict[str, Any], extra: str) -> list[Requirement]:
    """An extra's requirements, with the project's own extras it names (`ccvae-mnist[x]`) opened."""
    found = []
    for dependency in project["optional-dependencies"][extra]:
        requirement = Requirement(dependency)
        if canonicalize_name(requirement.name) == canonicalize_name(project["name"]):
            found += [r for e in sorted(requirement.extras) for r in requirements(project, e)]
        else:
            found.append(requirement)
    return found


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_copies_only_files_that_exist(name: str) -> None:
    for instruction in parse(REPO / "docker" / name):
        if instruction.keyword == "COPY" and "--from=" not in instruction.argument:
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


def base_image(instructions: list[Instruction]) -> str:
    """The first FROM's image, with a build argument read at its default."""
    defaults = dict(
        i.argument.split("=", 1) for i in instructions if i.keyword == "ARG" and "=" in i.argument
    )
    image = next(i.argument for i in instructions if i.keyword == "FROM").split()[0]
    return re.sub(r"\$\{(\w+)\}", lambda m: defaults[m.group(1)], image)


@pytest.mark.parametrize("name", DOCKERFILES)
def test_dockerfile_starts_from_a_slim_python_and_runs_as_non_root(name: str) -> None:
    instructions = parse(REPO / "docker" / name)
    assert re.fullmatch(r"python:3\.\d+-slim", base_image(instructions))
    users = [i.argument for i in instructions if i.keyword == "USER"]
    assert users and users[-1] not in ("root", "0")


@pytest.mark.parametrize("name", ["Dockerfile.gpu", "Dockerfile.train"])
def test_dockerfile_installs_a_declared_extra(name: str, project: dict[str, Any]) -> None:
    instructions = parse(REPO / "docker" / name)
    installs = re.findall(r'pip install "?\.\[(\w+)\]', " ".join(i.argument for i in instructions))
    assert installs and all(extra in project["optional-dependencies"] for extra in installs)


def test_serving_image_takes_its_base_as_a_build_argument() -> None:
    instructions = parse(REPO / "docker" / "Dockerfile")
    assert instructions[0].keyword == "ARG" and instructions[0].argument.startswith("BASE=")
    assert all(i.argument.startswith("${BASE}") for i in instructions if i.keyword == "FROM")


def test_serving_image_installs_the_lock_with_hashes_before_copying_the_code() -> None:
    instructions = parse(REPO / "docker" / "Dockerfile")
    runs = [n for n, i in enumerate(instructions) if i.keyword == "RUN" and "--require-hashes" in
            i.argument and "requirements-serve.txt" in i.argument]  # fmt: skip
    code = [n for n, i in enumerate(instructions) if i.keyword == "COPY" and "service" in i.words()]
    assert runs and code and runs[0] < code[0]


def test_the_lock_pins_every_serving_dependency_within_pyprojects_bounds(
    project: dict[str, Any],
) -> None:
    text = (REPO / "docker" / "requirements-serve.txt").read_text()
    assert "--extra serve" in text.splitlines()[1]  # the command that wrote it
    pins = dict(re.findall(r"^([A-Za-z0-9_.-]+)==([^\s\\]+)", text, re.MULTILINE))
    pins = {canonicalize_name(name): version for name, version in pins.items()}
    assert text.count("--hash=sha256:") >= len(pins)
    assert {"onnxruntime", "granian"} <= {r.name for r in requirements(project, "serve")}
    for requirement in requirements(project, "serve"):
        name = canonicalize_name(requirement.name)
        assert name in pins, f"the lock lacks {name}"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} {requirement}"
    assert not any(name.startswith("torch") for name in pins)


def test_the_build_context_is_only_what_the_dockerfiles_copy() -> None:
    patterns = [
        line.strip()
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert patterns[0] == "*", "everything is left out first"
    allowed = [p[1:].rstrip("/") for p in patterns if p.startswith("!")]
    for name in DOCKERFILES:
        for instruction in parse(REPO / "docker" / name):
            if instruction.keyword != "COPY" or "--from=" in instruction.argument:
                continue
            *sources, _ = (w for w in instruction.words() if not w.startswith("--"))
            for source in sources:
                source = source.removeprefix("./").rstrip("/")
                assert any(source == a or source.startswith(a + "/") for a in allowed), (
                    f"{name} copies {source}, which .dockerignore leaves out"
                )
    assert not any(a.split("/")[0] in (".git", "results", "runs", "data", "bench") for a in allowed)


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
    assert "torch" not in (REPO / "docker" / "requirements-serve.txt").read_text()
    assert not any(r.name.startswith("torch") for r in requirements(project, "serve"))


def test_gpu_image_swaps_onnxruntime_for_the_gpu_build() -> None:
    runs = " ".join(
        i.argument for i in parse(REPO / "docker" / "Dockerfile.gpu") if i.keyword == "RUN"
    )
    assert "pip uninstall -y onnxruntime" in runs and "onnxruntime-gpu" in runs
    assert runs.index("uninstall") < runs.index("onnxruntime-gpu")


def test_compose_serves_cpu_by_default_with_gpu_and_train_profiles(compose: dict[str, Any]) -> None:
    services = compose["services"]
    default = [s for s in services.values() if not s.get("profiles")]
    assert [s["build"]["dockerfile"] for s in default if "build" in s] == ["docker/Dockerfile"]
    by_profile = {p: s for s in services.values() for p in s.get("profiles", [])}
    assert by_profile["gpu"]["build"]["dockerfile"] == "docker/Dockerfile.gpu"
    assert by_profile["train"]["build"]["dockerfile"] == "docker/Dockerfile.train"
    (device,) = by_profile["gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and "gpu" in device["capabilities"]


def test_compose_builds_from_the_repository_and_publishes_the_served_port(
    compose: dict[str, Any],
) -> None:
    built = [s for s in compose["services"].values() if "build" in s]
    for service in built:
        assert (REPO / service["build"]["context"] / service["build"]["dockerfile"]).is_file()
    for name in ("lb", "ccvae-gpu"):
        ports = compose["services"][name]["ports"]
        assert any(str(p).endswith(":8000") for p in ports)


def nginx_directives(text: str) -> dict[str, list[list[str]]]:
    """Every directive of an nginx config, by name, with its arguments (blocks flattened)."""
    text = re.sub(r"#[^\n]*", "", text)
    found: dict[str, list[list[str]]] = {}
    for statement in re.split(r"[;{}]", text):
        if words := statement.split():
            found.setdefault(words[0], []).append(words[1:])
    return found


@pytest.fixture(scope="module")
def nginx(compose: dict[str, Any]) -> dict[str, list[list[str]]]:
    """The load balancer's config, as mounted by compose into the nginx image's conf.d."""
    mounts = [str(v).split(":") for v in compose["services"]["lb"]["volumes"]]
    (source,) = [m[0] for m in mounts if m[1] == "/etc/nginx/conf.d/default.conf"]
    path = REPO / source
    assert path.parent == REPO / "docker" and path.is_file(), f"no nginx config at {source}"
    return nginx_directives(path.read_text())


def test_the_cpu_service_can_be_scaled_as_it_has_no_fixed_host_port_or_name(
    compose: dict[str, Any],
) -> None:
    ccvae = compose["services"]["ccvae"]
    assert "container_name" not in ccvae
    assert "ports" not in ccvae, "a fixed host port lets only one replica of ccvae start"
    assert [str(p) for p in ccvae["expose"]] == [str(served_port(REPO / "docker/Dockerfile"))]
    assert not ccvae.get("healthcheck", {}).get("disable", False)


def test_the_load_balancer_starts_once_the_replicas_are_ready(compose: dict[str, Any]) -> None:
    lb = compose["services"]["lb"]
    assert re.fullmatch(r"nginx:\d+\.\d+(-alpine)?", lb["image"])
    assert lb["depends_on"]["ccvae"]["condition"] == "service_healthy"
    # healthy means ready: the ccvae image's HEALTHCHECK asks /health/ready
    (healthcheck,) = [i for i in parse(REPO / "docker/Dockerfile") if i.keyword == "HEALTHCHECK"]
    assert "/health/ready" in healthcheck.argument
    assert "/health/ready" in " ".join(lb["healthcheck"]["test"])


def test_the_load_balancer_spreads_requests_over_every_replica_by_service_name(
    compose: dict[str, Any], nginx: dict[str, list[list[str]]]
) -> None:
    port = served_port(REPO / "docker/Dockerfile")
    (upstream,) = nginx["upstream"]
    (upstream_server,) = [words for words in nginx["server"] if words]  # not the server block
    address, *options = upstream_server
    assert address == f"ccvae:{port}", "the upstream is the compose service, on its served port"
    # re-resolved through Docker's DNS, so replicas added by a later --scale get requests too
    assert "resolve" in options and nginx["zone"] and nginx["resolver"][0][0] == "127.0.0.11"
    assert [f"http://{upstream[0]}"] in nginx["proxy_pass"]
    (listen,) = nginx["listen"]
    assert any(str(p).endswith(f":{listen[0]}") for p in compose["services"]["lb"]["ports"])


def test_the_load_balancer_leaves_errors_and_upload_limits_to_the_service(
    nginx: dict[str, list[list[str]]],
) -> None:
    # a replica that is starting or stopping answers 503: the request goes to another replica
    (retry,) = nginx["proxy_next_upstream"]
    assert {"error", "http_503", "non_idempotent"} <= set(retry)
    # uploads the service refuses get the service's JSON 413, not one from nginx
    ((limit,),) = nginx["client_max_body_size"]
    units = {"k": 2**10, "m": 2**20, "g": 2**30}
    allowed = int(limit[:-1]) * units[limit[-1].lower()] if limit[-1].isalpha() else int(limit)
    assert allowed > Settings().max_upload_bytes


def test_compose_monitoring_profile_scrapes_every_replica_on_the_served_port(
    compose: dict[str, Any],
) -> None:
    prometheus = compose["services"]["prometheus"]
    assert prometheus["profiles"] == ["monitoring"]
    (mount,) = [str(v).split(":") for v in prometheus["volumes"]]
    config = yaml.safe_load((REPO / mount[0]).read_text())
    (job,) = config["scrape_configs"]
    assert job["metrics_path"] == "/metrics"
    (discovery,) = job["dns_sd_configs"]
    assert discovery["names"] == ["ccvae"] and "ccvae" in compose["services"]
    assert discovery["port"] == served_port(REPO / "docker/Dockerfile")
