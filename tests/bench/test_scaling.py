"""Ray Serve's scaling rows: one row per contender and tool, and the ratios between them."""

from __future__ import annotations

from typing import Any

from bench.frameworks import scaling
from tests.bench.test_report import points


def test_rows_give_each_contenders_rates_and_the_ratios_of_the_run() -> None:
    ok = {"status": "ok", "note": "n", "batches": "none"}
    result: dict[str, Any] = {
        "contenders": {
            "service": {**ok, "points": points({1: 800, 8: 1200, 64: 1500}, 1.0)},
            "Ray Serve": {**ok, "points": points({1: 200, 8: 400, 64: 500}, 4.0)},
            "Ray Serve x2": {**ok, "points": points({1: 200, 8: 600, 64: 750}, 4.0, non_2xx=2)},
        }
    }
    lines = scaling.markdown(result).splitlines()
    assert "| Ray Serve | wrk | 200 | 400 | 500 | 4.00 | 8.0 | 0 |" in lines
    assert "| Ray Serve x2 | ab | 198 | 598 | 748 | 4.00 | 8.0 | 6 |" in lines
    assert "| 2 replicas / 1 replica (Ray) | wrk | 0.99× | 1.50× | 1.50× |" in lines
    assert "| ccvae-serve / Ray Serve, 2 replicas | ab | 4.04× | 2.01× | 2.01× |" in lines


def test_a_contender_that_did_not_run_shows_its_status() -> None:
    result = {"contenders": {"service": {"status": "ok", "points": points({1: 1, 8: 1, 64: 1}, 1)},
                             "Ray Serve": {"status": "could not run: no ray"},
                             "Ray Serve x2": {"status": "could not run: no ray"}}}  # fmt: skip
    markdown = scaling.markdown(result)
    assert "| Ray Serve | wrk | could not run: no ray |" in markdown
    assert "| 2 replicas / 1 replica (Ray) | wrk | – | – | – |" in markdown
