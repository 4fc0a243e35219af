"""The Triton model repository: configs that Triton's own protobuf reads and that match the
ONNX files, the files byte for byte, and the same directory served by `ccvae-serve`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from google.protobuf import text_format
from tritonclient.grpc import model_config_pb2

from service.settings import Settings
from tests.service.conftest import png, serve
from tests.service.mnist_idx import REPO, load_test_set
from training import repository

SHIPPED = REPO / "models" / "ccvae-mnist"
ONNX_TO_TRITON = {
    onnx.TensorProto.FLOAT: model_config_pb2.TYPE_FP32,
    onnx.TensorProto.INT64: model_config_pb2.TYPE_INT64,
}


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("triton") / "repository"
    repository.main([str(SHIPPED), "--out", str(out)])
    return out


def parse_config(path: Path) -> Any:
    return text_format.Parse(path.read_text(), model_config_pb2.ModelConfig())


def roles() -> list[str]:
    return list(json.loads((SHIPPED / "manifest.json").read_text())["files"])


def test_the_repository_holds_a_config_and_version_1_of_every_graph(written: Path) -> None:
    models = sorted(p.name for p in written.iterdir() if p.is_dir())
    assert models == sorted(roles())
    for role in models:
        assert sorted(p.name for p in (written / role).iterdir()) == ["1", "config.pbtxt"]
        assert [p.name for p in (written / role / "1").iterdir()] == ["model.onnx"]


@pytest.mark.parametrize("role", roles())
def test_each_config_is_a_triton_model_config_that_matches_its_onnx_file(
    written: Path, role: str
) -> None:
    config = parse_config(written / role / "config.pbtxt")
    assert config.name == role
    assert config.platform == "onnxruntime_onnx"
    assert config.max_batch_size == Settings().max_batch
    assert config.HasField("dynamic_batching")
    assert list(config.version_policy.specific.versions) == [1]
    semantic = json.loads((SHIPPED / "manifest.json").read_text())["version"]
    assert config.parameters["semantic_version"].string_value == semantic

    graph = onnx.load(str(written / role / "1" / "model.onnx")).graph
    assert [i.name for i in config.input] == [i.name for i in graph.input]
    assert [o.name for o in config.output] == [o.name for o in graph.output]
    for declared, arg in zip(config.input, graph.input, strict=True):
        assert declared.data_type == ONNX_TO_TRITON[arg.type.tensor_type.elem_type]
        dims = [d.dim_value for d in arg.type.tensor_type.shape.dim[1:]]
        if dims:
            assert list(declared.dims) == dims and not declared.HasField("reshape")
        else:  # a batch of scalars: [1] reshaped to [], Triton's form when batching
            assert list(declared.dims) == [1] and list(declared.reshape.shape) == []
    # dims are the graph's output shapes for a batch of 3, the batch axis left out
    session = ort.InferenceSession(str(written / role / "1" / "model.onnx"))
    feed = {
        i.name: np.zeros([3, *i.dims] if not i.HasField("reshape") else [3], dtype)
        for i in config.input
        for dtype in [np.int64 if i.data_type == model_config_pb2.TYPE_INT64 else np.float32]
    }
    for declared, arg, result in zip(
        config.output, graph.output, session.run(None, feed), strict=True
    ):
        assert declared.data_type == ONNX_TO_TRITON[arg.type.tensor_type.elem_type]
        shape = declared.reshape.shape if declared.HasField("reshape") else declared.dims
        assert [3, *shape] == list(result.shape)


def test_the_repository_manifest_pins_the_copied_files_by_sha256(written: Path) -> None:
    manifest = json.loads((written / "manifest.json").read_text())
    for role, entry in manifest["files"].items():
        assert entry["path"] == f"{role}/1/model.onnx"
        assert hashlib.sha256((written / entry["path"]).read_bytes()).hexdigest() == entry["sha256"]


def test_a_corrupt_model_file_is_refused(tmp_path: Path) -> None:
    model = tmp_path / "model"
    model.mkdir()
    for path in SHIPPED.iterdir():
        (model / path.name).write_bytes(path.read_bytes())
    (model / "prior.onnx").write_bytes((model / "prior.onnx").read_bytes() + b"\0")
    with pytest.raises(ValueError, match=r"prior\.onnx has sha256 [0-9a-f]{64}; the manifest"):
        repository.write_repository(model, tmp_path / "repository")


def test_ccvae_serve_serves_the_repository_with_numbered_versions(
    written: Path, mnist_dir: Path
) -> None:
    images, labels = load_test_set(mnist_dir)
    with serve(Settings(model_dir=written, threads=1)) as client:
        metadata = client.get("/v2/models/decoder/versions/1").json()
        assert metadata["versions"] == ["1"] and metadata["platform"] == "onnxruntime_onnx"
        body = {"inputs": [{"name": "label", "shape": [1], "datatype": "INT64", "data": [7]}]}
        inferred = client.post("/v2/models/prior/versions/1/infer", json=body)
        assert inferred.status_code == 200 and inferred.json()["model_version"] == "1"
        assert client.get("/v2/models/prior/versions/1.1.0").status_code == 404
        semantic = json.loads((written / "manifest.json").read_text())["version"]
        assert client.get("/model").json()["version"] == semantic
        files = {"file": ("digit.png", png(images[0]), "image/png")}
        classified = client.post("/classify", files=files)
        assert classified.status_code == 200, classified.text
        assert classified.json()["class_name"] == str(labels[0])
