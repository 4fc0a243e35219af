"""A framework venv is reused only while it still has the pinned versions."""

from __future__ import annotations

from bench.frameworks.venvs import PINS, pinned


def test_pinned_needs_every_pin_at_its_version() -> None:
    assert pinned({"bentoml": "1.4.40", "fastapi": "0.1"}, ("bentoml==1.4.40",))
    assert not pinned({"bentoml": "1.4.39"}, ("bentoml==1.4.40",))
    assert not pinned({}, ("litserve==0.2.19",))


def test_pinned_reads_a_pin_with_extras_as_its_package() -> None:
    assert pinned({"ray": "2.60.0"}, ("ray[serve]==2.60.0",))
    assert not pinned({"ray": "2.59.0"}, ("ray[serve]==2.60.0",))


def test_every_framework_is_pinned_to_one_version() -> None:
    assert set(PINS) == {"bentoml", "litserve", "pytriton", "ray"}
    assert all("==" in pin for pins in PINS.values() for pin in pins)
    assert PINS["bentoml"][0].startswith("bentoml==1.4.")  # the issue asks for BentoML 1.4.x
