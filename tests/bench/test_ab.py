"""ab's summary and CSV read into figures; its Length "failures" are not failures here."""

from __future__ import annotations

import math

from bench import ab

SUMMARY = """\
Concurrency Level:      8
Time taken for tests:   2.007 seconds
Complete requests:      1951
Failed requests:        12
   (Connect: 1, Receive: 2, Length: 40, Exceptions: 3)
Non-2xx responses:      7
Requests per second:    971.96 [#/sec] (mean)
"""
CSV = "Percentage served,Time in ms\n0,0.737\n1,1.210\n50,7.567\n98,20.1\n99,49.250\n100,58.0\n"


def test_parse_reads_requests_time_percentiles_and_errors() -> None:
    r = ab.parse(SUMMARY, CSV)
    assert (r.requests, r.seconds, r.p50_ms, r.p99_ms) == (1951, 2.007, 7.567, 49.25)
    assert r.non_2xx == 7
    assert r.failed == 6  # connect + receive + exceptions; the 40 "Length" are left out
    assert r.aborted is None
    assert math.isclose(r.rps, 1951 / 2.007)


def test_parse_counts_zero_non_2xx_when_ab_prints_no_such_line() -> None:
    summary = SUMMARY.replace("Non-2xx responses:      7\n", "").replace(
        "Failed requests:        12\n   (Connect: 1, Receive: 2, Length: 40, Exceptions: 3)\n",
        "Failed requests:        0\n",
    )
    r = ab.parse(summary, CSV)
    assert (r.non_2xx, r.failed) == (0, 0)


def test_parse_of_a_run_that_gave_up_keeps_ab_s_last_words() -> None:
    refused = "apr_socket_connect(): Connection refused (111)"
    r = ab.parse("Benchmarking 127.0.0.1\n", "", 1, refused)
    assert r.requests == 0
    assert r.aborted == refused


def test_parse_notes_a_nonzero_exit_after_a_summary() -> None:
    r = ab.parse(SUMMARY, CSV, 1, "apr_pollset_poll: The timeout specified has expired (70007)")
    assert r.requests == 1951
    assert r.aborted is not None and "70007" in r.aborted


def test_percentile_refuses_a_csv_without_it() -> None:
    try:
        ab.percentile("Percentage served,Time in ms\n0,1.0\n", 99)
    except ValueError as e:
        assert "99" in str(e)
    else:
        raise AssertionError("a missing percentile must not read as a number")


def test_a_p99_below_the_p50_is_no_figure() -> None:
    short = CSV.replace("99,49.250", "99,0.000")  # what ab writes when it has too few samples
    assert math.isnan(ab.parse(SUMMARY, short).p99_ms)
