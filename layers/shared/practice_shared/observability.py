"""Powertools logger, tracer and metrics, shared by every function.

The service name comes from ``POWERTOOLS_SERVICE_NAME`` and the metrics namespace from
``POWERTOOLS_METRICS_NAMESPACE``, both set per function in the template.
"""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
tracer = Tracer()
metrics = Metrics()

__all__ = ["MetricUnit", "logger", "metrics", "tracer"]
