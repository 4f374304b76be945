"""Powertools logger, tracer and metrics, shared by every function.

The service name comes from ``POWERTOOLS_SERVICE_NAME`` and the metrics namespace from
``POWERTOOLS_METRICS_NAMESPACE``, both set per function in the template. Logs never carry what candidates say or
who they are: fields that may hold transcripts, answers, resumes or tokens are redacted before a line is written.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics import MetricUnit

REDACTED = "[redacted]"
SENSITIVE_KEYS = frozenset(
    {
        "text",
        "answer",
        "transcript",
        "transcription",
        "words",
        "resume_text",
        "resume_pdf_base64",
        "job_description",
        "custom_questions",
        "audio_base64",
        "audio_b64",
        "data",
        "token",
        "authorization",
        "body",
        "password",
    }
)


def redact(value: Any) -> Any:
    """``value`` with every sensitive field (at any depth) replaced by a marker."""
    if isinstance(value, dict):
        return {k: REDACTED if str(k).lower() in SENSITIVE_KEYS else redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


class RedactingFormatter(LambdaPowertoolsFormatter):
    """Powertools' JSON formatter with sensitive fields removed."""

    def serialize(self, log: dict[str, Any]) -> str:
        return super().serialize(redact(log))


logger = Logger(logger_formatter=RedactingFormatter())
tracer = Tracer()
metrics = Metrics()


def count_error() -> None:
    """Count one server-side failure (a 5xx answer or an unhandled exception) in the ``Errors`` metric."""
    metrics.add_metric(name="Errors", unit=MetricUnit.Count, value=1)


__all__ = ["MetricUnit", "count_error", "logger", "metrics", "redact", "tracer"]
