"""Metrics render in the Prometheus text format."""

from __future__ import annotations

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
