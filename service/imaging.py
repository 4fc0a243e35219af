"""Uploaded pictures in, the model's 28x28 grey images out, and model images back to PNG.

A digit arrives in any size, mode and polarity; the model was trained on MNIST, whose digits are
white on black, cropped to their ink, scaled so the longer side is 20 of 28 pixels (aspect kept),
and placed so their centre of mass is the centre of the field. `prepare` does exactly that.
"""

from __future__ import annotations

import io
import math
import struct
import warnings
from enum import Enum

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from service.errors import InvalidImage, PayloadTooLarge, ServiceError


class Invert(str, Enum):
    """Whether an upload is dark-on-light and must be inverted; auto reads its border."""

    auto = "auto"
    true = "true"
    false = "false"


FORMATS = ("PNG", "JPEG")
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
BOX_FRACTION = 20 / 28
"""MNIST's digit box relative to its field."""
MIN_CONTRAST = 0.1
"""Ink must differ this much (of full scale) from the background to count as a digit."""
JPEG_FLOOR = 0.1
"""Ink below this is taken for JPEG ringing, not strokes (PNG is lossless: any ink counts)."""
EXTENT = 0.05
"""Ink this faint stays in the image but does not widen the digit's box (decoders' halos)."""
WORK_SIDE = 512
"""Decoded pictures are averaged down to at most this many pixels a side before any float work:
the digit ends up 20 pixels tall, and the float work costs ~0.15 us a pixel."""
JPEG_REDUCTION = 8
"""The largest scale-down a JPEG decoder offers (1/8 a side), which `draft` asks for."""


def configure_pillow(max_pixels: int) -> None:
    """Make Pillow refuse, at `Image.open`, what no reduced JPEG decoding could bring in limits.

    `decode` checks the real limits itself, on the size that will be decoded; Pillow's own
    decompression-bomb check stays as the outer guard, its warning included.
    """
    Image.MAX_IMAGE_PIXELS = max_pixels * JPEG_REDUCTION**2
    # NOTE: Pillow only warns between 1x and 2x the limit; a warning must refuse the image too.
    warnings.simplefilter("error", Image.DecompressionBombWarning)


def pixels(data: bytes) -> int:
    """Width x height that a PNG/JPEG header declares, or 0 when the header is unreadable.

    Cheap (no pixel is decoded): it lets the caller budget a request's pixels and choose where to
    decode; `decode` is what refuses bad or oversized images.
    """
    if data[:8] == PNG_SIGNATURE and data[12:16] == b"IHDR" and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return int(width * height)
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            width, height = _draft(image)
    except Exception:  # `decode` refuses these from the header alone, as cheaply
        return 0
    return int(width * height)


def _draft(image: Image.Image) -> tuple[int, int]:
    """Ask a JPEG decoder for the smallest scale (1/2, 1/4, 1/8) still WORK_SIDE a side."""
    if image.format == "JPEG":
        image.draft(image.mode, (WORK_SIDE, WORK_SIDE))
    width, height = image.size
    return int(width), int(height)


def check_size(width: int, height: int, max_pixels: int, max_side: int | None) -> None:
    """Refuse, from the header alone, a size over the pixel or side limit."""
    if width * height > max_pixels:
        raise PayloadTooLarge(
            f"image of {width}x{height} = {width * height} pixels exceeds the limit of "
            f"{max_pixels} pixels; refused from its header, as a decompression bomb would be"
        )
    if max_side is not None and max(width, height) > max_side:
        raise PayloadTooLarge(
            f"image of {width}x{height} has a side over the limit of {max_side} pixels; refused "
            "from its header, as a decompression bomb would be"
        )


