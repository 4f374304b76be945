"""``LocalStack``: the whole stack (moto, function workers, the HTTP/WebSocket server) in one object.

    with LocalStack(port=0) as stack:
        requests.get(stack.api_url + "/health")

Port 0 picks a free port. ``extra_functions`` adds functions that are not in the template (tests use it for
functions that misbehave on purpose); they get the same runtime environment as the template's functions.
Sign-in: ``stack.dev_token("ada")`` is an ID token the REST and WebSocket authorizers accept (see
:mod:`local_stack.auth`).
"""

import logging
import os
import socket
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any

import boto3
import uvicorn

from local_stack import aws
from local_stack.app import build_app
from local_stack.auth import DevIdentityProvider
from local_stack.cfn import REGION, TemplateError
from local_stack.event_sources import StreamPoller
from local_stack.functions import INHERITED_ENV, RUNTIME_DIR, FunctionPool, FunctionRegistry
from local_stack.resources import create_resources
from local_stack.template import FunctionSpec, StackSpec, Template
from local_stack.websocket import IDLE_TIMEOUT, MAX_CONNECTION_SECONDS, WebSocketApi
from local_stack.ws_protocol import ApiGatewayWebSocketProtocol

log = logging.getLogger("local_stack")
REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONCURRENCY = {"GatewayFunction": 4, "InterviewFunction": 4, "VoiceFunction": 2}


