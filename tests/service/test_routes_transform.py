"""/reconstruct and /intervene on the shipped model."""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

from tests.service.conftest import Client, decode_png, png


def reading(client: Client, pngs: list[bytes], fit: bool = False) -> np.ndarray:
    files = [("file", (f"{i}.png", data)) for i, data in enumerate(pngs)]
    body = client.post("/classify", params={"fit": fit}, files=files).json()
    return np.array([p["label"] for p in (body if isinstance(body, list) else [body])])


def test_reconstruct_keeps_the_digit(client: Client, mnist: tuple[np.ndarray, np.ndarray]) -> None:
    digits = [png(d) for d in mnist[0][:30]]
    before = reading(client, digits, fit=True)
    after = []
    for data in digits:
        response = client.post("/reconstruct", files={"file": ("d.png", data)})
        assert response.headers["content-type"] == "image/png"
        assert decode_png(response.content).shape == (28, 28)
        after.append(response.content)
    assert np.mean(reading(client, after) == before) >= 0.9


def test_reconstruct_as_json_decodes_the_posterior_mean(
    client: Client, mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    upload = {"file": ("d.png", png(mnist[0][5]))}
    body = client.post("/reconstruct", params={"format": "json"}, files=upload).json()
    encoding = client.post("/encode", files=upload).json()
    (image,) = body["images"]
    np.testing.assert_allclose(image["z_c"], encoding["z_c"]["loc"], atol=1e-6)
    np.testing.assert_allclose(image["z_s"], encoding["z_s"]["loc"], atol=1e-6)
    assert base64.b64decode(image["png"]) == client.post("/reconstruct", files=upload).content


def test_intervene_draws_the_label_asked_for(
    client: Client, manifest: dict[str, Any], mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    images, labels = mnist
    outputs, targets = [], []
    for i in range(30):
        target = (int(labels[i]) + 1 + i % 9) % len(manifest["classes"])
        response = client.post(
            "/intervene",
            params={"label": manifest["classes"][target]},
            files={"file": ("d.png", png(images[i]))},
        )
        assert response.status_code == 200, response.text
        outputs.append(response.content)
        targets.append(target)
    assert np.mean(reading(client, outputs) == np.array(targets)) >= 0.9


def intervened_z(client: Client, upload: dict, label: str, **params: Any) -> dict[str, Any]:
    params = {"label": label, "format": "json", **params}
    (image,) = client.post("/intervene", params=params, files=upload).json()["images"]
    return image


def test_intervene_with_keep_0_keeps_the_style_and_sets_the_label_prior_mean(
    client: Client, mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    upload = {"file": ("d.png", png(mnist[0][9]))}
    image = intervened_z(client, upload, "2", keep=0)
    style = client.post("/encode", files=upload).json()["z_s"]["loc"]
    prior_mean = client.post(
        "/generate", params={"label": "2", "temperature": 0, "format": "json", "source": "prior"}
    ).json()["images"][0]["z_c"]
    np.testing.assert_allclose(image["z_s"], style, atol=1e-6)
    np.testing.assert_allclose(image["z_c"], prior_mean, atol=1e-6)


def test_intervene_with_keep_1_to_the_digits_own_label_is_its_reconstruction(
    client: Client, mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    upload = {"file": ("d.png", png(mnist[0][9]))}
    own = client.post("/classify", files=upload).json()["label"]
    image = intervened_z(client, upload, own, keep=1)
    encoding = client.post("/encode", files=upload).json()
    np.testing.assert_allclose(image["z_c"], encoding["z_c"]["loc"], atol=1e-5)
    np.testing.assert_allclose(image["z_s"], encoding["z_s"]["loc"], atol=1e-6)


def test_keep_moves_z_c_linearly_from_the_prior_mean_and_defaults_to_half(
    client: Client, mnist: tuple[np.ndarray, np.ndarray]
) -> None:
    upload = {"file": ("d.png", png(mnist[0][3]))}
    z_c = {k: np.array(intervened_z(client, upload, "6", keep=k)["z_c"]) for k in (0, 0.5, 1)}
    np.testing.assert_allclose(z_c[0.5], (z_c[0] + z_c[1]) / 2, atol=1e-5)
    assert not np.allclose(z_c[0], z_c[1], atol=1e-2)
    np.testing.assert_allclose(intervened_z(client, upload, "6")["z_c"], z_c[0.5], atol=1e-6)
