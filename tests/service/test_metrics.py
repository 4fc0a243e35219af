"""Metrics render in the Prometheus text format, and add up over worker processes."""

from __future__ import annotations

import json
import os
from pathlib import Path

from service.metrics import Metrics


def test_render_counts_requests_and_buckets_latency() -> None:
    metrics = Metrics()
    metrics.observe_request("/classify", "POST", 200, 0.02)
    metrics.observe_request("/classify", "POST", 200, 0.3)
    metrics.observe_request("/classify", "POST", 422, 0.001)
    text = metrics.render()
    assert "# TYPE ccvae_requests_total counter" in text
    assert 'ccvae_requests_total{endpoint="/classify",method="POST",status="200"} 2' in text
    assert 'ccvae_requests_total{endpoint="/classify",method="POST",status="422"} 1' in text
    prefix = 'ccvae_request_duration_seconds_bucket{endpoint="/classify",method="POST",'
    assert f'{prefix}le="0.005"}} 1' in text
    assert f'{prefix}le="0.025"}} 2' in text
    assert f'{prefix}le="+Inf"}} 3' in text
    assert 'ccvae_request_duration_seconds_count{endpoint="/classify",method="POST"} 3' in text


def test_render_histograms_batch_sizes_per_batcher() -> None:
    metrics = Metrics()
    for size in (1, 3, 64):
        metrics.observe_batch("encoder", size)
    text = metrics.render()
    assert 'ccvae_batch_size_bucket{batcher="encoder",le="2"} 1' in text
    assert 'ccvae_batch_size_bucket{batcher="encoder",le="4"} 2' in text
    assert 'ccvae_batch_size_sum{batcher="encoder"} 68' in text


def test_render_escapes_label_values() -> None:
    metrics = Metrics()
    metrics.observe_request('/a"b\\c', "GET", 404, 0.0)
    assert 'endpoint="/a\\"b\\\\c"' in metrics.render()


def test_workers_sharing_a_directory_each_render_the_whole_server(tmp_path: Path) -> None:
    here, there = Metrics(tmp_path), Metrics()  # `there` stands for another process's worker
    here.observe_request("/classify", "POST", 200, 0.002)
    there.observe_request("/classify", "POST", 200, 0.003)
    there.observe_request("/generate", "POST", 422, 0.001)
    there.observe_batch("encoder", 5)
    (tmp_path / "4242.json").write_text(json.dumps(there.snapshot()))  # what its publish writes
    (tmp_path / "4243.json").write_text('{"requests": [[')  # a worker caught mid-write
    text = here.render()
    assert 'ccvae_requests_total{endpoint="/classify",method="POST",status="200"} 2' in text
    assert 'ccvae_requests_total{endpoint="/generate",method="POST",status="422"} 1' in text
    assert 'ccvae_batch_size_sum{batcher="encoder"} 5' in text
    assert 'ccvae_request_duration_seconds_count{endpoint="/classify",method="POST"} 2' in text


def test_publish_writes_this_process_snapshot_where_the_others_read_it(tmp_path: Path) -> None:
    metrics = Metrics(tmp_path)
    metrics.observe_request("/encode", "POST", 200, 0.01)
    metrics.publish()
    (published,) = tmp_path.glob("*.json")
    assert published.stem == str(os.getpid())
    other = Metrics()
    other.absorb(json.loads(published.read_text()))
    assert 'ccvae_requests_total{endpoint="/encode",method="POST",status="200"} 1' in other.render()
