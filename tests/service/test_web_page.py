"""The web page at / in a real browser: Debian's Chromium driven by Playwright, against a real
`ccvae-serve` process on the shipped model. A user draws with the mouse, clicks, picks labels
and moves the slider; what the page shows is checked against what the API answers.

With CCVAE_PAGE_SCREENSHOT=path the screenshot test also writes the page in use to that path
(`bash scripts/screenshot-page` makes docs/figures/service/page.png this way).
"""

from __future__ import annotations

import base64
import math
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from tests.service.conftest import decode_png
from tests.service.live_server import serving

CHROMIUM = Path("/usr/bin/chromium")
# NOTE: the machines this runs on have no network: without these flags Chromium keeps trying to
# reach Google's hosts; no sandbox because the tests run as root.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1200, "height": 900}
TIMEOUT_MS = 20_000  # two cores shared with other work: the model and Chromium can be slow

Stroke = list[tuple[float, float]]
"""Points of one mouse stroke, as fractions of the canvas's width and height."""

ONE: list[Stroke] = [[(0.5, 0.15), (0.5, 0.85)]]
ZERO: list[Stroke] = [
    [
        (0.5 + 0.22 * math.sin(2 * math.pi * t / 40), 0.5 - 0.33 * math.cos(2 * math.pi * t / 40))
        for t in range(42)
    ]
]
SEVEN: list[Stroke] = [[(0.25, 0.2), (0.75, 0.2), (0.45, 0.85)]]
HASH: list[Stroke] = [
    [(0.2, 0.35), (0.8, 0.35)],
    [(0.2, 0.65), (0.8, 0.65)],
    [(0.35, 0.2), (0.35, 0.8)],
    [(0.65, 0.2), (0.65, 0.8)],
]


