"""The OpenAPI document: what FastAPI writes from the routes, plus the facts an app is built with.

The routes' signatures are fixed at import, so FastAPI cannot know what one app's settings and
model allow. `complete` writes those facts into the document, so that every request the schema
allows is one the server accepts (schemathesis' positive_data_acceptance holds it to that):

- class labels are integers from 0 to len(manifest.classes) - 1 (the service also takes names);
- `n`, `steps` and the count of `file` parts have the maxima in Settings;
- multipart file parts are PNG or JPEG images with a filename (their `encoding`);
- `{name}` and `{version}` on /v2 are enums (`ModelName`, `ModelVersion`) of the served graphs;
- the protocol's `InferenceRequest` is a shared component (its body is read raw, with binary
  tensors after the JSON, so no route declares it as a parameter);
- an optional parameter's null is its absence: `int | None` is documented as an integer;
- uploaded files are `format: binary`, which client generators read as files, rather than
  FastAPI's `contentMediaType`, which they read as text.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI

from service import oip_schemas
from service.errors import ModelError
from service.graphs import repository_version
from service.manifest import Manifest, read_manifest
from service.settings import Settings
from service.uploads import IMAGE_MEDIA_TYPES

TAGS = [
    {"name": "read", "description": "Classify and encode uploaded digits."},
    {"name": "generate", "description": "Draw digits from the model: samples and walks in z."},
    {"name": "transform", "description": "Redraw an uploaded digit: reconstruct or intervene."},
    {"name": "operations", "description": "Health, the served model's facts and metrics."},
    {
        "name": "inference protocol",
        "description": "The Open Inference Protocol (KServe v2 REST) on every exported graph.",
    },
]
CONTACT = {"name": "CCVAE MNIST maintainers"}
LICENSE = {"name": "MIT", "identifier": "MIT"}
SERVERS = [{"url": "/", "description": "The service that serves this document."}]
LABELS = ("label", "start_label", "end_label")
"""Query parameters that name a class of the manifest."""
COMPONENT = "#/components/schemas/"
PATH_ENUMS = {"name": "ModelName", "version": "ModelVersion"}
"""The protocol's path parameters, and the components that list their values."""


def maxima(settings: Settings) -> dict[str, int]:
    """Query parameters bounded by a setting, and their largest values."""
    return {"n": settings.max_samples, "steps": settings.max_steps}


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every (path, operation) of the document."""
    for path, item in document["paths"].items():
        for operation in item.values():
            yield path, operation


def _absent_is_null(parameter: dict[str, Any]) -> None:
    """`anyOf: [X, null]` of an optional parameter -> X: leaving it out is how to say none."""
    schema = parameter["schema"]
    branches = schema.get("anyOf", [])
    kept = [b for b in branches if b.get("type") != "null"]
    if not parameter.get("required") and len(kept) == 1 < len(branches):
        del schema["anyOf"]
        parameter["schema"] = {**kept[0], **schema}


def _bound(parameter: dict[str, Any], manifest: Manifest | None, limits: dict[str, int]) -> None:
    schema, name = parameter["schema"], parameter["name"]
    if parameter["in"] == "query" and name in LABELS and manifest is not None:
        schema["maximum"] = len(manifest.classes) - 1
    if parameter["in"] == "query" and name in limits:
        schema["maximum"] = limits[name]
    if parameter["in"] == "path" and name in ("name", "version") and manifest is not None:
        parameter["schema"] = {
            "$ref": COMPONENT + ("ModelName" if name == "name" else "ModelVersion")
        }


def _uploads(document: dict[str, Any], operation: dict[str, Any], max_files: int) -> None:
    """Each file part of a multipart body is an image with a filename (the service reads a part
    without one as a text field); a repeated part repeats max_files times at most."""
    content = operation.get("requestBody", {}).get("content", {})
    if "multipart/form-data" not in content:
        return
    form = content["multipart/form-data"]
    schema = form["schema"]
    if "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].removeprefix(COMPONENT)]
    for name, field in schema.get("properties", {}).items():
        if field.get("type") == "array":
            # NOTE: no encoding for a repeated part: schemathesis would send the whole array as
            # one part without a filename.
            field["maxItems"] = max_files
            continue
        disposition = f'form-data; name="{name}"; filename="digit.png"'
        form.setdefault("encoding", {})[name] = {
            "contentType": ", ".join(IMAGE_MEDIA_TYPES),
            "headers": {
                "Content-Disposition": {"schema": {"type": "string"}, "example": disposition}
            },
        }


def _binary_files(schemas: dict[str, Any]) -> None:
    for schema in schemas.values():
        for field in schema.get("properties", {}).values():
            if field.pop("contentMediaType", None) == "application/octet-stream":
                field["format"] = "binary"


def _components(document: dict[str, Any], manifest: Manifest | None) -> None:
    schemas = document["components"]["schemas"]
    _binary_files(schemas)
    request = oip_schemas.InferenceRequest.model_json_schema(ref_template=COMPONENT + "{model}")
    schemas.update(request.pop("$defs", {}))
    schemas["InferenceRequest"] = request
    if manifest is not None:
        schemas["ModelName"] = {
            "type": "string",
            "enum": list(manifest.roles),
            "description": "A served graph of the model, by its role.",
        }
        versions = sorted({repository_version(f.path) for f in manifest.files.values()})
        schemas["ModelVersion"] = {
            "type": "string",
            "enum": versions,
            "description": "A version of the served graphs: its number in a Triton repository "
            "(`<graph>/<n>/model.onnx`), else 1; the manifest's semantic version is in /model.",
        }
    document["components"]["schemas"] = dict(sorted(schemas.items()))


def complete(document: dict[str, Any], settings: Settings, manifest: Manifest | None) -> None:
    """Write the settings' limits and the model's labels and graphs into the document."""
    limits = maxima(settings)
    for _, operation in operations(document):
        for parameter in operation.get("parameters", []):
            _absent_is_null(parameter)
            _bound(parameter, manifest, limits)
        _uploads(document, operation, settings.max_files)
    _components(document, manifest)


def served_manifest(app: FastAPI, settings: Settings) -> Manifest | None:
    """The loaded model's manifest, else the one in the model directory, else none."""
    plane = getattr(app.state, "plane", None)
    if plane is not None:
        manifest: Manifest = plane.manifest
        return manifest
    try:
        return read_manifest(settings.model_dir)
    except ModelError:
        return None


def install(app: FastAPI, settings: Settings) -> Callable[[], dict[str, Any]]:
    """Make `app.openapi` build the completed document (once: FastAPI caches it)."""
    routes_only = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = copy.deepcopy(routes_only())
            complete(document, settings, served_manifest(app, settings))
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return openapi
