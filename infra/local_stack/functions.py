"""Runs the template's functions like Lambda does: warm worker processes, timeouts, errors, async retries.

Each function has a pool of worker processes (:mod:`local_stack.runtime`), started on demand (a cold start)
and reused while warm. A worker runs one invocation at a time; the pool size is the function's local
concurrency. A worker that exceeds the function's timeout is killed and replaced, and the caller gets
Lambda's timeout error. The APIs' invocations wait in the event loop, for a worker and for its answer; only a cold
start takes a thread. (A thread per invocation cost two hand-offs per call; a mix of both starved the threads of
the GIL when every worker was busy.)
"""

import asyncio
import contextlib
import functools
import json
import logging
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from local_stack.template import FunctionSpec

log = logging.getLogger("local_stack.functions")

MAX_RESPONSE_BYTES = 6 * 1024 * 1024
RUNTIME_DIR = str(Path(__file__).resolve().parent.parent)
# Host variables a worker inherits; everything else comes from the template and the local stack.
INHERITED_ENV = ("PATH", "HOME", "LANG", "LANGUAGE", "LC_ALL", "LC_CTYPE", "TMPDIR", "TERM")


@dataclass(frozen=True)
class InvocationResult:
    """What the Invoke API returns: the payload and, for a failed invocation, ``function_error``."""

    request_id: str
    payload: bytes
    function_error: str | None = None

    def json(self) -> Any:
        return json.loads(self.payload or b"null")


def _error(request_id: str, error_type: str, message: str) -> InvocationResult:
    body = {"errorType": error_type, "errorMessage": f"RequestId: {request_id} Error: {message}"}
    return InvocationResult(request_id, json.dumps(body).encode(), "Unhandled")


