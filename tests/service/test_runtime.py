"""Sessions start on the asked provider, match the manifest, and run the contract's shapes."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from service.errors import ModelError
from service.manifest import load_manifest
from service.runtime import CPU, CUDA, Runtime, select_providers, softmax
from tests.service import tiny_model


def test_select_providers_follows_the_device_setting() -> None:
    assert select_providers("cpu", [CUDA, CPU]) == [CPU]
    assert select_providers("auto", [CUDA, CPU]) == [CUDA, CPU]
    assert select_providers("auto", [CPU]) == [CPU]
    assert select_providers("cuda", [CUDA, CPU]) == [CUDA, CPU]


def test_select_providers_refuses_cuda_when_absent() -> None:
    with pytest.raises(ModelError, match=r"'cuda' asked for, but .* no CUDAExecutionProvider"):
        select_providers("cuda", [CPU])


def test_softmax_rows_are_distributions_even_for_huge_logits() -> None:
    p = softmax(np.array([[1000.0, 0.0, -1000.0], [1.0, 1.0, 1.0]]))
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(p[1], 1 / 3)


def test_load_runs_the_shipped_model_on_cpu(shipped_model: Path) -> None:
    manifest = load_manifest(shipped_model)
    runtime = Runtime.load(manifest, "cpu", threads=1)
    assert runtime.provider == CPU
    c, s = manifest.latent.c, manifest.latent.s
    encoding = runtime.encode_and_classify(np.zeros((3, *manifest.image.shape), np.float32))
    assert encoding.loc.shape == (3, c + s) and (encoding.scale > 0).all()
    np.testing.assert_allclose(encoding.probabilities.sum(axis=1), 1.0, rtol=1e-5)
    images = runtime.decode(encoding.loc)
    assert images.shape == (3, *manifest.image.shape)
    assert images.min() >= 0.0 and images.max() <= 1.0
    loc, scale = runtime.prior(np.arange(len(manifest.classes)))
    assert loc.shape == scale.shape == (len(manifest.classes), c)


def test_load_refuses_onnx_names_that_differ_from_the_manifest(tmp_path: Path) -> None:
    directory = tiny_model.write(tmp_path, tiny_model.TinySpec(encoder_input="pixels"))
    with pytest.raises(ModelError, match=r"encoder.onnx has inputs \['pixels'\]"):
        Runtime.load(load_manifest(directory))


def test_load_refuses_a_decoder_of_another_latent_size(tmp_path: Path) -> None:
    directory = tiny_model.write(tmp_path, tiny_model.TinySpec(decoder_latent=7))
    with pytest.raises(ModelError, match="warm-up"):
        Runtime.load(load_manifest(directory))


def test_load_refuses_a_manifest_whose_latent_sizes_lie(tiny_model_dir: Path) -> None:
    path = tiny_model_dir / "manifest.json"
    raw = json.loads(path.read_text())
    raw["latent"] = {"c": 2, "s": 3}  # same total, wrong split: the classifier reads 3
    path.write_text(json.dumps(raw))
    with pytest.raises(ModelError):
        Runtime.load(load_manifest(tiny_model_dir))


def test_load_refuses_a_file_onnxruntime_cannot_parse(tiny_model_dir: Path) -> None:
    garbage = b"definitely not protobuf"
    (tiny_model_dir / "classifier.onnx").write_bytes(garbage)
    path = tiny_model_dir / "manifest.json"
    raw = json.loads(path.read_text())
    raw["files"]["classifier"]["sha256"] = hashlib.sha256(garbage).hexdigest()
    path.write_text(json.dumps(raw))
    with pytest.raises(ModelError, match=r"classifier file .* does not load in onnxruntime"):
        Runtime.load(load_manifest(tiny_model_dir))
