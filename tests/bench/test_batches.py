"""Batch sizes from a framework's log and from the service's /metrics, and between two reads."""

from __future__ import annotations

import math
from pathlib import Path

from bench.frameworks.batches import Batches, from_log, from_metrics

METRICS = """\
# HELP ccvae_batch_size Rows per model call of a micro-batcher.
# TYPE ccvae_batch_size histogram
ccvae_batch_size_bucket{batcher="encode",le="1"} 3
ccvae_batch_size_bucket{batcher="encode",le="2"} 3
ccvae_batch_size_bucket{batcher="encode",le="4"} 5
ccvae_batch_size_bucket{batcher="encode",le="64"} 6
ccvae_batch_size_bucket{batcher="encode",le="+Inf"} 6
ccvae_batch_size_sum{batcher="encode"} 50
ccvae_batch_size_count{batcher="encode"} 6
ccvae_requests_total{endpoint="/classify",method="POST",status="200"} 99
"""


def test_from_log_counts_calls_images_and_sizes(tmp_path: Path) -> None:
    log = tmp_path / "x.batches"
    log.write_text("1\n8\n8\n3\n")
    b = from_log(log)
    assert (b.calls, b.images, b.largest) == (4, 20, 8.0)
    assert b.sizes == {1.0: 1, 8.0: 2, 3.0: 1}
    assert b.mean == 5.0


def test_from_log_of_a_file_not_yet_written_is_no_batch(tmp_path: Path) -> None:
    b = from_log(tmp_path / "absent.batches")
    assert b.calls == 0 and math.isnan(b.mean) and math.isnan(b.largest)


def test_from_metrics_turns_cumulative_buckets_into_calls_per_bound() -> None:
    b = from_metrics(METRICS)
    assert (b.calls, b.images) == (6, 50)
    assert b.sizes == {1.0: 3, 2.0: 0, 4.0: 2, 64.0: 1, math.inf: 0}
    assert b.largest == 64.0


def test_difference_of_two_reads_is_what_happened_between_them(tmp_path: Path) -> None:
    before = Batches(2, 2, {1.0: 2})
    after = Batches(5, 70, {1.0: 2, 64.0: 1, 4.0: 2})
    between = after - before
    assert (between.calls, between.images) == (3, 68)
    assert between.largest == 64.0  # the size-1 calls were all before


def test_difference_of_log_reads(tmp_path: Path) -> None:
    log = tmp_path / "x.batches"
    log.write_text("64\n")
    before = from_log(log)
    log.write_text("64\n2\n3\n")
    between = from_log(log) - before
    assert (between.calls, between.images, between.largest) == (2, 5, 3.0)
