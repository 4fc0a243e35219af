"""The manifest is validated and every file it names is pinned by its sha256."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from service.errors import ModelError
from service.manifest import check_signature, load_manifest, read_manifest


def edit(directory: Path, change: dict[str, Any]) -> None:
    path = directory / "manifest.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **change}))


def test_load_reads_the_shipped_manifest(shipped_model: Path, manifest: dict[str, Any]) -> None:
    loaded = load_manifest(shipped_model)
    assert loaded.classes == tuple(manifest["classes"])
    assert loaded.latent.c == manifest["latent"]["c"] and loaded.latent.s == manifest["latent"]["s"]
    assert loaded.image.shape == tuple(manifest["image"]["shape"])
    assert all(loaded.path(role).is_file() for role in loaded.files)


def test_load_reads_a_valid_tiny_model(tiny_model_dir: Path) -> None:
    loaded = load_manifest(tiny_model_dir)
    assert loaded.name == "tiny" and len(loaded.classes) == 10 and loaded.latent.c == 3


def test_load_fails_on_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"no model at .*manifest.json does not exist"):
        load_manifest(tmp_path / "absent")


def test_load_fails_on_a_corrupt_onnx_file(tiny_model_dir: Path) -> None:
    with (tiny_model_dir / "decoder.onnx").open("ab") as f:
        f.write(b"\0")
    with pytest.raises(ModelError, match=r"decoder file .* is corrupt: sha256"):
        load_manifest(tiny_model_dir)


def test_load_fails_on_a_missing_onnx_file(tiny_model_dir: Path) -> None:
    (tiny_model_dir / "prior.onnx").unlink()
    with pytest.raises(ModelError, match=r"prior file .* does not exist"):
        load_manifest(tiny_model_dir)


def test_read_fails_on_malformed_json(tiny_model_dir: Path) -> None:
    (tiny_model_dir / "manifest.json").write_text("{not json")
    with pytest.raises(ModelError, match="not readable JSON"):
        read_manifest(tiny_model_dir)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"format_version": 2}, "format_version"),
        ({"classes": ["a", "a"]}, "classes must be distinct"),
        ({"latent": {"c": 0, "s": 2}}, "latent.c"),
        ({"image": {"shape": [3, 28, 28]}}, r"image.shape must be \[1, H, W\]"),
        ({"files": {}}, "files lacks"),
        ({"protocol": {"labels": 9, "label_draw": 0, "selection": "first"}}, "protocol.selection"),
    ],
)
def test_read_names_what_is_wrong(
    tiny_model_dir: Path, change: dict[str, Any], message: str
) -> None:
    edit(tiny_model_dir, change)
    with pytest.raises(ModelError, match=message):
        read_manifest(tiny_model_dir)


def test_read_refuses_names_other_than_the_contract(tiny_model_dir: Path) -> None:
    raw = json.loads((tiny_model_dir / "manifest.json").read_text())
    raw["files"]["encoder"]["outputs"] = ["mu", "sigma"]
    edit(tiny_model_dir, {"files": raw["files"]})
    with pytest.raises(ModelError, match=r"files.encoder declares .*'mu', 'sigma'"):
        read_manifest(tiny_model_dir)


def test_an_optional_density_is_held_to_its_contract_too(tiny_model_dir: Path) -> None:
    raw = json.loads((tiny_model_dir / "manifest.json").read_text())
    assert read_manifest(tiny_model_dir).roles == ("encoder", "decoder", "classifier", "prior")
    raw["files"]["density"] = {**raw["files"]["prior"], "outputs": ["loc", "scale"]}
    edit(tiny_model_dir, {"files": raw["files"]})
    with pytest.raises(
        ModelError, match=r"files.density declares .* \['label'\] -> \['loc', 'scale_tril'\]"
    ):
        read_manifest(tiny_model_dir)


def test_check_signature_names_both_sides() -> None:
    check_signature("decoder", ["z"], ["image"])
    with pytest.raises(ModelError, match=r"decoder.onnx has inputs \['latent'\]"):
        check_signature("decoder", ["latent"], ["image"])
