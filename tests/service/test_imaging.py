"""Uploads of any size, mode and polarity become MNIST-like fields; outputs become PNGs."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, PngImagePlugin

from service import imaging
from service.errors import InvalidImage, PayloadTooLarge
from tests.service.conftest import png, text_bomb

SHAPE = (1, 28, 28)
LIMIT = 10_000_000


@pytest.fixture(scope="module")
def digits(mnist: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return mnist[0][:20]


def prepare(data: bytes, invert: imaging.Invert = "auto") -> np.ndarray:
    return imaging.prepare(data, SHAPE, invert, LIMIT)[0]


def centre_of_mass(field: np.ndarray) -> tuple[float, float]:
    ys, xs = np.indices(field.shape)
    return float((ys * field).sum() / field.sum()), float((xs * field).sum() / field.sum())


def test_prepare_keeps_mnist_digits_nearly_unchanged(digits: np.ndarray) -> None:
    fields = np.stack([prepare(png(d)) for d in digits])
    errors = np.abs(fields - digits / 255.0).mean(axis=(1, 2))
    assert errors.max() < 0.02
    assert (errors < 1e-6).mean() >= 0.7  # most are already centred exactly


@pytest.mark.parametrize("mode", ["L", "RGB", "RGBA", "P", "LA", "1"])
def test_prepare_reads_each_mode_like_grey(digits: np.ndarray, mode: str) -> None:
    digit = digits[0] if mode != "1" else np.where(digits[0] > 127, 255, 0).astype(np.uint8)
    assert np.abs(prepare(png(digit, mode)) - prepare(png(digit))).max() < 0.02


def test_prepare_reads_16_bit_png(digits: np.ndarray) -> None:
    wide = digits[0].astype(np.uint16) * 257
    assert np.abs(prepare(png(wide)) - prepare(png(digits[0]))).max() < 1e-3


def test_prepare_reads_jpeg(digits: np.ndarray) -> None:
    jpeg = png(digits[0], "RGB", format="JPEG", quality=95)
    assert np.abs(prepare(jpeg) - prepare(png(digits[0]))).mean() < 0.03


def test_prepare_inverts_black_on_white_when_auto(digits: np.ndarray) -> None:
    assert np.abs(prepare(png(255 - digits[1])) - prepare(png(digits[1]))).max() < 1e-3


def test_prepare_obeys_explicit_invert(digits: np.ndarray) -> None:
    reference = prepare(png(digits[1]))
    assert np.abs(prepare(png(255 - digits[1]), "true") - reference).max() < 1e-3
    with pytest.raises(InvalidImage, match="blank"):  # taken as white-on-white: nothing to see
        prepare(png(np.full((28, 28), 255, np.uint8)), "false")


def test_prepare_flattens_strokes_on_transparent_canvas(digits: np.ndarray) -> None:
    rgba = np.zeros((28, 28, 4), np.uint8)
    rgba[..., 3] = digits[2]  # black strokes, opacity = ink
    assert np.abs(prepare(png(rgba)) - prepare(png(digits[2]))).max() < 0.01


def test_prepare_scales_and_centres_a_large_offcentre_drawing(digits: np.ndarray) -> None:
    canvas = Image.new("RGB", (640, 420), "white")
    big = Image.fromarray(255 - digits[3]).resize((280, 280), Image.Resampling.BICUBIC)
    canvas.paste(big.convert("RGB"), (330, 120))
    field = prepare(png(np.asarray(canvas)))
    rows, cols = np.flatnonzero(field.any(axis=1)), np.flatnonzero(field.any(axis=0))
    assert max(rows[-1] - rows[0], cols[-1] - cols[0]) + 1 in (20, 21)
    assert np.allclose(centre_of_mass(field), (14.0, 14.0), atol=0.6)
    assert np.abs(field - digits[3] / 255.0).mean() < 0.05


def test_prepare_keeps_aspect_of_a_thin_stroke() -> None:
    bar = np.zeros((200, 200), np.uint8)
    bar[20:180, 90:110] = 255  # 160 x 20: a "1"
    field = prepare(png(bar))
    rows, cols = np.flatnonzero(field.any(axis=1)), np.flatnonzero(field.any(axis=0))
    assert rows[-1] - rows[0] + 1 == 20
    assert cols[-1] - cols[0] + 1 <= 4


def test_decode_rejects_text_as_not_an_image() -> None:
    with pytest.raises(InvalidImage, match="not a PNG or JPEG"):
        imaging.decode(b"hello, I am text", LIMIT)


def test_decode_rejects_gif(digits: np.ndarray) -> None:
    with pytest.raises(InvalidImage, match="not a PNG or JPEG"):
        imaging.decode(png(digits[0], format="GIF"), LIMIT)


def test_decode_rejects_truncated_png() -> None:
    noise = np.random.default_rng(0).integers(0, 256, (64, 64), dtype=np.uint8)
    data = png(noise)
    with pytest.raises(InvalidImage, match="truncated or corrupt"):
        imaging.decode(data[: len(data) // 2], LIMIT)


def test_decode_rejects_more_pixels_than_the_limit() -> None:
    with pytest.raises(PayloadTooLarge, match="100x100 = 10000 pixels exceeds the limit of 5000"):
        imaging.decode(png(np.zeros((100, 100), np.uint8)), 5000)


# NOTE: Pillow's guard sits at 64x the limit (a JPEG decoded at 1/8 a side); it warns above it
# and errors above twice it, and both refuse the image.
@pytest.mark.parametrize("side", [700, 900])
def test_decode_refuses_decompression_bombs(monkeypatch: pytest.MonkeyPatch, side: int) -> None:
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)
    imaging.configure_pillow(6000)
    with pytest.raises(PayloadTooLarge, match="decompression bomb"):
        imaging.decode(png(np.zeros((side, side), np.uint8)), LIMIT)


def test_decode_refuses_a_compressed_text_chunk_that_inflates_past_pillows_bound() -> None:
    bomb = text_bomb(np.zeros((28, 28), np.uint8), 1, 2 * PngImagePlugin.MAX_TEXT_CHUNK)
    assert len(bomb) < 10_000
    with pytest.raises(PayloadTooLarge, match=r"decompression bomb.*MAX_TEXT_CHUNK"):
        imaging.decode(bomb, LIMIT)


def test_decode_refuses_text_chunks_that_inflate_past_pillows_bound_in_all(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(PngImagePlugin, "MAX_TEXT_MEMORY", 100_000)
    bomb = text_bomb(np.zeros((28, 28), np.uint8), 3, 50_000)  # each within MAX_TEXT_CHUNK
    with pytest.raises(PayloadTooLarge, match=r"decompression bomb.*MAX_TEXT_MEMORY"):
        imaging.decode(bomb, LIMIT)


def test_to_field_rejects_a_blank_image() -> None:
    with pytest.raises(InvalidImage, match="blank"):
        imaging.to_field(np.full((50, 50), 0.02), 28, 28)


def test_to_png_round_trips_8_bit_values() -> None:
    image = np.linspace(0, 1, 28 * 28, dtype=np.float32).reshape(1, 28, 28)
    with Image.open(io.BytesIO(imaging.to_png(image))) as decoded:
        assert decoded.mode == "L" and decoded.size == (28, 28)
        assert np.abs(np.asarray(decoded) / 255.0 - image[0]).max() <= 0.5 / 255 + 1e-6


def test_strip_lays_frames_left_to_right_with_padding() -> None:
    images = np.stack([np.full((1, 28, 28), v, np.float32) for v in (0.0, 1.0, 0.2)])
    strip = imaging.strip(images)
    assert strip.shape == (2 + 28 + 2, 3 * (28 + 2) + 2)
    assert strip[2:30, 32:60].min() == 1.0 and strip[2:30, 62:90].max() == pytest.approx(0.2)


def test_grid_is_square_ish_and_a_single_image_unpadded() -> None:
    images = np.zeros((5, 1, 28, 28), np.float32)
    assert imaging.grid(images).shape == (2 * 30 + 2, 3 * 30 + 2)
    assert imaging.grid(images[:1]).shape == (28, 28)


def test_decode_refuses_a_long_side_from_the_header_alone() -> None:
    thin = png(np.zeros((1, 5000), np.uint8))  # 5,000 pixels, well within the pixel limit
    with pytest.raises(PayloadTooLarge, match="5000x1 has a side over the limit of 4096"):
        imaging.decode(thin, LIMIT, max_side=4096)


def test_large_jpeg_is_decoded_at_an_eighth_of_its_side(digits: np.ndarray) -> None:
    big = np.asarray(Image.fromarray(digits[0]).resize((4096, 4096), Image.Resampling.NEAREST))
    jpeg = png(big, format="JPEG", quality=90)
    assert imaging.pixels(jpeg) == 512 * 512  # what the limits are checked against
    field = imaging.prepare(jpeg, SHAPE, "auto", 512 * 512, max_side=512)[0]
    assert np.abs(field - prepare(png(digits[0]))).mean() < 0.05


@pytest.mark.parametrize("mode", ["L", "RGBA", "P", "I;16"])
def test_large_picture_is_averaged_down_and_prepares_like_the_small_one(
    digits: np.ndarray, mode: str
) -> None:
    big = Image.fromarray(digits[1]).resize((1800, 1800), Image.Resampling.NEAREST)
    if mode == "I;16":
        data = png(np.asarray(big).astype(np.uint16) * 257)
    else:
        data = png(np.asarray(big), mode)
    assert np.abs(prepare(data) - prepare(png(digits[1]))).mean() < 0.05
