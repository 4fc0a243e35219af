"""/generate and /interpolate on the shipped model."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import numpy as np

from service.settings import Settings
from tests.service import tiny_model
from tests.service.conftest import Client, decode_png, frames, png, serve

N_PER_LABEL = 40


def classify_pngs(client: Client, pngs: list[bytes]) -> list[int]:
    """The model's own reading (encode -> classify) of its outputs, taken as they are."""
    files = [("file", (f"{i}.png", data)) for i, data in enumerate(pngs)]
    body = client.post("/classify", params={"fit": False}, files=files).json()
    return [p["label"] for p in (body if isinstance(body, list) else [body])]


def json_pngs(body: dict[str, Any]) -> list[bytes]:
    return [base64.b64decode(image["png"]) for image in body["images"]]


def test_generate_draws_digits_the_classifier_reads_as_their_label(
    client: Client, manifest: dict[str, Any]
) -> None:
    shares = []
    for label, name in enumerate(manifest["classes"]):
        body = client.post(
            "/generate", params={"label": name, "n": N_PER_LABEL, "seed": label, "format": "json"}
        ).json()
        read = classify_pngs(client, json_pngs(body))
        shares.append(float(np.mean(np.array(read) == label)))
    assert min(shares) >= 0.95, f"share read back as the label asked for, per label: {shares}"


def test_generate_same_seed_gives_same_bytes(client: Client) -> None:
    first = client.post("/generate", params={"label": "4", "n": 3, "seed": 123})
    again = client.post("/generate", params={"label": "4", "n": 3, "seed": 123})
    other = client.post("/generate", params={"label": "4", "n": 3, "seed": 124})
    assert first.headers["content-type"] == "image/png"
    assert first.content == again.content != other.content


def test_generate_reports_the_seed_it_drew(client: Client) -> None:
    drawn = client.post("/generate", params={"label": "2"})
    seed = drawn.headers["x-seed"]
    assert client.post("/generate", params={"label": "2", "seed": seed}).content == drawn.content


def test_generate_takes_a_label_by_index_or_by_class_name(tmp_path: Path) -> None:
    named = tiny_model.write(tmp_path / "named", tiny_model.TinySpec(classes=("cat", "dog")))
    with serve(Settings(model_dir=named, threads=1)) as tiny:
        by_index = tiny.post("/generate", params={"label": 1, "seed": 5})
        by_name = tiny.post("/generate", params={"label": "dog", "seed": 5})
        assert by_index.status_code == 200 and by_name.content == by_index.content
        labels = tiny.get("/openapi.json").json()["paths"]["/generate"]["post"]["parameters"][0]
        assert labels["schema"]["maximum"] == 1


def test_generate_lays_n_samples_on_a_grid(client: Client) -> None:
    grid = decode_png(client.post("/generate", params={"label": "1", "n": 9, "seed": 0}).content)
    assert grid.shape == (3 * 30 + 2, 3 * 30 + 2)
    single = decode_png(client.post("/generate", params={"label": "1", "seed": 0}).content)
    assert single.shape == (28, 28)


def test_generate_from_the_prior_at_zero_temperature_decodes_the_prior_mean(
    client: Client, manifest: dict[str, Any]
) -> None:
    params = {"label": "6", "n": 3, "temperature": 0, "format": "json", "source": "prior"}
    body = client.post("/generate", params=params).json()
    assert len({image["png"] for image in body["images"]}) == 1
    assert body["images"][0]["z_s"] == [0.0] * manifest["latent"]["s"]


def test_generate_samples_the_fitted_density_when_the_model_ships_one(
    client: Client, manifest: dict[str, Any]
) -> None:
    assert "density" in manifest["files"]
    cold = client.post(
        "/generate", params={"label": "6", "n": 3, "temperature": 0, "format": "json"}
    )
    images = cold.json()["images"]
    assert len({image["png"] for image in images}) == 1
    # at temperature 0 z is the density's mean for the label, as its graph answers on /v2
    request = {"inputs": [{"name": "label", "shape": [1], "datatype": "INT64", "data": [6]}]}
    outputs = client.post("/v2/models/density/infer", json=request).json()["outputs"]
    (loc,) = [o["data"] for o in outputs if o["name"] == "loc"]
    np.testing.assert_allclose(images[0]["z_c"] + images[0]["z_s"], loc, atol=1e-5)
    # and it is not the prior's sample: the two sources differ for the same seed
    params = {"label": "6", "n": 4, "seed": 1}
    density = client.post("/generate", params=params).content
    assert client.post("/generate", params={**params, "source": "density"}).content == density
    assert client.post("/generate", params={**params, "source": "prior"}).content != density


