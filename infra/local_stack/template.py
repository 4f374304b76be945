"""What the local stack needs from template.yaml: tables, buckets, queues, functions, the two APIs and the
functions' DynamoDB stream event sources.

Everything the local stack creates comes from here, so the local resources match the deployed ones.
Local names: a table, queue or function is named by its logical id (``InterviewTable``,
``GatewayFunction``); a bucket by its logical id in lower case with hyphens (``audio-bucket``).
"""

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3

from local_stack.cfn import ACCOUNT_ID, REGION, Resolver, TemplateError, Unresolvable, load_yaml
from local_stack.event_filters import check_pattern
from local_stack.resources import create_resources

DEFAULT_MAX_RETRIES = 2
DEFAULT_TEMPLATE = Path(__file__).resolve().parents[2] / "template.yaml"


@dataclass(frozen=True)
class TableSpec:
    """A DynamoDB table: ``create_table`` arguments plus its TTL attribute."""

    logical_id: str
    name: str
    create_args: dict[str, Any]
    ttl_attribute: str | None = None
    point_in_time_recovery: bool = False


@dataclass(frozen=True)
class BucketSpec:
    """An S3 bucket and its configuration, already in S3 API shape."""

    logical_id: str
    name: str
    cors_rules: list[dict[str, Any]] = field(default_factory=list)
    lifecycle_rules: list[dict[str, Any]] = field(default_factory=list)
    encryption: dict[str, Any] | None = None
    public_access_block: dict[str, Any] | None = None


@dataclass(frozen=True)
class QueueSpec:
    """An SQS queue (``create_queue`` attributes as strings)."""

    logical_id: str
    name: str
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EventInvokeSpec:
    """Lambda's asynchronous invocation settings; destinations are ARNs."""

    max_retries: int = DEFAULT_MAX_RETRIES
    on_failure: str | None = None
    on_success: str | None = None


@dataclass(frozen=True)
class StreamSourceSpec:
    """A function's ``Type: DynamoDB`` event: an event source mapping polling a table's stream.

    ``filters`` are the parsed ``FilterCriteria`` patterns (a record passes if any matches); ``max_retries`` -1
    means until the records expire, as in Lambda.
    """

    table: str
    starting_position: str = "LATEST"
    batch_size: int = 100
    batching_window: float = 0.0
    max_retries: int = -1
    on_failure: str | None = None
    filters: tuple[dict[str, Any], ...] = ()
    enabled: bool = True


@dataclass(frozen=True)
class FunctionSpec:
    """A function as the local runtime runs it.

    ``code_dirs`` go on ``sys.path`` in order (function code first, then layers), like ``/var/task``
    and ``/opt/python``. ``unresolved_env`` lists variables whose value only exists in a deployed
    stack; the local stack must supply them (the endpoint variables) or refuse to start.
    """

    logical_id: str
    handler: str
    code_dirs: tuple[Path, ...]
    timeout: int = 3
    memory_size: int = 128
    environment: dict[str, str] = field(default_factory=dict)
    unresolved_env: tuple[str, ...] = ()
    package_type: str = "Zip"
    aliases: tuple[str, ...] = ()
    event_invoke: EventInvokeSpec = EventInvokeSpec()
    stream_sources: tuple[StreamSourceSpec, ...] = ()

    @property
    def arn(self) -> str:
        return function_arn(self.logical_id)


@dataclass(frozen=True)
class RestRoute:
    """One ``Api`` event of a function: a resource path (``/api/{proxy+}``) and a method (``ANY``).

    ``authorizer`` names the Cognito authorizer guarding it (the API's default unless the event says ``NONE``);
    API Gateway caches its result for a token ``authorizer_cache_seconds`` (SAM's ``Identity.ReauthorizeEvery``,
    300 unless set; 0 turns the cache off).
    """

    path: str
    method: str
    function: str
    authorizer: str | None = None
    authorizer_cache_seconds: int = 0