def decode(data: bytes, max_pixels: int, max_side: int | None = None) -> np.ndarray:
    """PNG/JPEG bytes -> grey float image (H, W) in [0, 1], transparency flattened.

    Cost model: the size is checked from the header before any pixel is decoded (a JPEG is
    decoded at the smallest of 1, 1/2, 1/4, 1/8 scale that keeps WORK_SIDE pixels a side, and
    checked at that size); the decoded picture is then shrunk by whole-pixel averaging until its
    longer side is at most WORK_SIDE, so everything after decoding costs at most WORK_SIDE^2
    pixels. Any failure of Pillow's (decoders, chunk readers, EXIF parsing) is an invalid image,
    but for a compressed chunk that inflates past Pillow's bound, which is too large.
    """
    try:
        with Image.open(io.BytesIO(data), formats=FORMATS) as image:
            check_size(*_draft(image), max_pixels, max_side)
            image.load()
            grey, alpha = _grey_and_alpha(_shrink(ImageOps.exif_transpose(image)))
    except ServiceError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise PayloadTooLarge(f"image refused as a decompression bomb: {e}") from e
    except UnidentifiedImageError as e:
        raise InvalidImage(
            f"not a PNG or JPEG image ({len(data)} bytes starting {data[:8]!r})"
        ) from e
    except MemoryError:
        raise
    except Exception as e:  # the decoder boundary: whatever Pillow raises is a bad image, ...
        # NOTE: ... but for Pillow's bound on what a PNG's compressed chunks (zTXt, iTXt, iCCP)
        # may inflate to, MAX_TEXT_CHUNK each and MAX_TEXT_MEMORY in all, which it names in its
        # message: such an image is refused for its size, as a pixel bomb is.
        if isinstance(e, ValueError) and "MAX_TEXT" in str(e):
            raise PayloadTooLarge(f"image refused as a decompression bomb: {e}") from e
        raise InvalidImage(
            f"image cannot be decoded (truncated or corrupt): {type(e).__name__}: {e}"[:300]
        ) from e
    return grey if alpha is None else _flatten(grey, alpha)


def _shrink(image: Image.Image) -> Image.Image:
    """Average whole blocks of pixels until the longer side is at most WORK_SIDE.

    Colour is made grey first (one band, or grey and alpha), as `_grey_and_alpha` would: it
    quarters the work of the averaging, which is the cost of a large RGBA picture.
    """
    factor = math.ceil(max(image.size) / WORK_SIDE)
    if factor <= 1:
        return image
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode.startswith("I;"):
        image = image.convert("I")
    elif "A" in image.getbands():
        image = image.convert("LA")
    elif image.mode not in ("L", "I", "F"):
        image = image.convert("L")
    return image.reduce(factor)


def _grey_and_alpha(image: Image.Image) -> tuple[np.ndarray, np.ndarray | None]:
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    alpha = None
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La"):
        alpha = np.asarray(image.getchannel("A"), np.float64) / 255.0
        if alpha.min() == 1.0:
            alpha = None
        image = image.convert("RGB")
    if image.mode.startswith("I"):  # 16-bit (I;16*) or 32-bit integer grey
        values = np.asarray(image, np.float64)
        return values / (255.0 if values.max() <= 255 else 65535.0), alpha
    if image.mode == "F":
        values = np.asarray(image, np.float64)
        return values / (255.0 if values.max() > 1.0 else 1.0), alpha
    return np.asarray(image.convert("L"), np.float64) / 255.0, alpha


