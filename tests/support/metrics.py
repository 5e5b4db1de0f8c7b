"""Reading this process's Prometheus metrics (trading/metrics.py) in tests."""

from __future__ import annotations

from prometheus_client import REGISTRY


def metric_sum(name: str, **labels: str) -> float:
    """The sum of the samples ``name`` whose labels include ``labels`` (0 when there are none)."""
    total = 0.0
    for family in REGISTRY.collect():
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                total += sample.value
    return total
