"""bench/sources.py asks the service for the same digits from both sources."""

from __future__ import annotations

from pathlib import Path

from bench.sources import SOURCES, request_set


def test_each_source_replays_the_same_generate_requests_but_its_source(tmp_path: Path) -> None:
    lines = {
        s: (request_set(s, 20, tmp_path) / "requests.tsv").read_text().splitlines() for s in SOURCES
    }
    for source, rows in lines.items():
        assert len(rows) == 20
        assert all(row.startswith("POST\t/generate?label=") for row in rows)
        assert all(f"&source={source}\t" in row for row in rows)
    density, prior = (lines[s] for s in ("density", "prior"))
    assert [r.replace("density", "prior") for r in density] == prior