class LocalStack:
    """The template's stack on this machine: no Docker, no AWS account, loopback only."""

    def __init__(
        self,
        *,
        port: int = 8000,
        template: Path = REPO_ROOT / "template.yaml",
        parameters: Mapping[str, str] | None = None,
        web_dir: Path | None = REPO_ROOT / "web",
        concurrency: Mapping[str, int] | None = None,
        extra_functions: Sequence[FunctionSpec] = (),
        environment: Mapping[str, str] | None = None,
        ttl_sweep_seconds: float = 5.0,
        async_retry_delays: tuple[float, ...] = (1.0, 2.0),
        idle_timeout: float = IDLE_TIMEOUT,
        max_connection_seconds: float = MAX_CONNECTION_SECONDS,
        init_timeout: float = 120.0,
        prewarm: bool = False,
    ):
        self.template = template
        self.parameters = dict(parameters or {})
        self.web_dir = web_dir
        self.concurrency = {**DEFAULT_CONCURRENCY, **(concurrency or {})}
        self.extra_functions = tuple(extra_functions)
        self.environment = dict(environment or {})
        self.ttl_sweep_seconds = ttl_sweep_seconds
        self.async_retry_delays = async_retry_delays
        self.idle_timeout = idle_timeout
        self.max_connection_seconds = max_connection_seconds
        self.init_timeout = init_timeout
        self.prewarm = prewarm
        self._requested_port = port
        self.port = 0
        self.spec: StackSpec | None = None
        self.moto: aws.MotoServer | None = None
        self.functions: FunctionRegistry | None = None
        self.websocket: WebSocketApi | None = None
        self.stream_pollers: list[StreamPoller] = []
        self.identity: DevIdentityProvider | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ URLs
    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"{self.http_url}/api"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def connections_url(self) -> str:
        """The endpoint for boto3 ``apigatewaymanagementapi`` clients."""
        return f"{self.http_url}/ws"

    @property
    def lambda_url(self) -> str:
        """The endpoint for boto3 ``lambda`` clients."""
        return self.http_url

    @property
    def moto_url(self) -> str:
        if self.moto is None:
            raise RuntimeError("The local stack is not running.")
        return self.moto.url

    def urls(self) -> dict[str, str]:
        return {
            "web": f"{self.http_url}/",
            "rest": self.api_url,
            "websocket": self.ws_url,
            "@connections": self.connections_url,
            "lambda": self.lambda_url,
            "moto (DynamoDB, S3, SQS)": self.moto_url,
            "health": f"{self.http_url}/health",
            "sign-in (dev tokens)": f"{self.http_url}/auth/dev-token",
        }

    def dev_token(self, username: str, groups: Sequence[str] = ()) -> str:
        """An ID token for ``username`` (in ``groups``) that this stack's authorizers accept."""
        if self.identity is None:
            raise RuntimeError("The local stack is not running.")
        return self.identity.issue(username, tuple(groups))

    def aws_client(self, service: str) -> Any:
        """A boto3 client for the emulated ``service`` (moto), or for ``lambda``/``apigatewaymanagementapi`` here."""
        if service in ("lambda", "apigatewaymanagementapi"):
            endpoint = self.lambda_url if service == "lambda" else self.connections_url
            return boto3.session.Session().client(service, endpoint_url=endpoint, region_name=REGION, **aws.CREDENTIALS)
        if self.moto is None:
            raise RuntimeError("The local stack is not running.")
        return self.moto.client(service)

    # ------------------------------------------------------------------ lifecycle
    def __enter__(self) -> "LocalStack":
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> "LocalStack":
        """Start moto, create the template's resources, and serve; returns when everything answers."""
        # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP (else +40 ms).
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", self._requested_port))
            self.port = sock.getsockname()[1]
            self.identity = DevIdentityProvider(self.http_url)
            self.moto = aws.MotoServer(RUNTIME_DIR, self.ttl_sweep_seconds)
            self.spec = Template.load(self.template, self.parameters).stack_spec(moto_url=self.moto.url)
            create_resources(self.moto.client, self.spec)
            self.functions = self._functions(self.spec)
            self.stream_pollers = self._stream_pollers(self.spec, self.functions, self.moto)
            if self.spec.websocket:
                self.websocket = WebSocketApi(
                    self.spec.websocket,
                    self.functions,
                    idle_timeout=self.idle_timeout,
                    max_connection_seconds=self.max_connection_seconds,
                )
            app = build_app(self.spec, self.functions, self.websocket, self.web_dir, self.identity)
            config = uvicorn.Config(
                app,
                ws=ApiGatewayWebSocketProtocol,
                ws_per_message_deflate=False,
                lifespan="off",
                log_level="warning",
                timeout_graceful_shutdown=5,
            )
            self._server = uvicorn.Server(config)
            self._thread = threading.Thread(
                target=self._server.run, kwargs={"sockets": [sock]}, name="local-stack-http", daemon=True
            )
            self._thread.start()
            deadline = time.monotonic() + 30
            while not self._server.started:
                if not self._thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("The local stack's HTTP server did not start.")
                time.sleep(0.02)
            if self.prewarm:
                self._prewarm()
        except BaseException:
            serving = self._thread is not None
            self.stop()
            if not serving:
                sock.close()
            raise
        return self

    def stop(self) -> None:
        """Stop serving, stop every worker and moto. Safe to call more than once."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(timeout=15)
        self._server = self._thread = None
        for poller in self.stream_pollers:
            poller.stop()
        self.stream_pollers = []
        if self.functions is not None:
            self.functions.close()
            self.functions = None
        if self.moto is not None:
            self.moto.stop()
            self.moto = None

    @staticmethod
    def _stream_pollers(spec: StackSpec, functions: FunctionRegistry, moto: aws.MotoServer) -> list[StreamPoller]:
        """The event source mappings of the functions' DynamoDB events, polling from now on."""
        pollers = []
        for function in spec.functions.values():
            pool = functions.get(function.logical_id)
            assert pool is not None
            for source in function.stream_sources:
                poller = StreamPoller(
                    function.arn,
                    source,
                    moto.client,
                    pool.invoke,
                    lambda arn, record: aws.send_to_destination(moto, arn, record),
                ).open()
                poller.start()
                pollers.append(poller)
        return pollers

    def _functions(self, spec: StackSpec) -> FunctionRegistry:
        provided = {
            "AWS_ENDPOINT_URL": self.moto_url,
            "AWS_ENDPOINT_URL_DYNAMODB": self.moto_url,
            "AWS_ENDPOINT_URL_S3": self.moto_url,
            "AWS_ENDPOINT_URL_SQS": self.moto_url,
            "AWS_ENDPOINT_URL_LAMBDA": self.lambda_url,
            "AWS_ENDPOINT_URL_APIGATEWAYMANAGEMENTAPI": self.connections_url,
        }
        if self.identity is not None:
            provided.update(self.identity.environment())
        pools: dict[str, FunctionPool] = {}
        for function in (*spec.functions.values(), *self.extra_functions):
            missing = [name for name in function.unresolved_env if name not in provided]
            if missing:
                raise TemplateError(
                    f"{function.logical_id}: environment variable(s) {missing} only have a value in a deployed stack."
                )
            if function.logical_id in pools:
                raise TemplateError(f"Two functions are named {function.logical_id}.")
            env = self._worker_env(function, provided)
            size = self.concurrency.get(function.logical_id, 2)
            pools[function.logical_id] = FunctionPool(function, env, size, self.init_timeout)
        return FunctionRegistry(
            pools,
            send_to_destination=lambda arn, record: aws.send_to_destination(self.moto, arn, record),  # type: ignore[arg-type]
            retry_delays=self.async_retry_delays,
        )

    def _worker_env(self, function: FunctionSpec, endpoints: Mapping[str, str]) -> dict[str, str]:
        env = {name: os.environ[name] for name in INHERITED_ENV if name in os.environ}
        env.update(function.environment)
        env.update(endpoints)
        env.update(
            {
                **aws_credentials_env(),
                "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION,
                "AWS_LAMBDA_FUNCTION_NAME": function.logical_id,
                "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_size),
                "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
                "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function.logical_id}",
                "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
                "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
                "LAMBDA_TASK_ROOT": str(function.code_dirs[0]),
                "_HANDLER": function.handler,
                "TZ": "UTC",
                "POWERTOOLS_TRACE_DISABLED": "true",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.environment)
        return env

    def _prewarm(self) -> None:
        assert self.functions is not None

        # A function with stream events gets a second worker: its batches would otherwise take the one warm worker
        # and make the next request wait for a cold start.
        def prewarm(pool: FunctionPool) -> bytes | None:
            return pool.prewarm(2 if pool.spec.stream_sources else 1)

        with ThreadPoolExecutor(max_workers=len(self.functions.pools)) as executor:
            for name, error in zip(
                self.functions.pools, executor.map(prewarm, self.functions.pools.values()), strict=True
            ):
                if error:
                    log.warning("%s is not ready: %s", name, error.decode(errors="replace"))


def aws_credentials_env() -> dict[str, str]:
    return {
        "AWS_ACCESS_KEY_ID": aws.CREDENTIALS["aws_access_key_id"],
        "AWS_SECRET_ACCESS_KEY": aws.CREDENTIALS["aws_secret_access_key"],
        "AWS_SESSION_TOKEN": aws.CREDENTIALS["aws_session_token"],
    }
