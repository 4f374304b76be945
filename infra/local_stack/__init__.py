"""A Docker-free local copy of the SAM stack: moto for DynamoDB/S3/SQS, the functions in Lambda-like worker
processes, and API Gateway's REST and WebSocket APIs plus the Lambda Invoke API on one loopback port.

Run it with ``python -m local_stack``; use :class:`local_stack.stack.LocalStack` from tests and benchmarks.
Nothing heavy is imported here: each worker process imports this package too.
"""

from typing import Any

__all__ = ["FunctionSpec", "LocalStack"]


def __getattr__(name: str) -> Any:
    if name == "LocalStack":
        from local_stack.stack import LocalStack

        return LocalStack
    if name == "FunctionSpec":
        from local_stack.template import FunctionSpec

        return FunctionSpec
    raise AttributeError(name)