class _Worker:
    """One worker process and its end of the socket pair."""

    def __init__(self, spec: FunctionSpec, env: Mapping[str, str]):
        parent, child = socket.socketpair()
        self.log_stream = f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}"
        worker_env = {**env, "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream}
        worker_env["PYTHONPATH"] = os.pathsep.join([*(str(p) for p in spec.code_dirs), RUNTIME_DIR])
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local_stack.runtime", str(child.fileno())],
            pass_fds=[child.fileno()],
            env=worker_env,
            cwd=str(spec.code_dirs[0]) if spec.code_dirs[0].is_dir() else None,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        child.close()
        self.conn = Connection(parent.detach())
        self.conn.send(
            {
                "handler": spec.handler,
                "function_name": spec.logical_id,
                "memory_size": spec.memory_size,
                "log_stream_name": self.log_stream,
                "runtime_dir": RUNTIME_DIR,
            }
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, 9)
        self.process.wait(timeout=10)
        self.conn.close()

    def stop(self) -> None:
        try:
            self.conn.send(None)
            self.process.wait(timeout=2)
        except (OSError, subprocess.TimeoutExpired):
            pass
        self.kill()

    def exit_message(self) -> str:
        try:
            code = self.process.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "Runtime exited without providing a reason"
        return f"Runtime exited with error: {'signal ' + str(-code) if code < 0 else 'exit status ' + str(code)}"


class FunctionPool:
    """The warm workers of one function, at most ``size`` at a time."""

    def __init__(self, spec: FunctionSpec, env: Mapping[str, str], size: int, init_timeout: float):
        self.spec = spec
        self._env = dict(env)
        self._size = max(1, size)
        self._init_timeout = init_timeout
        self._idle: list[_Worker] = []
        self._busy: set[_Worker] = set()
        self._count = 0
        self._waiting = 0  # threads waiting in _acquire
        self._for_threads: list[_Worker] = []  # released for them
        # Callers in an event loop waiting for a worker: each gets the next one released (threads waiting in
        # _acquire come first).
        self._handovers: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[_Worker | None]]] = deque()
        self._closed = False
        self._cond = threading.Condition()

    def invoke(self, payload: bytes, *, request_id: str | None = None) -> InvocationResult:
        """Run one invocation (blocking); waits for a free worker when all are busy."""
        request_id = request_id or str(uuid.uuid4())
        worker, init_error = self._acquire()
        if worker is None:
            return InvocationResult(request_id, init_error or b"", "Unhandled")
        try:
            self._send(worker, payload, request_id)
            message = worker.conn.recv() if worker.conn.poll(self.spec.timeout) else None
        except (EOFError, OSError):
            return self._exited(worker, request_id)
        return self._result(worker, message, request_id)

    async def acquire_async(self) -> _Worker | None:
        """A warm worker for a caller in the event loop: a free one, else the next one released. None when the
        caller should take the thread path instead: the pool may start another worker (a cold start), or it is
        closing."""
        loop = asyncio.get_running_loop()
        with self._cond:
            if self._closed:
                return None
            if self._idle:
                worker = self._idle.pop()
                self._busy.add(worker)
                return worker
            if self._count < self._size:
                return None
            handover: asyncio.Future[_Worker | None] = loop.create_future()
            self._handovers.append((loop, handover))
        return await handover

    async def invoke_on(self, worker: _Worker, payload: bytes, *, request_id: str | None = None) -> InvocationResult:
        """Run one invocation on ``worker`` (from :meth:`acquire_async`) in the event loop, waiting for its answer
        without a thread."""
        request_id = request_id or str(uuid.uuid4())
        try:
            self._send(worker, payload, request_id)
            message = worker.conn.recv() if await _readable(worker.conn, self.spec.timeout) else None
        except (EOFError, OSError):
            return self._exited(worker, request_id)
        return self._result(worker, message, request_id)

    def _send(self, worker: _Worker, payload: bytes, request_id: str) -> None:
        worker.conn.send(
            {
                "request_id": request_id,
                "payload": payload,
                "deadline_ms": int(time.time() * 1000) + self.spec.timeout * 1000,
                "invoked_arn": self.spec.arn,
                "trace_id": f"Root=1-{int(time.time()):08x}-{uuid.uuid4().hex[:24]};Sampled=0",
            }
        )

    def _exited(self, worker: _Worker, request_id: str) -> InvocationResult:
        reason = worker.exit_message()
        self._discard(worker)
        return _error(request_id, "Runtime.ExitError", reason)

    def _result(self, worker: _Worker, message: dict[str, Any] | None, request_id: str) -> InvocationResult:
        """What the Invoke API returns for the worker's answer (None: it ran past the timeout and is killed)."""
        if message is None:
            self._discard(worker)
            return _error(request_id, "Sandbox.Timedout", f"Task timed out after {self.spec.timeout:.2f} seconds")
        self._release(worker)
        body: bytes = message["payload"]
        if message["kind"] == "error":
            return InvocationResult(request_id, body, "Unhandled")
        if len(body) > MAX_RESPONSE_BYTES:
            return _error(
                request_id,
                "Function.ResponseSizeTooLarge",
                f"Response payload size ({len(body)} bytes) exceeded the maximum ({MAX_RESPONSE_BYTES} bytes).",
            )
        return InvocationResult(request_id, body)

    def prewarm(self, workers: int = 1) -> bytes | None:
        """Start ``workers`` workers now (at most the pool's size); returns the init error, if any."""
        started: list[_Worker] = []
        init_error = None
        for _ in range(min(workers, self._size)):
            worker, init_error = self._acquire()
            if worker is None:
                break
            started.append(worker)
        for worker in started:
            self._release(worker)
        return init_error

    def close(self) -> None:
        with self._cond:
            self._closed = True
            idle, self._idle = self._idle + self._for_threads, []
            self._for_threads = []
            busy = list(self._busy - set(idle))
            self._cond.notify_all()
            while self._hand_over(None):  # callers waiting in an event loop take the thread path, which refuses
                pass
        for worker in idle:
            worker.stop()
        for worker in busy:
            worker.kill()

    def _acquire(self) -> tuple[_Worker | None, bytes | None]:
        with self._cond:
            while True:
                if self._closed:
                    return None, _error("", "Runtime.Unavailable", "The local stack is stopping").payload
                if self._for_threads:
                    return self._for_threads.pop(), None  # released for a waiting thread, still marked busy
                if self._idle:
                    worker = self._idle.pop()
                    self._busy.add(worker)
                    return worker, None
                if self._count < self._size:
                    self._count += 1
                    break
                self._waiting += 1
                try:
                    self._cond.wait()
                finally:
                    self._waiting -= 1
        return self._start_worker()

    def _start_worker(self) -> tuple[_Worker | None, bytes | None]:
        worker: _Worker | None = None
        try:
            worker = _Worker(self.spec, self._env)
            if not worker.conn.poll(self._init_timeout):
                message: dict[str, Any] = {
                    "kind": "init_error",
                    "payload": _error("", "Runtime.InitTimeout", f"Init exceeded {self._init_timeout:.0f} s").payload,
                }
            else:
                message = worker.conn.recv()
        except (EOFError, OSError) as exc:
            reason = worker.exit_message() if worker is not None else str(exc)
            message = {"kind": "init_error", "payload": _error("", "Runtime.ExitError", reason).payload}
        if message["kind"] == "ready" and worker is not None:
            with self._cond:
                self._busy.add(worker)
            return worker, None
        log.error("%s failed to initialise: %s", self.spec.logical_id, message["payload"].decode(errors="replace"))
        if worker is not None:
            self._discard(worker)
        else:
            self._forget()
        return None, message["payload"]

    def _release(self, worker: _Worker) -> None:
        """Give a finished worker to a waiting thread, else to a caller waiting in the event loop, else make it idle.
        A worker released for a thread is set aside for threads, so that event-loop callers cannot take it first."""
        with self._cond:
            closed = self._closed
            if not closed and self._waiting > len(self._for_threads):
                self._for_threads.append(worker)
                self._cond.notify()
                return
            if not closed and self._hand_over(worker):
                return
            self._busy.discard(worker)
            if not closed:
                self._idle.append(worker)
                self._cond.notify()
        if closed:
            worker.stop()

    def _discard(self, worker: _Worker) -> None:
        with self._cond:
            self._busy.discard(worker)
        worker.kill()
        self._forget()

    def _forget(self) -> None:
        with self._cond:
            self._count -= 1
            self._cond.notify()
            self._hand_over(None)  # a caller waiting in the event loop may start the replacement

    def _hand_over(self, worker: _Worker | None) -> bool:
        """Give ``worker`` (busy) to the first caller waiting in the event loop; False when none waits.
        Called with the lock held. A caller that stopped waiting meanwhile hands it on, or back."""
        while self._handovers:
            loop, handover = self._handovers.popleft()
            if handover.done():
                continue
            try:
                loop.call_soon_threadsafe(self._receive, handover, worker)
            except RuntimeError:  # its loop has closed (the stack is stopping): nobody is waiting there any more
                continue
            return True
        return False

    def _receive(self, handover: asyncio.Future[_Worker | None], worker: _Worker | None) -> None:
        if not handover.done():
            handover.set_result(worker)
        elif worker is not None:
            self._release(worker)
        else:
            with self._cond:
                self._hand_over(None)


