"""wrk's JSON line, read with non-2xx answers and socket failures kept apart."""

from __future__ import annotations

import pytest

from bench.frameworks.load import Point, parse_wrk

LINE = (
    'WRK_JSON {"requests": 5000, "duration_us": 2000000, "p50_us": 1500, "p99_us": 9000, '
    '"mean_us": 1700.0, "max_us": 20000, "connect": 1, "read": 2, "write": 3, "status": 40, '
    '"timeout": 4}'
)


def test_parse_wrk_separates_non_2xx_from_failed_requests() -> None:
    p = parse_wrk(f"Running 2s test\n{LINE}\n", clients=64)
    assert (p.tool, p.clients, p.requests, p.seconds) == ("wrk", 64, 5000, 2.0)
    assert (p.p50_ms, p.p99_ms) == (1.5, 9.0)
    assert (p.non_2xx, p.failed) == (40, 10)


def test_ok_rps_counts_only_2xx_answers() -> None:
    p = parse_wrk(LINE, clients=1)
    assert p.rps == 2500.0
    assert p.ok_rps == (5000 - 40) / 2.0


def test_parse_wrk_without_its_line_is_an_error() -> None:
    with pytest.raises(ValueError, match="WRK_JSON"):
        parse_wrk("unable to connect to 127.0.0.1:1 Connection refused\n", clients=1)


def test_a_point_that_ran_no_time_has_no_rate() -> None:
    p = Point(0, 0.0, float("nan"), float("nan"), 0, 0, aborted="refused", tool="ab", clients=8)
    assert p.rps == 0.0 and p.ok_rps == 0.0
