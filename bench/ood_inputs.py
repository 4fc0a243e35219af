"""Images that are not MNIST digits, made in-project (nothing is downloaded), white on black.

Each family is a function (rng, n) -> list of grey uint8 arrays; `bench/ood.py` uploads them as
PNGs through the service's own preparation, as a client's picture would go.
"""

from __future__ import annotations

import string
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

Family = Callable[[np.random.Generator, int], list[np.ndarray]]
SYSTEM_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
)
"""Fonts used for letters when the machine has them (fc-list), beside Pillow's own."""


def _grey(values: np.ndarray) -> np.ndarray:
    return np.round(np.clip(values, 0.0, 1.0) * 255).astype(np.uint8)


def uniform_noise(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """64x64 pixels drawn uniformly from [0, 1]."""
    return [_grey(rng.random((64, 64))) for _ in range(n)]


def gaussian_noise(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """28x28 pixels from N(0.5, 0.25²)."""
    return [_grey(0.5 + 0.25 * rng.standard_normal((28, 28))) for _ in range(n)]


def salt_and_pepper(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """28x28 black with 10 % white pixels."""
    return [_grey((rng.random((28, 28)) < 0.1).astype(float)) for _ in range(n)]


def _lowpass(rng: np.random.Generator, size: int, power: float) -> np.ndarray:
    """Noise whose spectrum falls as 1/f^power, scaled to [0, 1]."""
    f = np.hypot(*np.meshgrid(np.fft.fftfreq(size), np.fft.fftfreq(size)))
    f[0, 0] = 1.0
    spectrum = np.fft.fft2(rng.standard_normal((size, size))) / f**power
    field = np.real(np.fft.ifft2(spectrum))
    return (field - field.min()) / (field.max() - field.min())


def smooth_noise(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """64x64 blobs: noise with a 1/f² spectrum."""
    return [_grey(_lowpass(rng, 64, 2.0)) for _ in range(n)]


def clouds(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """Natural-looking texture crops: 1/f noise (the spectrum of natural images), 96x96."""
    return [_grey(_lowpass(rng, 96, 1.0)) for _ in range(n)]


def gratings(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """64x64 sinusoidal gratings of random angle and wavelength (4-16 px)."""
    y, x = np.mgrid[:64, :64]
    images = []
    for _ in range(n):
        angle, wavelength = rng.uniform(0, np.pi), rng.uniform(4, 16)
        phase = (np.cos(angle) * x + np.sin(angle) * y) / wavelength
        images.append(_grey(0.5 + 0.5 * np.sin(2 * np.pi * phase)))
    return images


def checkerboards(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """8x8 checkerboards of 2-7 px squares."""
    board = np.indices((8, 8)).sum(0) % 2
    return [_grey(np.kron(board, np.ones((k, k)))) for k in rng.integers(2, 8, n)]


def strokes(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """64x64 scribbles: 1-4 random polylines of 2-4 points, 2-5 px wide."""
    images = []
    for _ in range(n):
        image = Image.new("L", (64, 64), 0)
        draw = ImageDraw.Draw(image)
        for _ in range(rng.integers(1, 5)):
            points = [tuple(rng.integers(4, 60, 2).tolist()) for _ in range(rng.integers(2, 5))]
            draw.line(points, fill=255, width=int(rng.integers(2, 6)))
        images.append(np.asarray(image))
    return images


def fonts() -> list[ImageFont.FreeTypeFont | ImageFont.ImageFont]:
    """Pillow's own font and the system fonts present."""
    found = [ImageFont.truetype(path, 40) for path in SYSTEM_FONTS if Path(path).is_file()]
    return [ImageFont.load_default(size=40), *found]


def letters(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """A-Z and a-z in every font of `fonts()`, centred on 64x64 (n is ignored: all of them)."""
    images = []
    for font in fonts():
        for character in string.ascii_letters:
            image = Image.new("L", (64, 64), 0)
            ImageDraw.Draw(image).text((32, 32), character, fill=255, font=font, anchor="mm")
            images.append(np.asarray(image))
    return images


def specks(rng: np.random.Generator, n: int) -> list[np.ndarray]:
    """Near-blanks: a 1-3 px dot on 64x64 black (a blank itself is refused before the model)."""
    images = []
    for _ in range(n):
        image = np.zeros((64, 64))
        top, left, size = *rng.integers(10, 50, 2), rng.integers(1, 4)
        image[top : top + size, left : left + size] = 1.0
        images.append(_grey(image))
    return images


def rotated(digits: np.ndarray, quarter_turns: int) -> Family:
    """MNIST test digits turned by quarter_turns x 90°."""

    def family(rng: np.random.Generator, n: int) -> list[np.ndarray]:
        chosen = rng.choice(len(digits), n, replace=False)
        return [np.rot90(digits[i], quarter_turns).copy() for i in chosen]

    return family


FAMILIES: dict[str, Family] = {
    "uniform noise": uniform_noise,
    "gaussian noise": gaussian_noise,
    "salt and pepper": salt_and_pepper,
    "smooth noise": smooth_noise,
    "specks": specks,
    "letters": letters,
    "strokes": strokes,
    "gratings": gratings,
    "clouds (1/f)": clouds,
    "checkerboards": checkerboards,
}
"""The families that need no digits; `bench/ood.py` adds the rotated test digits."""