def _flatten(grey: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Composite over the background that contrasts with the opaque strokes."""
    opaque = alpha.sum()
    ink = (grey * alpha).sum() / opaque if opaque > 0 else 0.0
    background = 1.0 if ink < 0.5 else 0.0
    flat: np.ndarray = grey * alpha + background * (1.0 - alpha)
    return flat


def _border(image: np.ndarray) -> np.ndarray:
    return np.concatenate([image[0], image[-1], image[1:-1, 0], image[1:-1, -1]])


def _median(values: np.ndarray) -> float:
    """np.median of a 1-D array, by sorting: a fifth of its cost on a digit's border."""
    ordered = np.sort(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return float((ordered[middle - 1] + ordered[middle]) / 2)


def needs_inversion(grey: np.ndarray, invert: Invert) -> bool:
    """Whether the drawing is dark on light; `auto` reads the background off the border."""
    if invert != Invert.auto:
        return invert == Invert.true
    return _median(_border(grey)) > 0.5


def to_field(grey: np.ndarray, height: int, width: int, floor: float = 0.0) -> np.ndarray:
    """White-on-black (H, W) -> (height, width) the MNIST way: crop, scale to box, centre mass."""
    # NOTE: written for small images, where numpy's per-call overhead is the cost: each step
    # works in place or on the border only, and the centre of mass uses row and column sums.
    border = _border(grey)
    background = _median(border)
    peak = float(grey.max())
    if peak - background < MIN_CONTRAST:
        raise InvalidImage(
            f"no digit found: the image is blank (ink {peak:.3f} vs background {background:.3f})"
        )
    gain = 1.0 / (peak - background)
    ink = _unit((grey - background) * gain)
    border = _unit((border - background) * gain)
    deviation = _median(np.abs(border - _median(border)))
    ink[ink <= max(floor, 3 * 1.4826 * deviation)] = 0.0  # noise; clean images keep all ink
    strong = ink > EXTENT
    rows, cols = np.flatnonzero(strong.any(axis=1)), np.flatnonzero(strong.any(axis=0))
    if not len(rows):  # e.g. a picture so small that all of it is border, read as noise
        raise InvalidImage(
            f"no digit found: nothing stands out from the background's noise in this "
            f"{grey.shape[1]}x{grey.shape[0]} image"
        )
    ink = ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]

    box = max(1, round(BOX_FRACTION * min(height, width)))
    scale = box / max(ink.shape)
    size = (max(1, round(ink.shape[1] * scale)), max(1, round(ink.shape[0] * scale)))
    if size != (ink.shape[1], ink.shape[0]):
        resized = Image.fromarray(ink.astype(np.float32)).resize(size, Image.Resampling.LANCZOS)
        ink = _unit(np.array(resized, np.float64))

    mass = ink.sum()
    cy = float(ink.sum(axis=1) @ np.arange(ink.shape[0])) / mass
    cx = float(ink.sum(axis=0) @ np.arange(ink.shape[1])) / mass
    top = int(np.clip(round(height / 2 - cy), 0, height - ink.shape[0]))
    left = int(np.clip(round(width / 2 - cx), 0, width - ink.shape[1]))
    field = np.zeros((height, width), np.float32)
    field[top : top + ink.shape[0], left : left + ink.shape[1]] = ink
    return field


def _unit(values: np.ndarray) -> np.ndarray:
    """Clip to [0, 1] in place (np.clip's wrapper costs more than the work on a small image)."""
    return np.minimum(np.maximum(values, 0.0, out=values), 1.0, out=values)


def prepare(
    data: bytes,
    shape: tuple[int, int, int],
    invert: Invert,
    max_pixels: int,
    fit: bool = True,
    *,
    max_side: int | None = None,
) -> np.ndarray:
    """Upload bytes -> one model input (1, H, W) float32, white digit on black.

    With `fit` off the picture is taken as already normalised (MNIST itself, or the service's
    own outputs) and must have the model's size.
    """
    grey = decode(data, max_pixels, max_side)
    if needs_inversion(grey, invert):
        grey = 1.0 - grey
    if not fit:
        if grey.shape != shape[1:]:
            raise InvalidImage(
                f"image is {grey.shape[1]}x{grey.shape[0]} but fit=false needs the model's "
                f"{shape[2]}x{shape[1]}"
            )
        return grey[None].astype(np.float32)
    floor = JPEG_FLOOR if data.startswith(b"\xff\xd8") else 0.0
    return to_field(grey, shape[1], shape[2], floor)[None]


def to_png(image: np.ndarray) -> bytes:
    """A (H, W) or (1, H, W) float image in [0, 1] as 8-bit grey PNG bytes."""
    pixels = np.round(np.clip(np.squeeze(image), 0.0, 1.0) * 255.0).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()


def tile(images: np.ndarray, columns: int, pad: int = 2, pad_value: float = 0.5) -> np.ndarray:
    """Lay (N, 1, H, W) images row-major on a grid with `pad` pixels of `pad_value` between."""
    n, _, h, w = images.shape
    rows = math.ceil(n / columns)
    canvas = np.full((rows * (h + pad) + pad, columns * (w + pad) + pad), pad_value, np.float32)
    for i, image in enumerate(images):
        r, c = divmod(i, columns)
        top, left = pad + r * (h + pad), pad + c * (w + pad)
        canvas[top : top + h, left : left + w] = image[0]
    return canvas


def grid(images: np.ndarray) -> np.ndarray:
    """A square-ish grid of samples (one image alone stays unpadded)."""
    if len(images) == 1:
        single: np.ndarray = images[0, 0]
        return single
    return tile(images, columns=math.ceil(math.sqrt(len(images))))


def strip(images: np.ndarray) -> np.ndarray:
    """One row of frames, left to right."""
    return tile(images, columns=len(images))