@dataclass(frozen=True)
class GatewayResponse:
    """A response API Gateway sends itself, shaped by the template's ``GatewayResponses`` entry for its type."""

    status: int | None = None  # the entry's StatusCode; the error's own status when None
    headers: dict[str, str] = field(default_factory=dict)
    template: str | None = None  # the application/json template; API Gateway's {"message": ...} when None

    def render(self, status: int, message: str, request_id: str) -> tuple[int, dict[str, str], str]:
        """The status, headers and body for an error, with the template's ``$context`` variables filled in."""
        if self.template is None:
            body = json.dumps({"message": message})
        else:
            body = (
                self.template.replace("$context.error.messageString", json.dumps(message))
                .replace("$context.error.message", message)
                .replace("$context.requestId", request_id)
            )
        return self.status or status, dict(self.headers), body


@dataclass(frozen=True)
class CorsSpec:
    """The REST API's CORS preflight answer (what SAM's OPTIONS mock integration returns)."""

    allow_origin: str
    allow_methods: str | None = None
    allow_headers: str | None = None
    max_age: str | None = None


@dataclass(frozen=True)
class RestSpec:
    stage: str
    routes: tuple[RestRoute, ...]
    binary_media_types: tuple[str, ...] = ()
    cors: CorsSpec | None = None
    gateway_responses: Mapping[str, GatewayResponse] = field(default_factory=dict)

    def gateway_response(self, kind: str, status: int) -> GatewayResponse:
        """The response for an error of one type (``UNAUTHORIZED``...), else its ``DEFAULT_4XX``/``DEFAULT_5XX``."""
        default = "DEFAULT_5XX" if status >= 500 else "DEFAULT_4XX"
        return self.gateway_responses.get(kind) or self.gateway_responses.get(default) or GatewayResponse()


@dataclass(frozen=True)
class WebSocketAuthorizer:
    """A Lambda REQUEST authorizer; ``identity_sources`` are ``(location, name)``, like ``("querystring", "token")``."""

    function: str
    identity_sources: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class WebSocketRoute:
    route_key: str
    function: str
    two_way: bool = False
    authorizer: WebSocketAuthorizer | None = None


@dataclass(frozen=True)
class WebSocketSpec:
    stage: str
    route_selection_expression: str
    routes: dict[str, WebSocketRoute]

    @property
    def body_path(self) -> tuple[str, ...]:
        """The JSON path that selects a route (``$request.body.action`` -> ``("action",)``)."""
        prefix = "$request.body."
        if not self.route_selection_expression.startswith(prefix):
            raise TemplateError(
                f"Route selection expression '{self.route_selection_expression}' is not supported locally; "
                "use $request.body.<field>."
            )
        return tuple(self.route_selection_expression[len(prefix) :].split("."))


@dataclass(frozen=True)
class StackSpec:
    root: Path
    parameters: dict[str, str]
    tables: tuple[TableSpec, ...]
    buckets: tuple[BucketSpec, ...]
    queues: tuple[QueueSpec, ...]
    functions: dict[str, FunctionSpec]
    rest: RestSpec | None
    websocket: WebSocketSpec | None


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}"


