"""A /metrics text read back with prometheus_client's own parser, as a scraper reads it."""

from __future__ import annotations

from prometheus_client.openmetrics import parser as openmetrics
from prometheus_client.parser import text_string_to_metric_families

Key = tuple[str, frozenset[tuple[str, str]]]


OPENMETRICS = "application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3"
"""An Accept header as Prometheus sends it: its scrape protocols, the first preferred."""


def samples(text: str, parse: object = text_string_to_metric_families) -> dict[Key, float]:
    """Every sample of an exposition, keyed by its name and label set (`parse`: the Prometheus
    text parser, or `openmetrics.text_string_to_metric_families`, which refuses what OpenMetrics
    does not allow)."""
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in parse(text)  # type: ignore[operator]
        for s in family.samples
    }


def openmetrics_samples(text: str) -> dict[Key, float]:
    """Every sample of an OpenMetrics exposition, read by prometheus_client's strict parser."""
    return samples(text, openmetrics.text_string_to_metric_families)


def value(text: str, sample: str, **labels: str) -> float:
    """The sample `sample{labels}` of an exposition; 0 when it is not there (yet)."""
    return samples(text).get((sample, frozenset(labels.items())), 0.0)
