"""The comparison's report: plot input, targets, the table, and the rewrite of its section."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bench.frameworks import report


def points(rps: dict[int, float], p50: float, non_2xx: int = 0) -> list[dict[str, Any]]:
    rows = []
    for tool in ("ab", "wrk"):
        for clients, r in rps.items():
            rows.append({
                "tool": tool, "clients": clients, "requests": int(r), "seconds": 1.0,
                "p50_ms": p50, "p99_ms": 2 * p50, "non_2xx": non_2xx, "failed": 0,
                "aborted": None, "rps": r, "ok_rps": r - non_2xx,
                "batches": {"calls": 10, "mean": 6.4, "largest": 64.0},
            })  # fmt: skip
    return rows


def result() -> dict[str, Any]:
    ok = {"status": "ok", "note": "n", "batches": "log", "versions": {"x": "1"}}
    return {
        "environment": {"date": "2026-11-25 19:00", "cpu": "AMD EPYC", "cores": 2,
                        "load_average_at_start": [0.1, 0.1, 0.1], "python": "3.11.7"},
        "parameters": {"seconds": 30.0, "digits": 200, "minutes": 20.0},
        "contenders": {
            "service": {**ok, "batches": "metrics", "labels": {"matched": 200, "total": 200},
                        "points": points({1: 900, 8: 1000, 64: 1300}, 1.0)},
            "BentoML": {**ok, "points": points({1: 100, 8: 300, 64: 400}, 8.0, non_2xx=3)},
            "LitServe": {**ok, "points": points({1: 200, 8: 450, 64: 500}, 4.0)},
            "Triton": {"status": "could not run: tritonserver: libfoo.so missing", "note": "t",
                       "batches": "log"},
        },
    }  # fmt: skip


def test_series_holds_every_timed_contender_and_not_the_one_that_could_not_run() -> None:
    s = report.series(result())
    assert set(s["wrk"]) == {"service", "BentoML", "LitServe"}
    assert s["ab"]["BentoML"] == [(1, 97), (8, 297), (64, 397)]  # 2xx answers only


def test_targets_compare_against_the_best_framework_and_the_fastest_p50() -> None:
    rows = {t: (m, met) for t, m, met in report.targets(result())}
    measured, met = rows["wrk: req/s @64 ≥ 2.5× the best framework"]
    assert measured == "2.60× LitServe" and met is True  # 1300 / 500
    assert rows["wrk: zero non-2xx @64"] == ("0", True)
    measured, met = rows["ab: p50 @1 below each framework's"]
    assert measured == "1.00 ms vs 4.00 ms (LitServe)" and met is True


def test_the_service_doing_the_frameworks_work_is_held_to_the_same_ratio() -> None:
    r = result()
    r["contenders"]["service --no-ood"] = {
        **r["contenders"]["service"],
        "points": points({1: 950, 8: 1100, 64: 1400}, 0.9),
    }
    rows = {t: (m, met) for t, m, met in report.targets(r)}
    assert rows["wrk, `service --no-ood` (the frameworks' work): req/s @64 ≥ 2.5×"] == (
        "2.80× LitServe",
        True,  # 1400 / 500
    )
    assert rows["wrk: req/s @64 ≥ 2.5× the best framework"] == ("2.60× LitServe", True)
    assert not any("--no-ood" in t for t in {t for t, _, _ in report.targets(result())})


def test_targets_are_not_met_below_the_ratio() -> None:
    r = result()
    for p in r["contenders"]["LitServe"]["points"]:
        p["ok_rps"] = 600.0
    rows = {t: met for t, _, met in report.targets(r)}
    assert rows["ab: req/s @64 ≥ 2.5× the best framework"] is False


def test_markdown_says_which_framework_could_not_run_and_counts_its_errors() -> None:
    text = report.markdown(result())
    assert "| Triton | could not run: tritonserver: libfoo.so missing |" in text
    assert "| BentoML | 8.00 | 16.00 | 97 | 297 | 397 | 8.0 | 16.0 | **9** | 0 |" in text
    assert "| service | 10, 6.4, ≤ 64 | 10, 6.4, ≤ 64 |" in text  # a bucket bound, not a size
    assert report.PLOT in text
    assert "smoke run" not in text


def test_markdown_shows_labels_that_a_contender_need_not_match() -> None:
    r = result()
    r["contenders"]["floor"] = {**r["contenders"]["LitServe"], "must_match": False,
                                "labels": {"matched": 17, "total": 200}}  # fmt: skip
    assert "| 17/200 (not required) |" in report.markdown(r)
    assert "| 200/200 |" in report.markdown(r)


def test_a_run_without_the_service_compares_nothing() -> None:
    r = result()
    del r["contenders"]["service"]
    assert all(met is None for _, _, met in report.targets(r))
    assert "| Triton | could not run" in report.markdown(r)


def test_markdown_flags_a_smoke_run() -> None:
    r = result()
    r["parameters"]["seconds"] = 2.0
    assert "smoke run" in report.markdown(r)


DOC = """# Benchmarks

## Machine, versions, commands

the machine

## Serving on a quiet machine

figures
"""


def test_replace_section_adds_it_after_the_machine_section_once() -> None:
    first = report.replace_section(DOC, "table one", "Against frameworks")
    assert first.index("## Machine") < first.index(report.BEGIN) < first.index("## Serving")
    assert "## Against frameworks\n\n<!-- frameworks:begin -->\ntable one\n" in first
    second = report.replace_section(first, "table two", "Against frameworks")
    assert "table one" not in second and "table two" in second
    assert second.count("## Against frameworks") == 1
    assert second.replace("table two", "table one") == first  # nothing else moved


def test_replace_section_needs_its_anchor() -> None:
    with pytest.raises(ValueError, match="Machine"):
        report.replace_section("# Benchmarks\n", "body", "Against frameworks")


def test_plot_writes_a_png(tmp_path: Path) -> None:
    path = tmp_path / "figures" / "frameworks.png"
    report.plot(result(), path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