def test_generated_digits_are_read_as_their_label_from_either_source(client: Client) -> None:
    for source in ("density", "prior"):
        for label in ("0", "4", "8"):
            params = {"label": label, "n": 8, "seed": 2, "format": "json", "source": source}
            body = client.post("/generate", params=params).json()
            read = np.array(classify_pngs(client, json_pngs(body)))
            assert np.mean(read == int(label)) >= 0.75, (source, label, read)


def test_asking_a_model_without_a_density_for_one_is_422(tiny_model_dir: Path) -> None:
    with serve(Settings(model_dir=tiny_model_dir, threads=1)) as tiny:
        response = tiny.post("/generate", params={"label": "1", "source": "density"})
        assert response.status_code == 422, response.text
        assert "no fitted density" in response.json()["error"]["message"]
        assert tiny.post("/generate", params={"label": "1"}).status_code == 200  # the prior


def test_interpolate_labels_starts_and_ends_at_the_two_labels(
    client: Client, manifest: dict[str, Any]
) -> None:
    steps = 7
    body = client.post(
        "/interpolate",
        params={"start_label": "1", "end_label": "7", "steps": steps, "seed": 3, "format": "json",
                "source": "prior"},
    ).json()  # fmt: skip
    images = body["images"]
    assert len(images) == steps and body["seed"] == 3
    assert all(image["z_s"] == images[0]["z_s"] for image in images)  # style held fixed
    start, end = (
        client.post(
            "/generate",
            params={"label": name, "temperature": 0, "format": "json", "source": "prior"},
        ).json()["images"][0]["z_c"]
        for name in ("1", "7")
    )
    np.testing.assert_allclose(images[0]["z_c"], start, atol=1e-6)
    np.testing.assert_allclose(images[-1]["z_c"], end, atol=1e-6)
    read = classify_pngs(client, json_pngs(body))
    assert (read[0], read[-1]) == (1, 7)


def test_interpolate_labels_from_the_density_joins_the_two_labels_samples_of_one_seed(
    client: Client,
) -> None:
    params = {"start_label": "2", "end_label": "5", "steps": 6, "seed": 11, "format": "json"}
    frames_ = client.post("/interpolate", params=params).json()["images"]
    ends = [
        client.post("/generate", params={"label": label, "seed": 11, "format": "json"}).json()[
            "images"
        ][0]
        for label in ("2", "5")
    ]
    for frame, end in ((frames_[0], ends[0]), (frames_[-1], ends[1])):
        np.testing.assert_allclose(frame["z_c"] + frame["z_s"], end["z_c"] + end["z_s"], atol=1e-5)
        assert frame["png"] == end["png"]
    read = classify_pngs(client, json_pngs({"images": frames_}))
    assert (read[0], read[-1]) == (2, 5)


def test_interpolate_labels_returns_a_strip_of_steps_frames(client: Client) -> None:
    response = client.post(
        "/interpolate", params={"start_label": "3", "end_label": "5", "steps": 5, "seed": 1}
    )
    strip = decode_png(response.content)
    assert strip.shape == (32, 5 * 30 + 2)
    assert response.headers["x-seed"] == "1"


def test_interpolate_images_starts_and_ends_at_their_reconstructions(
    client: Client, mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    first, last = png(mnist[0][0]), png(mnist[0][1])
    response = client.post(
        "/interpolate/images",
        params={"steps": 6},
        files={"start_image": ("a.png", first), "end_image": ("b.png", last)},
    )
    assert response.status_code == 200, response.text
    strip = frames(decode_png(response.content), 6)
    for frame, upload in ((strip[0], first), (strip[-1], last)):
        reconstruction = decode_png(client.post("/reconstruct", files={"file": upload}).content)
        assert np.abs(frame - reconstruction).max() <= 1 / 255 + 1e-6
