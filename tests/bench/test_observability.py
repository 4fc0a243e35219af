"""The observability cost table: medians over rounds, after ÷ before, and every error counted."""

from __future__ import annotations

from bench.observability import markdown


def rows(rps: list[float], cpu_ms: float, errors: int = 0) -> list[dict[str, float]]:
    return [{"rps": r, "p50_ms": 1000 / r, "cpu_ms": cpu_ms, "errors": errors} for r in rps]


def test_markdown_gives_medians_and_after_over_before_ratios() -> None:
    runs = {
        "before|1": rows([900, 1000, 5000], 0.50),
        "after|1": rows([950, 990, 10], 0.55, errors=1),
        "before|64": rows([2000, 2000, 2000], 0.40),
        "after|64": rows([1900, 1900, 1900], 0.42),
    }
    table = markdown(runs)
    assert "| 1 | req/s | 1000 | 950 | 0.950 |" in table
    assert "| 1 | server CPU ms/req | 0.500 | 0.550 | 1.100 |" in table
    assert "| 64 | p50 (ms) | 0.500 | 0.526 | 1.053 |" in table
    assert table.endswith("all runs: 3.")