def bucket_name(logical_id: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", logical_id).lower()


class Template:
    """template.yaml, read once; describes the local stack and creates its data stores."""

    def __init__(self, document: dict[str, Any], root: Path, parameters: Mapping[str, str] | None = None):
        self.document = document
        self.root = root
        self.parameters = _parameters(document.get("Parameters", {}), parameters or {})

    @classmethod
    def load(cls, path: Path = DEFAULT_TEMPLATE, parameters: Mapping[str, str] | None = None) -> "Template":
        return cls(load_yaml(path.read_text()), path.resolve().parent, parameters)

    def stack_spec(
        self, *, moto_url: str = "", names: Mapping[str, str] | None = None, stack_name: str = "local"
    ) -> StackSpec:
        """The local stack; ``names`` overrides the local name of tables, buckets and queues by logical id,
        and ``moto_url`` is the endpoint queue URLs point at."""
        resources: dict[str, Any] = self.document["Resources"]
        resolver = _resolver(self.document, resources, self.parameters, moto_url, stack_name, names or {})
        globals_function = self.document.get("Globals", {}).get("Function", {})
        layers = {
            lid: self.root / r["Properties"]["ContentUri"]
            for lid, r in resources.items()
            if r["Type"] == "AWS::Serverless::LayerVersion"
        }
        functions = {
            lid: _function(
                lid, _merge_globals(globals_function, r.get("Properties", {})), r, self.root, layers, resolver
            )
            for lid, r in resources.items()
            if r["Type"] == "AWS::Serverless::Function"
        }
        return StackSpec(
            root=self.root,
            parameters=self.parameters,
            tables=tuple(_table(lid, r, resolver) for lid, r in _of_type(resources, "AWS::DynamoDB::Table")),
            buckets=tuple(_bucket(lid, r, resolver) for lid, r in _of_type(resources, "AWS::S3::Bucket")),
            queues=tuple(_queue(lid, r, resolver) for lid, r in _of_type(resources, "AWS::SQS::Queue")),
            functions=functions,
            rest=_rest(resources, resolver),
            websocket=_websocket(resources, resolver),
        )

    def create_stores(
        self, names: Mapping[str, str] | None = None, client: Callable[[str], Any] | None = None
    ) -> StackSpec:
        """Create the template's tables, buckets and queues with boto3 (in-process ``mock_aws`` or moto server).

        ``client(service)`` makes the boto3 clients; by default, plain ``boto3.client`` in the local region.
        """
        spec = self.stack_spec(names=names)
        create_resources(client or (lambda service: boto3.client(service, region_name=REGION)), spec)
        return spec


def _of_type(resources: Mapping[str, Any], type_name: str) -> list[tuple[str, dict[str, Any]]]:
    return [(lid, r) for lid, r in resources.items() if r["Type"] == type_name]


def _parameters(declared: Mapping[str, Any], overrides: Mapping[str, str]) -> dict[str, str]:
    unknown = set(overrides) - set(declared)
    if unknown:
        raise TemplateError(f"Unknown template parameter(s): {', '.join(sorted(unknown))}.")
    values: dict[str, str] = {}
    for name, spec in declared.items():
        if name in overrides:
            value = str(overrides[name])
        elif "Default" in spec:
            value = str(spec["Default"])
        else:
            raise TemplateError(f"Parameter '{name}' has no default; pass a value for it.")
        allowed = spec.get("AllowedValues")
        if allowed and value not in [str(a) for a in allowed]:
            raise TemplateError(f"Parameter '{name}' must be one of {allowed}, not '{value}'.")
        values[name] = value
    return values


def _resolver(
    template: Mapping[str, Any],
    resources: Mapping[str, Any],
    params: dict[str, str],
    moto_url: str,
    stack_name: str,
    names: Mapping[str, str],
) -> Resolver:
    refs: dict[str, str] = dict(params)
    attributes: dict[tuple[str, str], str] = {}
    for lid, resource in resources.items():
        kind = resource["Type"]
        if kind == "AWS::DynamoDB::Table":
            refs[lid] = names.get(lid, lid)
            attributes[(lid, "Arn")] = f"arn:aws:dynamodb:{REGION}:{ACCOUNT_ID}:table/{refs[lid]}"
            # moto names a stream after its creation time; the poller asks moto for the table's latest stream.
            attributes[(lid, "StreamArn")] = f"{attributes[(lid, 'Arn')]}/stream/latest"
        elif kind == "AWS::S3::Bucket":
            refs[lid] = names.get(lid, bucket_name(lid))
            attributes[(lid, "Arn")] = f"arn:aws:s3:::{refs[lid]}"
        elif kind == "AWS::SQS::Queue":
            name = names.get(lid, lid)
            refs[lid] = f"{moto_url}/{ACCOUNT_ID}/{name}"
            attributes[(lid, "Arn")] = f"arn:aws:sqs:{REGION}:{ACCOUNT_ID}:{name}"
            attributes[(lid, "QueueName")] = name
            attributes[(lid, "QueueUrl")] = refs[lid]
        elif kind == "AWS::Serverless::Function":
            refs[lid] = lid
            attributes[(lid, "Arn")] = function_arn(lid)
        elif kind in ("AWS::ApiGatewayV2::Integration", "AWS::ApiGatewayV2::Route"):
            refs[lid] = lid
    return Resolver(
        refs=refs,
        attributes=attributes,
        conditions=template.get("Conditions", {}),
        mappings=template.get("Mappings", {}),
        stack_name=stack_name,
    )


def _merge_globals(global_props: Mapping[str, Any], props: Mapping[str, Any]) -> dict[str, Any]:
    """SAM's Globals rule: a function's own value wins; maps merge; lists concatenate."""
    merged: dict[str, Any] = dict(global_props)
    for key, value in props.items():
        current = merged.get(key)
        if isinstance(current, dict) and isinstance(value, dict) and not _is_intrinsic(value):
            merged[key] = _merge_globals(current, value)
        elif isinstance(current, list) and isinstance(value, list):
            merged[key] = current + value
        else:
            merged[key] = value
    if props.get("PackageType") == "Image":
        for zip_only in ("Runtime", "Handler", "Layers", "CodeUri"):
            merged.pop(zip_only, None)
    return merged


def _is_intrinsic(value: Mapping[str, Any]) -> bool:
    if len(value) != 1:
        return False
    key = next(iter(value))
    return key in ("Ref", "Condition") or key.startswith("Fn::")


def _function(
    lid: str,
    props: Mapping[str, Any],
    resource: Mapping[str, Any],
    root: Path,
    layers: Mapping[str, Path],
    resolver: Resolver,
) -> FunctionSpec:
    package_type = props.get("PackageType", "Zip")
    if package_type == "Image":
        command = props.get("ImageConfig", {}).get("Command") or []
        if not command:
            raise TemplateError(f"{lid}: an Image function needs ImageConfig.Command (its handler) to run locally.")
        handler = command[0]
        metadata = resource.get("Metadata", {})
        dockerfile = root / metadata.get("DockerContext", ".") / metadata.get("Dockerfile", "Dockerfile")
        # The image is built from the repository root, so it holds the layers' code beside the function's.
        code_dirs = (dockerfile.parent, *layers.values())
    else:
        handler = props["Handler"]
        layer_ids = [ref["Ref"] for ref in props.get("Layers", []) if isinstance(ref, dict) and "Ref" in ref]
        missing = [layer for layer in layer_ids if layer not in layers]
        if missing:
            raise TemplateError(f"{lid}: layers {missing} are not AWS::Serverless::LayerVersion resources here.")
        code_dirs = (root / props["CodeUri"], *(layers[layer] for layer in layer_ids))

    environment: dict[str, str] = {}
    unresolved: list[str] = []
    for name, raw in props.get("Environment", {}).get("Variables", {}).items():
        try:
            environment[name] = str(resolver.resolve(raw))
        except Unresolvable:
            unresolved.append(name)

    aliases: tuple[str, ...] = ()
    if "FunctionName" in props:
        try:
            aliases = (str(resolver.resolve(props["FunctionName"])),)
        except Unresolvable:
            aliases = ()
    return FunctionSpec(
        logical_id=lid,
        handler=handler,
        code_dirs=tuple(p.resolve() for p in code_dirs),
        timeout=int(resolver.resolve(props.get("Timeout", 3))),
        memory_size=int(resolver.resolve(props.get("MemorySize", 128))),
        environment=environment,
        unresolved_env=tuple(unresolved),
        package_type=package_type,
        aliases=aliases,
        event_invoke=_event_invoke(props.get("EventInvokeConfig"), resolver),
        stream_sources=tuple(
            _stream_source(lid, event["Properties"], resolver)
            for event in props.get("Events", {}).values()
            if event.get("Type") == "DynamoDB"
        ),
    )


def _stream_source(lid: str, props: Mapping[str, Any], resolver: Resolver) -> StreamSourceSpec:
    stream = str(resolver.resolve(props["Stream"]))
    match = re.fullmatch(r"arn:aws:dynamodb:[^:]*:[^:]*:table/([^/]+)/stream/.+", stream)
    if not match:
        raise TemplateError(f"{lid}: DynamoDB event stream {stream!r} is not a table's stream.")
    unsupported = ("FunctionResponseTypes", "BisectBatchOnFunctionError", "TumblingWindowInSeconds")
    if any(props.get(name) for name in unsupported):
        raise TemplateError(
            f"{lid}: FunctionResponseTypes, BisectBatchOnFunctionError and TumblingWindowInSeconds are not emulated."
        )
    patterns = props.get("FilterCriteria", {}).get("Filters", [])
    failure = props.get("DestinationConfig", {}).get("OnFailure", {})
    return StreamSourceSpec(
        table=match.group(1),
        starting_position=str(props["StartingPosition"]),
        batch_size=int(resolver.resolve(props.get("BatchSize", 100))),
        batching_window=float(resolver.resolve(props.get("MaximumBatchingWindowInSeconds", 0))),
        max_retries=int(resolver.resolve(props.get("MaximumRetryAttempts", -1))),
        on_failure=str(resolver.resolve(failure["Destination"])) if "Destination" in failure else None,
        filters=tuple(check_pattern(json.loads(resolver.resolve(f["Pattern"]))) for f in patterns),
        enabled=bool(resolver.resolve(props.get("Enabled", True))),
    )


def _event_invoke(config: Mapping[str, Any] | None, resolver: Resolver) -> EventInvokeSpec:
    if not config:
        return EventInvokeSpec()
    destinations = config.get("DestinationConfig", {})

    def destination(kind: str) -> str | None:
        target = destinations.get(kind)
        return str(resolver.resolve(target["Destination"])) if target and "Destination" in target else None

    return EventInvokeSpec(
        max_retries=int(resolver.resolve(config.get("MaximumRetryAttempts", DEFAULT_MAX_RETRIES))),
        on_failure=destination("OnFailure"),
        on_success=destination("OnSuccess"),
    )


def _table(lid: str, resource: Mapping[str, Any], resolver: Resolver) -> TableSpec:
    props = resolver.resolve(resource.get("Properties", {}))
    name = resolver.refs[lid]
    args: dict[str, Any] = {
        "TableName": name,
        "AttributeDefinitions": props["AttributeDefinitions"],
        "KeySchema": props["KeySchema"],
        "BillingMode": props.get("BillingMode", "PROVISIONED"),
    }
    if args["BillingMode"] == "PROVISIONED":
        args["ProvisionedThroughput"] = props.get(
            "ProvisionedThroughput", {"ReadCapacityUnits": 5, "WriteCapacityUnits": 5}
        )
    for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
        if key in props:
            args[key] = props[key]
    if "StreamSpecification" in props:  # CloudFormation's has no StreamEnabled: a specification enables the stream
        args["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    ttl = props.get("TimeToLiveSpecification", {})
    pitr = props.get("PointInTimeRecoverySpecification", {})
    return TableSpec(
        logical_id=lid,
        name=name,
        create_args=args,
        ttl_attribute=ttl.get("AttributeName") if ttl.get("Enabled") else None,
        point_in_time_recovery=bool(pitr.get("PointInTimeRecoveryEnabled")),
    )


def _bucket(lid: str, resource: Mapping[str, Any], resolver: Resolver) -> BucketSpec:
    props = resolver.resolve(resource.get("Properties", {}))
    cors = [
        {
            "AllowedOrigins": rule["AllowedOrigins"],
            "AllowedMethods": rule["AllowedMethods"],
            **({"AllowedHeaders": rule["AllowedHeaders"]} if "AllowedHeaders" in rule else {}),
            **({"ExposeHeaders": rule["ExposedHeaders"]} if "ExposedHeaders" in rule else {}),
            **({"MaxAgeSeconds": int(rule["MaxAge"])} if "MaxAge" in rule else {}),
        }
        for rule in props.get("CorsConfiguration", {}).get("CorsRules", [])
    ]
    lifecycle = []
    for index, rule in enumerate(props.get("LifecycleConfiguration", {}).get("Rules", [])):
        api_rule: dict[str, Any] = {
            "ID": rule.get("Id", f"rule-{index}"),
            "Status": rule["Status"],
            "Filter": {"Prefix": rule.get("Prefix", "")},
        }
        if "ExpirationInDays" in rule:
            api_rule["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
        if "AbortIncompleteMultipartUpload" in rule:
            days = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
            api_rule["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
        lifecycle.append(api_rule)
    encryption_rules = [
        {
            "ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"],
            **({"BucketKeyEnabled": rule["BucketKeyEnabled"]} if "BucketKeyEnabled" in rule else {}),
        }
        for rule in props.get("BucketEncryption", {}).get("ServerSideEncryptionConfiguration", [])
    ]
    return BucketSpec(
        logical_id=lid,
        name=resolver.refs[lid],
        cors_rules=cors,
        lifecycle_rules=lifecycle,
        encryption={"Rules": encryption_rules} if encryption_rules else None,
        public_access_block=props.get("PublicAccessBlockConfiguration"),
    )


def _queue(lid: str, resource: Mapping[str, Any], resolver: Resolver) -> QueueSpec:
    props = resolver.resolve(resource.get("Properties", {}))
    keep = ("DelaySeconds", "MessageRetentionPeriod", "VisibilityTimeout", "MaximumMessageSize", "SqsManagedSseEnabled")
    attributes = {k: str(v).lower() if isinstance(v, bool) else str(v) for k, v in props.items() if k in keep}
    return QueueSpec(logical_id=lid, name=resolver.attributes[(lid, "QueueName")], attributes=attributes)


def _rest(resources: Mapping[str, Any], resolver: Resolver) -> RestSpec | None:
    events: list[tuple[str, dict[str, Any]]] = []
    api_ids: set[str] = set()
    for lid, resource in _of_type(resources, "AWS::Serverless::Function"):
        for event in resource.get("Properties", {}).get("Events", {}).values():
            if event.get("Type") != "Api":
                continue
            events.append((lid, event["Properties"]))
            api_id = event["Properties"].get("RestApiId", {})
            if isinstance(api_id, dict) and "Ref" in api_id:
                api_ids.add(api_id["Ref"])
    if not events:
        return None
    if len(api_ids) > 1:
        raise TemplateError(f"The local stack serves one REST API; the template has {sorted(api_ids)}.")
    api = resources[api_ids.pop()]["Properties"] if api_ids else {"StageName": "Prod"}
    # Auth is read as written: its user pool ARN only exists in AWS; locally the dev identity provider stands in.
    props = resolver.resolve({k: v for k, v in api.items() if k != "Auth"})
    routes = tuple(
        RestRoute(event["Path"], event["Method"].upper(), lid, *_rest_authorizer(api.get("Auth") or {}, event))
        for lid, event in events
    )
    cors_props = props.get("Cors")
    cors = None
    if isinstance(cors_props, str):
        cors = CorsSpec(allow_origin=cors_props.strip("'"))
    elif isinstance(cors_props, dict):

        def unquote(key: str) -> str | None:
            return str(cors_props[key]).strip("'") if key in cors_props else None

        cors = CorsSpec(
            allow_origin=unquote("AllowOrigin") or "*",
            allow_methods=unquote("AllowMethods"),
            allow_headers=unquote("AllowHeaders"),
            max_age=unquote("MaxAge"),
        )
    return RestSpec(
        stage=str(props.get("StageName", "Prod")),
        routes=routes,
        binary_media_types=tuple(t.replace("~1", "/") for t in props.get("BinaryMediaTypes", [])),
        cors=cors,
        gateway_responses={
            kind: _gateway_response(config) for kind, config in (props.get("GatewayResponses") or {}).items()
        },
    )


def _rest_authorizer(auth: Mapping[str, Any], event: Mapping[str, Any]) -> tuple[str | None, int]:
    """The Cognito authorizer guarding an ``Api`` event (its own ``Auth.Authorizer``, else the API's default) and
    how long API Gateway caches its result for a token."""
    name = (event.get("Auth") or {}).get("Authorizer", auth.get("DefaultAuthorizer"))
    if name in (None, "NONE"):
        return None, 0
    authorizer = (auth.get("Authorizers") or {}).get(name)
    if not isinstance(authorizer, dict) or "UserPoolArn" not in authorizer:
        raise TemplateError(f"Authorizer '{name}': the local stack emulates Cognito user pool authorizers only.")
    return str(name), int((authorizer.get("Identity") or {}).get("ReauthorizeEvery", 300))


def _gateway_response(config: Mapping[str, Any]) -> GatewayResponse:
    """A ``GatewayResponses`` entry: its status, static headers and JSON template."""
    headers = (config.get("ResponseParameters") or {}).get("Headers") or {}
    body = (config.get("ResponseTemplates") or {}).get("application/json")
    return GatewayResponse(
        status=int(config["StatusCode"]) if "StatusCode" in config else None,
        headers={name: str(value).strip("'") for name, value in headers.items()},
        template=str(body) if body else None,
    )


def _websocket(resources: Mapping[str, Any], resolver: Resolver) -> WebSocketSpec | None:
    apis = [
        (lid, r)
        for lid, r in _of_type(resources, "AWS::ApiGatewayV2::Api")
        if r["Properties"].get("ProtocolType") == "WEBSOCKET"
    ]
    if not apis:
        return None
    if len(apis) > 1:
        raise TemplateError("The local stack serves one WebSocket API.")
    api_id, api = apis[0]

    def of_api(type_name: str) -> list[tuple[str, dict[str, Any]]]:
        return [
            (lid, r) for lid, r in _of_type(resources, type_name) if r["Properties"].get("ApiId") == {"Ref": api_id}
        ]

    integrations: dict[str, str] = {}
    for lid, integration in of_api("AWS::ApiGatewayV2::Integration"):
        uri = str(resolver.resolve(integration["Properties"]["IntegrationUri"]))
        match = re.search(r":function:([^/:]+)", uri)
        if not match:
            raise TemplateError(f"{lid}: only Lambda proxy integrations are supported locally.")
        integrations[lid] = match.group(1)
    two_way = {
        r["Properties"]["RouteId"]["Ref"]
        for _, r in of_api("AWS::ApiGatewayV2::RouteResponse")
        if isinstance(r["Properties"].get("RouteId"), dict)
    }
    authorizers = {
        lid: _ws_authorizer(lid, a["Properties"], resolver) for lid, a in of_api("AWS::ApiGatewayV2::Authorizer")
    }
    routes: dict[str, WebSocketRoute] = {}
    for lid, route in of_api("AWS::ApiGatewayV2::Route"):
        props = route["Properties"]
        target = str(resolver.resolve(props["Target"]))
        integration = target.removeprefix("integrations/")
        if integration not in integrations:
            raise TemplateError(f"{lid}: target '{target}' is not an integration of this API.")
        key = props["RouteKey"]
        authorizer = None
        if props.get("AuthorizationType") == "CUSTOM":
            authorizer_id = (props.get("AuthorizerId") or {}).get("Ref")
            if key != "$connect" or authorizer_id not in authorizers:
                raise TemplateError(f"{lid}: a CUSTOM route must be $connect with an AuthorizerId of this API.")
            authorizer = authorizers[authorizer_id]
        routes[key] = WebSocketRoute(
            route_key=key,
            function=integrations[integration],
            two_way=lid in two_way or "RouteResponseSelectionExpression" in props,
            authorizer=authorizer,
        )
    stages = [str(resolver.resolve(r["Properties"]["StageName"])) for _, r in of_api("AWS::ApiGatewayV2::Stage")]
    return WebSocketSpec(
        stage=stages[0] if stages else "$default",
        route_selection_expression=api["Properties"]["RouteSelectionExpression"],
        routes=routes,
    )


def _ws_authorizer(lid: str, props: Mapping[str, Any], resolver: Resolver) -> WebSocketAuthorizer:
    """A WebSocket API's Lambda REQUEST authorizer: its function and where the identity comes from."""
    if props.get("AuthorizerType") != "REQUEST":
        raise TemplateError(f"{lid}: only REQUEST authorizers exist for WebSocket APIs.")
    match = re.search(r":function:([^/:]+)", str(resolver.resolve(props["AuthorizerUri"])))
    if not match:
        raise TemplateError(f"{lid}: the authorizer must be a Lambda function.")
    sources = []
    for source in props.get("IdentitySource") or []:
        parts = str(source).split(".", 3)
        if len(parts) != 4 or parts[:2] != ["route", "request"] or parts[2] not in ("querystring", "header"):
            raise TemplateError(f"{lid}: identity source '{source}' is not supported locally.")
        sources.append((parts[2], parts[3]))
    return WebSocketAuthorizer(function=match.group(1), identity_sources=tuple(sources))
