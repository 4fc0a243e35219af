"""`ccvae-export`: the ONNX contract, parity with torch, and a manifest that explains itself."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import onnx
import onnxruntime as ort
import pytest
import torch

from tests.training.conftest import tiny_run_args
from training import export, train
from training.checkpoint import load_model
from training.density import fit_training_density


@pytest.fixture(scope="module")
def exported(trained_run, tmp_path_factory, mnist_dir):
    out = tmp_path_factory.mktemp("export") / "ccvae-mnist"
    repository = out.parent / "repository"
    export.main([str(trained_run / "best.pt"), "--out", str(out), "--data-dir", str(mnist_dir),
                 "--triton-repository", str(repository)])  # fmt: skip
    return out


def test_export_also_writes_the_graphs_as_a_triton_repository(exported):
    repository = exported.parent / "repository"
    manifest = json.loads((exported / "manifest.json").read_text())
    for role, entry in manifest["files"].items():
        copied = (repository / role / "1" / "model.onnx").read_bytes()
        assert hashlib.sha256(copied).hexdigest() == entry["sha256"]
        assert f'name: "{role}"' in (repository / role / "config.pbtxt").read_text()


def _session(path) -> ort.InferenceSession:
    return ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])


def test_export_writes_five_checked_graphs_with_the_contract_names(exported):
    expected = {
        "encoder": (["image"], ["loc", "scale"]),
        "decoder": (["z"], ["image"]),
        "classifier": (["z_c"], ["logits"]),
        "prior": (["label"], ["loc", "scale"]),
        "density": (["label"], ["loc", "scale_tril"]),
    }
    for name, (inputs, outputs) in expected.items():
        model = onnx.load(str(exported / f"{name}.onnx"))
        onnx.checker.check_model(model)
        assert [i.name for i in model.graph.input] == inputs
        assert [o.name for o in model.graph.output] == outputs
        assert model.graph.input[0].type.tensor_type.shape.dim[0].dim_param == "N"


def test_manifest_hashes_match_the_files(exported):
    manifest = json.loads((exported / "manifest.json").read_text())
    for entry in manifest["files"].values():
        digest = hashlib.sha256((exported / entry["path"]).read_bytes()).hexdigest()
        assert digest == entry["sha256"], entry["path"]


def test_manifest_carries_what_the_service_needs(exported, trained_run):
    manifest = json.loads((exported / "manifest.json").read_text())
    assert manifest["classes"] == [str(d) for d in range(10)]
    assert manifest["image"] == {"shape": [1, 28, 28], "range": [0.0, 1.0],
                                 "foreground": "white-on-black"}  # fmt: skip
    assert manifest["latent"] == {"c": 8, "s": 4}
    assert manifest["training"]["labels"] == 1000
    protocol = manifest["protocol"]  # the label count, the draw and the checkpoint rule, stated
    assert (protocol["labels"], protocol["label_draw"], protocol["selection"]) == (1000, 0, "best")
    assert protocol["epoch"] == manifest["metrics"]["epoch"]
    assert protocol["statement"].startswith("1000 labelled digits, 100 per class, label draw 0")
    assert 0.0 < manifest["metrics"]["test_accuracy"] <= 1.0
    # generation is measured as the service samples (the fitted density) and from the priors
    metrics = manifest["metrics"]
    assert metrics["generation_fid"] > 0 and metrics["prior_generation_fid"] > 0
    assert metrics["generation_fid"] != metrics["prior_generation_fid"]
    assert set(manifest["versions"]) >= {"torch", "onnx"}


@pytest.mark.parametrize("batch", [1, 64])
def test_onnxruntime_matches_torch(exported, trained_run, batch, mnist_dir):
    model, state = load_model(trained_run / "best.pt")
    density = fit_training_density(model, state["train_config"], str(mnist_dir))
    g = torch.Generator().manual_seed(batch)
    image = torch.rand(batch, 1, 28, 28, generator=g)
    z = torch.randn(batch, 12, generator=g)
    label = torch.randint(0, 10, (batch,), generator=g)
    with torch.no_grad():
        expected = {
            "encoder": model.encoder(image),
            "decoder": (torch.sigmoid(model.decoder(z)),),
            "classifier": (model.classifier(z[:, :8]),),
            "prior": model.prior(label),
            "density": density(label),
        }
    feeds = {
        "encoder": {"image": image.numpy()},
        "decoder": {"z": z.numpy()},
        "classifier": {"z_c": z[:, :8].numpy()},
        "prior": {"label": label.numpy()},
        "density": {"label": label.numpy()},
    }
    for name, feed in feeds.items():
        got = _session(exported / f"{name}.onnx").run(None, feed)
        for g_out, e_out in zip(got, expected[name], strict=True):
            assert np.abs(g_out - e_out.numpy()).max() <= 1e-4, name


def test_m2_exports_under_the_same_names_and_says_which_inputs_each_file_takes(tmp_path, mnist_dir):
    run, out = tmp_path / "run", tmp_path / "m2-mnist"
    train.main(tiny_run_args(run, mnist_dir, "--model", "m2", "--limit", "1500"))
    export.main([str(run / "best.pt"), "--out", str(out), "--skip-metrics"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["model"] == "m2" and manifest["latent"] == {"z": 12}
    inputs = {name: entry["inputs"] for name, entry in manifest["files"].items()}
    assert inputs == {"encoder": ["image", "label"], "decoder": ["z", "label"],
                      "classifier": ["image"]}  # fmt: skip
    model, _ = load_model(run / "best.pt")
    image, label = torch.rand(4, 1, 28, 28), torch.tensor([0, 3, 5, 9])
    z = torch.randn(4, 12)
    with torch.no_grad():
        expected = {
            "encoder": model.posterior(model.encoder.features(image), label),
            "decoder": (torch.sigmoid(model.decode(z, label)),),
            "classifier": (model.classify(image),),
        }
    feeds = {
        "encoder": {"image": image.numpy(), "label": label.numpy()},
        "decoder": {"z": z.numpy(), "label": label.numpy()},
        "classifier": {"image": image.numpy()},
    }
    for name, feed in feeds.items():
        got = _session(out / f"{name}.onnx").run(None, feed)
        for g_out, e_out in zip(got, expected[name], strict=True):
            assert np.abs(g_out - e_out.numpy()).max() <= 1e-4, name


def test_protocol_is_read_from_what_an_older_checkout_saved():
    # the 100-label model's checkpoint was written by a checkout whose loss weights were flat keys
    saved = {"labels": 100, "seed": 2, "validation": 100, "selection": "last", "ema": 0.999,
             "beta": 0.4, "model": {"latent_c": 64, "latent_s": 16}}  # fmt: skip
    protocol = export.saved_protocol(saved, 50)
    assert (protocol["labels"], protocol["label_draw"], protocol["epoch"]) == (100, 2, 50)
    assert protocol["statement"] == (
        "100 labelled digits, 10 per class, label draw 2; measured at its fixed final epoch 50: "
        "no checkpoint is chosen on labelled data (its 100 validation digits choose none); "
        "weights averaged (EMA, decay 0.999)."
    )
    every_label = export.saved_protocol({"labels": None, "validation": 5000}, 20)
    assert (every_label["labels"], every_label["label_draw"]) == ("all", None)
    assert every_label["selection"] == "best"
    assert "best accuracy on 5000 labelled validation digits" in every_label["statement"]
