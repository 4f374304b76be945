"""The inside of one local "Lambda container": a process that imports a handler once and runs invocations.

Started by :mod:`local_stack.functions` as ``python -m local_stack.runtime FD`` with the function's environment
and its code directories on ``PYTHONPATH``; FD is one end of a socket pair. The protocol is pickled dicts:
first ``{"handler", "function_name", ...}``; the runtime answers ``{"kind": "ready"}`` or
``{"kind": "init_error", "error": {...}}``, then one ``{"kind": "result"|"error", "payload": bytes}`` per
``{"request_id", "payload", "deadline_ms", "invoked_arn"}`` it receives. Standard library only, so the
function's own imports stay the only ones in the process.
"""

import decimal
import importlib
import json
import os
import signal
import sys
import time
import traceback
from multiprocessing.connection import Connection
from typing import Any


class LambdaContext:
    """The context object of the Python runtime (``memory_limit_in_mb`` is a string there too)."""

    def __init__(self, setup: dict[str, Any], invocation: dict[str, Any]):
        self.function_name: str = setup["function_name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn: str = invocation["invoked_arn"]
        self.memory_limit_in_mb = str(setup["memory_size"])
        self.aws_request_id: str = invocation["request_id"]
        self.log_group_name = f"/aws/lambda/{self.function_name}"
        self.log_stream_name: str = setup["log_stream_name"]
        self.identity = None
        self.client_context = None
        self._deadline_ms: int = invocation["deadline_ms"]

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _json_default(value: Any) -> Any:
    # The Python runtime serializes Decimal (what boto3's DynamoDB layer returns) as a number.
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def error_payload(exc: BaseException, error_type: str | None = None, message: str | None = None) -> dict[str, Any]:
    """The JSON body Lambda returns for an unhandled error (the runtime's own frames left out)."""
    frames = [
        frame
        for frame in traceback.extract_tb(exc.__traceback__)
        if frame.filename != __file__ and not frame.filename.startswith("<frozen") and "importlib" not in frame.filename
    ]
    return {
        "errorMessage": message if message is not None else str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": "",
        "stackTrace": traceback.format_list(frames),
    }


def load_handler(path: str) -> Any:
    """Import ``package.module.function`` the way the runtime does, with its error types."""
    module_name, _, attribute = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise InitError(
            error_payload(exc, "Runtime.ImportModuleError", f"Unable to import module '{module_name}': {exc}")
        ) from exc
    except SyntaxError as exc:
        raise InitError(
            error_payload(exc, "Runtime.UserCodeSyntaxError", f"Syntax error in module '{module_name}': {exc}")
        ) from exc
    except Exception as exc:
        raise InitError(error_payload(exc)) from exc
    handler = getattr(module, attribute, None)
    if handler is None:
        raise InitError(
            {
                "errorMessage": f"Handler '{attribute}' missing on module '{module_name}'",
                "errorType": "Runtime.HandlerNotFound",
                "requestId": "",
                "stackTrace": [],
            }
        )
    return handler


class InitError(Exception):
    def __init__(self, payload: dict[str, Any]):
        super().__init__(payload["errorMessage"])
        self.payload = payload


def invoke(handler: Any, setup: dict[str, Any], invocation: dict[str, Any]) -> dict[str, Any]:
    """Run one invocation and return the message for the host."""
    request_id = invocation["request_id"]
    os.environ["_X_AMZN_TRACE_ID"] = invocation.get("trace_id", "")
    try:
        event = json.loads(invocation["payload"] or b"{}")
        result = handler(event, LambdaContext(setup, invocation))
    except Exception as exc:
        payload = error_payload(exc)
        payload["requestId"] = request_id
        traceback.print_exc()
        return {"kind": "error", "payload": json.dumps(payload).encode()}
    try:
        body = json.dumps(result, default=_json_default).encode()
    except (TypeError, ValueError) as exc:
        payload = error_payload(exc, "Runtime.MarshalError", f"Unable to marshal response: {exc}")
        payload["requestId"] = request_id
        return {"kind": "error", "payload": json.dumps(payload).encode()}
    return {"kind": "result", "payload": body}


def main(fd: int) -> None:
    # Ctrl-C belongs to the local stack, which stops its workers itself.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    conn = Connection(fd)
    setup: dict[str, Any] = conn.recv()
    # Only the function's code and its layers: not the runtime's own directory, and not the project's
    # editable install (which would let one function import another's package, as Lambda never does).
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != setup["runtime_dir"]]
    sys.meta_path[:] = [f for f in sys.meta_path if not str(getattr(f, "__module__", "")).startswith("__editable__")]
    time.tzset()
    try:
        handler = load_handler(setup["handler"])
    except InitError as exc:
        conn.send({"kind": "init_error", "payload": json.dumps(exc.payload).encode()})
        return
    conn.send({"kind": "ready"})
    while True:
        try:
            invocation = conn.recv()
        except (EOFError, OSError):
            return
        if invocation is None:
            return
        conn.send(invoke(handler, setup, invocation))
        sys.stdout.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]))
