"""Prometheus metrics of one server (its own registry, so two apps in one process never collide)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class ServerMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("fmkit_requests", "HTTP requests by route and status", ["route", "status"], registry=r)
        self.latency = Histogram(
            "fmkit_request_seconds", "Request latency by route", ["route"], buckets=LATENCY_BUCKETS, registry=r
        )
        self.batch_size = Histogram(
            "fmkit_batch_size", "Inputs per model call", buckets=(1, 2, 4, 8, 16, 32, 64, 128, 256), registry=r
        )
        self.predictions = Counter("fmkit_predictions", "Predictions served by model version", ["version"], registry=r)
        self.feedback = Counter("fmkit_feedback", "Feedback items accepted", registry=r)
        self.swaps = Gauge("fmkit_model_swaps", "Hot swaps since start", registry=r)
        self.backlog = Gauge("fmkit_log_backlog_bytes", "Journal bytes not yet in the database", registry=r)
        self.ship_errors = Gauge(
            "fmkit_log_ship_errors", "Failed attempts to write the logs to the database", registry=r
        )
        self.version = Gauge("fmkit_model_info", "The version being served", ["version"], registry=r)