@pytest.fixture(scope="module")
def server_url(shipped_model: Path) -> Iterator[str]:
    with serving(shipped_model) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.is_file():
        pytest.fail(f"no Chromium at {CHROMIUM}: apt-get install chromium (scripts/test does)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def page(browser: Browser, server_url: str) -> Iterator[Page]:
    """The page, loaded and ready; the test fails if a script error escaped the page's code."""
    context = browser.new_context(viewport=VIEWPORT)
    context.set_default_timeout(TIMEOUT_MS)
    expect.set_options(timeout=TIMEOUT_MS)  # assertions wait as long as actions (default 5 s)
    page = context.new_page()
    script_errors: list[str] = []
    page.on("pageerror", lambda error: script_errors.append(str(error)))
    page.goto(f"{server_url}/")
    expect(page.locator("body")).to_have_attribute("data-ready", "true")
    try:
        yield page
    finally:
        context.close()
    assert not script_errors


@pytest.fixture(scope="module")
def classes(server_url: str) -> list[str]:
    return list(httpx.get(f"{server_url}/model").json()["classes"])


def draw(page: Page, strokes: list[Stroke]) -> None:
    """Draw on the canvas with the mouse, one press-move-release per stroke."""
    box = page.locator("#canvas").bounding_box()
    assert box is not None
    for stroke in strokes:
        points = [(box["x"] + x * box["width"], box["y"] + y * box["height"]) for x, y in stroke]
        page.mouse.move(*points[0])
        page.mouse.down()
        for point in points[1:]:
            page.mouse.move(*point, steps=4)
        page.mouse.up()


def image_bytes(page: Page, selector: str) -> bytes:
    """The bytes of the image an <img> shows (a blob: or data: URL), read in the page."""
    encoded: str = page.eval_on_selector(
        selector,
        """async (img) => {
            const bytes = new Uint8Array(await (await fetch(img.src)).arrayBuffer());
            return btoa(String.fromCharCode(...bytes));
        }""",
    )
    return base64.b64decode(encoded)


def classify(url: str, png: bytes) -> dict[str, Any]:
    response = httpx.post(f"{url}/classify", files={"file": ("frame.png", png)}, timeout=30)
    assert response.status_code == 200, response.text
    prediction: dict[str, Any] = response.json()
    return prediction


def test_page_is_served_at_the_root_and_stays_out_of_the_api_schema(server_url: str) -> None:
    page = httpx.get(f"{server_url}/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    for asset in ("web/app.js", "web/style.css"):
        assert asset in page.text
        assert httpx.get(f"{server_url}/{asset}").status_code == 200
    paths = httpx.get(f"{server_url}/openapi.json").json()["paths"]
    assert "/" not in paths and not any(p.startswith("/web") for p in paths)


def test_label_choices_are_the_models_classes(page: Page, classes: list[str]) -> None:
    for select in ("#generate-label", "#intervene-label", "#interpolate-start", "#interpolate-end"):
        expect(page.locator(f"{select} option")).to_have_text(classes)
    expect(page.locator("#model-info")).to_contain_text(f"{len(classes)} classes")


@pytest.mark.parametrize(
    ("strokes", "expected"), [(ONE, "1"), (ZERO, "0"), (SEVEN, "7")], ids=["one", "zero", "seven"]
)
def test_a_drawn_digit_is_classified_with_a_probability_per_class(
    page: Page, classes: list[str], strokes: list[Stroke], expected: str
) -> None:
    draw(page, strokes)
    page.get_by_role("button", name="Classify").click()
    expect(page.locator("#prediction")).to_have_attribute("data-label", expected)
    expect(page.locator("#prediction")).to_contain_text(f"Read as {expected}")
    bars = page.locator("#probabilities li")
    expect(bars).to_have_count(len(classes))
    expect(page.locator("#probabilities li.top")).to_have_attribute("data-class", expected)
    values = [float(v) for v in page.locator("#probabilities .value").all_inner_texts()]
    assert sum(values) == pytest.approx(1.0, abs=0.01)
    assert max(values) == values[classes.index(expected)]


def test_a_drawn_non_digit_is_classified_with_the_warning_that_it_does_not_look_like_one(
    page: Page,
) -> None:
    draw(page, HASH)  # '#': the classifier alone reads a confident digit
    page.get_by_role("button", name="Classify").click()
    warning = page.locator("#ood")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("This does not look like a digit")
    page.get_by_role("button", name="Clear").click()
    expect(warning).to_be_hidden()
    draw(page, ONE)
    page.get_by_role("button", name="Classify").click()
    expect(page.locator("#prediction")).to_have_attribute("data-label", "1")
    expect(warning).to_have_attribute("data-flagged", "false")
    expect(warning).to_be_hidden()


def test_the_model_card_is_linked_from_the_page(page: Page, server_url: str) -> None:
    href = page.get_by_role("link", name="model card").get_attribute("href")
    card = httpx.get(f"{server_url}/{href}")
    assert card.status_code == 200 and card.headers["content-type"].startswith("text/markdown")
    assert card.text.startswith("---\n")


def test_clear_empties_the_canvas_so_classifying_shows_the_services_error(page: Page) -> None:
    draw(page, ONE)
    page.get_by_role("button", name="Clear").click()
    page.get_by_role("button", name="Classify").click()
    error = page.locator("#draw-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("no digit found: the image is blank")
    expect(error).to_contain_text("HTTP 400")
    draw(page, ONE)
    page.get_by_role("button", name="Classify").click()
    expect(page.locator("#prediction")).to_have_attribute("data-label", "1")
    expect(error).to_be_hidden()


def test_generating_by_label_shows_the_services_samples_for_that_label(
    page: Page, server_url: str
) -> None:
    page.select_option("#generate-label", "4")
    page.fill("#generate-n", "4")
    page.get_by_role("button", name="Generate").click()
    expect(page.locator("#generate-image")).to_be_visible()
    seed = page.locator("#generate-seed").inner_text().removeprefix("seed ")
    shown = image_bytes(page, "#generate-image")
    again = httpx.post(f"{server_url}/generate", params={"label": "4", "n": 4, "seed": seed})
    assert shown == again.content  # the same seed gives the same bytes


def test_an_out_of_range_parameter_shows_the_services_message(page: Page) -> None:
    page.fill("#generate-n", "0")
    page.get_by_role("button", name="Generate").click()
    error = page.locator("#generate-error")
    expect(error).to_be_visible()
    expect(error).to_contain_text("query.n: Input should be greater than or equal to 1")
    expect(page.locator("#generate-image")).to_be_hidden()


def test_the_slider_walks_from_the_start_label_to_the_end_label(
    page: Page, server_url: str
) -> None:
    page.select_option("#interpolate-start", "0")
    page.select_option("#interpolate-end", "1")
    page.fill("#interpolate-steps", "6")
    page.get_by_role("button", name="Interpolate").click()
    slider, frame = page.locator("#interpolate-slider"), page.locator("#interpolate-frame")
    expect(slider).to_be_enabled()
    expect(frame).to_have_text("1 / 6")
    first = image_bytes(page, "#interpolate-image")
    slider.focus()
    page.keyboard.press("End")
    expect(frame).to_have_text("6 / 6")
    last = image_bytes(page, "#interpolate-image")
    page.keyboard.press("ArrowLeft")
    expect(frame).to_have_text("5 / 6")
    assert classify(server_url, first)["class_name"] == "0"
    assert classify(server_url, last)["class_name"] == "1"


def test_redrawing_a_drawing_as_another_label_gives_a_digit_of_that_label(
    page: Page, server_url: str
) -> None:
    draw(page, ONE)
    page.select_option("#intervene-label", "3")
    page.get_by_role("button", name="Redraw").click()
    expect(page.locator("#intervene-image")).to_be_visible()
    redrawn = image_bytes(page, "#intervene-image")
    assert decode_png(redrawn).shape == (28, 28)
    assert classify(server_url, redrawn)["class_name"] == "3"


def test_the_style_slider_sets_how_much_of_the_drawing_survives_a_redraw(
    page: Page, server_url: str
) -> None:
    draw(page, SEVEN)
    page.select_option("#intervene-label", "3")
    redrawn = {}
    for keep in ("0", "1"):
        page.locator("#intervene-keep").fill(keep)
        expect(page.locator("#intervene-keep-value")).to_have_text(keep)
        shown = page.eval_on_selector("#intervene-image", "(img) => img.src")
        with page.expect_response(lambda r: "/intervene?" in r.url) as answer:
            page.get_by_role("button", name="Redraw").click()
        assert f"keep={keep}" in answer.value.url and "label=3" in answer.value.url
        page.wait_for_function(
            "(shown) => document.querySelector('#intervene-image').src !== shown", arg=shown
        )
        redrawn[keep] = image_bytes(page, "#intervene-image")
        assert decode_png(redrawn[keep]).shape == (28, 28)
    assert redrawn["0"] != redrawn["1"]


def test_a_screenshot_of_the_page_in_use(page: Page, tmp_path: Path) -> None:
    draw(page, SEVEN)
    page.get_by_role("button", name="Classify").click()
    expect(page.locator("#prediction")).to_have_attribute("data-label", "7")
    page.select_option("#intervene-label", "2")
    page.get_by_role("button", name="Redraw").click()
    page.select_option("#generate-label", "5")
    page.fill("#generate-n", "16")
    page.get_by_role("button", name="Generate").click()
    page.select_option("#interpolate-start", "4")
    page.select_option("#interpolate-end", "9")
    page.get_by_role("button", name="Interpolate").click()
    expect(page.locator("#interpolate-slider")).to_be_enabled()
    page.locator("#interpolate-slider").fill("5")
    for image in ("#intervene-image", "#generate-image", "#interpolate-image"):
        expect(page.locator(image)).to_be_visible()
    path = Path(os.environ.get("CCVAE_PAGE_SCREENSHOT") or tmp_path / "page.png")
    page.screenshot(path=path, full_page=True)
    shot = decode_png(path.read_bytes())
    assert shot.shape[1] == VIEWPORT["width"] and shot.shape[0] >= VIEWPORT["height"]
    assert np.ptp(shot) > 0.5  # something was drawn, not a blank page
