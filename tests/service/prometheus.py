"""A /metrics text read back with prometheus_client's own parser, as a scraper reads it."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

Key = tuple[str, frozenset[tuple[str, str]]]


def samples(text: str) -> dict[Key, float]:
    """Every sample of an exposition, keyed by its name and label set."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(text: str, sample: str, **labels: str) -> float:
    """The sample `sample{labels}` of an exposition; 0 when it is not there (yet)."""
    return samples(text).get((sample, frozenset(labels.items())), 0.0)