async def _readable(conn: Connection, timeout: float) -> bool:
    """Wait in the event loop until ``conn`` has something to read (or its peer closed it); False after ``timeout``."""
    loop = asyncio.get_running_loop()
    ready = loop.create_future()
    loop.add_reader(conn.fileno(), lambda: ready.done() or ready.set_result(None))
    try:
        await asyncio.wait_for(ready, timeout)
        return True
    except TimeoutError:
        return False
    finally:
        loop.remove_reader(conn.fileno())
        os.set_blocking(conn.fileno(), True)  # uvloop's add_reader made it non-blocking; sends and recvs block


Destination = Callable[[str, dict[str, Any]], None]


class FunctionRegistry:
    """All functions of the local stack, by local name, alias or ARN; runs Event invocations with retries."""

    def __init__(
        self,
        pools: Mapping[str, FunctionPool],
        send_to_destination: Destination,
        retry_delays: tuple[float, ...] = (1.0, 2.0),
    ):
        self.pools = dict(pools)
        self._names: dict[str, str] = {}
        for name, pool in self.pools.items():
            self._names[name] = name
            for alias in pool.spec.aliases:
                self._names[alias] = name
        self._send_to_destination = send_to_destination
        self._retry_delays = retry_delays
        self._events = ThreadPoolExecutor(max_workers=16, thread_name_prefix="lambda-event")
        # Callers wait here for a worker; generous, since a waiting thread costs little and nested calls
        # (gateway -> interview) must never starve for threads.
        self._calls = ThreadPoolExecutor(max_workers=256, thread_name_prefix="lambda-call")
        self._stopping = threading.Event()

    def get(self, name: str) -> FunctionPool | None:
        local = self._names.get(name)
        return self.pools.get(local) if local else None

    async def invoke(self, name: str, payload: bytes, **kwargs: Any) -> InvocationResult:
        """Invoke ``name`` synchronously from async code (API Gateway's integrations and the Invoke API)."""
        pool = self.get(name)
        if pool is None:
            raise KeyError(name)
        worker = await pool.acquire_async()
        if worker is None:  # a cold start (or the pool closing) takes a thread
            loop = asyncio.get_running_loop()
            return await loop.run_in_executor(self._calls, functools.partial(pool.invoke, payload, **kwargs))
        # Shielded: an invocation runs to its end even when the caller stops waiting (an integration timeout).
        return await asyncio.shield(pool.invoke_on(worker, payload, **kwargs))

    def invoke_event(self, pool: FunctionPool, payload: bytes, request_id: str) -> None:
        """Queue an asynchronous invocation: retried on error, then sent to the on-failure destination."""
        self._events.submit(self._run_event, pool, payload, request_id)

    def _run_event(self, pool: FunctionPool, payload: bytes, request_id: str) -> None:
        config = pool.spec.event_invoke
        attempts = 0
        result: InvocationResult | None = None
        while not self._stopping.is_set():
            attempts += 1
            result = pool.invoke(payload, request_id=request_id)
            if result.function_error is None or attempts > config.max_retries:
                break
            delay = self._retry_delays[min(attempts - 1, len(self._retry_delays) - 1)] if self._retry_delays else 0
            log.warning("%s failed asynchronously (attempt %d); retrying", pool.spec.logical_id, attempts)
            if self._stopping.wait(delay):
                return
        if result is None or self._stopping.is_set():
            return
        failed = result.function_error is not None
        target = config.on_failure if failed else config.on_success
        if target is None:
            if failed:
                log.error(
                    "%s: asynchronous invocation %s failed after %d attempts",
                    pool.spec.logical_id,
                    request_id,
                    attempts,
                )
            return
        record = {
            "version": "1.0",
            "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
            "requestContext": {
                "requestId": request_id,
                "functionArn": f"{pool.spec.arn}:$LATEST",
                "condition": "RetriesExhausted" if failed else "Success",
                "approximateInvokeCount": attempts,
            },
            "requestPayload": json.loads(payload or b"{}"),
            "responseContext": {
                "statusCode": 200,
                "executedVersion": "$LATEST",
                **({"functionError": result.function_error} if failed else {}),
            },
            "responsePayload": result.json(),
        }
        try:
            self._send_to_destination(target, record)
        except Exception:
            log.exception("Could not deliver the destination record of %s to %s", request_id, target)

    def close(self) -> None:
        self._stopping.set()
        self._events.shutdown(wait=False, cancel_futures=True)
        self._calls.shutdown(wait=False, cancel_futures=True)
        threads = [threading.Thread(target=pool.close) for pool in self.pools.values()]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
