"""`ccvae-figures` and `ccvae-evaluate` on a short real run."""

from __future__ import annotations

import json

import numpy as np
from PIL import Image

from training import evaluate, figures
from training.checkpoint import load_model
from training.figures import intervene, tile


def test_figures_cli_writes_every_report_figure(trained_run, tmp_path, mnist_dir):
    figures.main([str(trained_run / "best.pt"), "--out", str(tmp_path), "--data-dir",
                  str(mnist_dir), "--pairs", "0-1,2-7", "--density"])  # fmt: skip
    names = {p.name for p in tmp_path.glob("*.png")}
    assert names == {
        "reconstructions.png", "generation.png", "generation_density.png",
        "interpolation_labels_0-1.png",
        "interpolation_labels_2-7.png", "interpolation_images.png", "intervention.png",
        "curves.png",
    }  # fmt: skip
    for name in names:
        with Image.open(tmp_path / name) as img:
            assert img.width > 100 and img.height > 100, name


def test_tile_lays_images_out_row_by_row_with_gaps():
    import torch

    images = torch.stack([torch.full((1, 2, 2), float(i)) for i in range(6)])
    canvas = tile(images, rows=2)
    assert canvas.shape == (2 * 3 - 1, 3 * 3 - 1)
    assert canvas[0, 0] == 0 and canvas[0, 3] == 1 and canvas[3, 0] == 3 and canvas[3, 6] == 5
    assert np.all(canvas[2, :] == 1.0)  # the gap row is white


def test_intervention_keeps_the_style_and_sets_each_label(trained_run):
    import torch

    model, _ = load_model(trained_run / "best.pt")
    x = torch.rand(3, 1, 28, 28)
    grid = intervene(model, x)
    assert grid.shape == (3 * 11, 1, 28, 28)
    torch.testing.assert_close(grid[0], x[0])  # each row starts with the original digit


def test_evaluate_cli_reports_accuracy_confusion_and_generation(trained_run, tmp_path, mnist_dir):
    out = tmp_path / "eval.json"
    evaluate.main([str(trained_run / "best.pt"), "--data-dir", str(mnist_dir), "--out", str(out)])
    r = json.loads(out.read_text())
    confusion = np.array(r["confusion_matrix"])
    assert confusion.shape == (10, 10) and confusion.sum() == 10000
    assert r["accuracy"] == confusion.trace() / 10000
    assert len(r["per_class_accuracy"]) == 10
    assert r["reconstruction_bce"] > 0 and 0 < r["reconstruction_mse"] < 0.25
    assert 0 <= r["generation_fidelity"] <= 1
    assert r["generation_fid"] > r["generation_fid_floor"] >= 0
