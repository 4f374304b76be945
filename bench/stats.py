"""Summaries of timing samples shared by the benchmarks: percentiles in milliseconds, nearest-rank."""

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by the nearest-rank method: always one of the measured values."""
    if not values:
        raise ValueError("no samples")
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


def summary_ms(seconds: Sequence[float]) -> dict[str, float | int]:
    """p50, p95, p99, mean and max of samples given in seconds, in milliseconds, with the sample count."""
    return {
        "n": len(seconds),
        "p50_ms": round(1000 * percentile(seconds, 50), 2),
        "p95_ms": round(1000 * percentile(seconds, 95), 2),
        "p99_ms": round(1000 * percentile(seconds, 99), 2),
        "mean_ms": round(1000 * sum(seconds) / len(seconds), 2),
        "max_ms": round(1000 * max(seconds), 2),
    }
