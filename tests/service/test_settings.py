"""Settings come from CCVAE_* variables, with defaults that serve the shipped model."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from service.settings import SHIPPED_MODEL, Settings


def test_defaults_point_at_the_shipped_model_on_cpu(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CCVAE_MODEL_DIR", raising=False)
    monkeypatch.delenv("CCVAE_DEVICE", raising=False)
    settings = Settings()
    assert settings.model_dir.parts[-2:] == SHIPPED_MODEL.parts
    assert settings.device == "cpu" and settings.batching


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CCVAE_MODEL_DIR", str(tmp_path))
    monkeypatch.setenv("CCVAE_DEVICE", "auto")
    monkeypatch.setenv("CCVAE_MAX_SAMPLES", "8")
    monkeypatch.setenv("CCVAE_BATCHING", "false")
    settings = Settings()
    assert settings.model_dir == tmp_path and settings.device == "auto"
    assert settings.max_samples == 8 and not settings.batching


def test_arguments_override_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CCVAE_THREADS", "3")
    assert Settings(threads=1).threads == 1


@pytest.mark.parametrize(("name", "value"), [("device", "gpu"), ("max_batch", 0), ("threads", -1)])
def test_invalid_values_are_refused(name: str, value: object) -> None:
    with pytest.raises(ValidationError, match=name):
        Settings(**{name: value})


def test_every_setting_is_documented() -> None:
    assert all(field.description for field in Settings.model_fields.values())
