"""moto's server in a process of its own: ``python -m local_stack.moto_process``.

Its own process keeps the emulated AWS state apart from any ``mock_aws`` used by tests in the process that
started the local stack. It prints ``PORT <n>`` once listening on 127.0.0.1 and exits when its standard
input closes (the local stack stopped, or died). ``python -m local_stack.moto_process PORT SWEEP_SECONDS``.

moto stores a table's TTL setting but never deletes expired items, so :func:`sweep_expired_items` does what
DynamoDB's background process does: it deletes items whose TTL attribute (a number of epoch seconds) is in the
past, but no more than five years in the past, which DynamoDB ignores too. DynamoDB deletes within a few days;
this process every ``SWEEP_SECONDS``, so tests that depend on expiry do not wait. It runs beside moto's backends
rather than through the API: a paginated Scan of a filled table cost moto ~0.7 s of CPU per sweep (5,000 items),
which stalled every other call. Deletions go through moto's table, so a stream sees them as REMOVE records.

The objects moto stores items as are kept out of Python's full garbage collections (:func:`_freeze_every`): with a
few thousand items stored, each full collection walked them all and paused every call for 50-180 ms (a
benchmark's p99 outliers), where DynamoDB has no such pauses.

moto's WSGI application is served by uvicorn rather than by moto's own Werkzeug server: Werkzeug closes the
connection after every response, so each AWS call paid for a new TCP connection and a new server thread
(GetItem p50 2.0 ms there, 1.6 ms here, measured from a boto3 client). The application runs in uvicorn's event loop
itself (:class:`InlineWSGI`), not in a thread pool: moto's work is pure Python under one GIL, so threads ran it no
faster, and handing each request to a thread and its response back cost two thread wake-ups per AWS call.
"""

import base64
import copy
import gc
import io
import json
import signal
import socket
import sys
import threading
import time
from datetime import datetime
from functools import cache, lru_cache
from typing import Any

import uvicorn
from moto import backends
from moto.core import responses
from moto.core.responses import ActionResult
from moto.dynamodb import models as dynamodb_models
from moto.dynamodb.models.dynamo_type import DynamoType
from moto.dynamodb.models.table import Table
from moto.dynamodb.models.utilities import dynamo_json_dump
from moto.dynamodb.parsing.expressions import UpdateExpressionParser
from moto.dynamodb.responses import DynamoResult
from moto.dynamodbstreams.responses import DynamoDBStreamsHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from uvicorn.middleware.wsgi import build_environ

_list_of_moto_modules = backends.list_of_moto_modules
FIVE_YEARS = 5 * 365 * 24 * 3600
FREEZE_SECONDS = 5.0


def speed_up_moto() -> None:
    """moto's server as it is, less work it repeats on every request (each change keeps its answers the same)."""
    # Every request listed moto's package directory (with a stat per entry) to recognise service names, and
    # listed the methods of the response class with inspect: a fifth of a GetItem's time. Neither changes.
    backends.list_of_moto_modules = cache(lambda: tuple(_list_of_moto_modules()))
    responses.method_names_from_class = cache(responses.method_names_from_class)
    # An UpdateExpression was parsed twice per UpdateItem. The parsed tree is only read (the validator works on a
    # deep copy of it), so one parse per distinct expression serves every request that sends it again.
    UpdateExpressionParser.make = staticmethod(lru_cache(maxsize=1024)(UpdateExpressionParser.make))  # type: ignore[method-assign]
    query_one_partition()
    back_up_only_transacted_items()
    # DynamoDB's results (and GetRecords') went through moto's generic serializer, which walks the API model for
    # every attribute of every item: a session's Query took 4.0 ms in process, GetRecords 36 ms for 30 records of
    # 12 KB, holding moto while other calls waited. They are already in the API's JSON shape (typed attribute
    # values), so they are dumped as they are: the same responses (a test compares), Query 1.3 ms.
    serialize = DynamoResult.execute_result

    def as_json(self: ActionResult, context: Any) -> Any:
        if not isinstance(self.result, dict):  # DescribeTable's result is moto's Table object
            return serialize(self, context)
        return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(self.result, default=_json_value)

    DynamoResult.execute_result = as_json  # type: ignore[method-assign]
    DynamoDBStreamsHandler.get_records = _get_records_as_json  # type: ignore[method-assign]


def _json_value(value: Any) -> Any:
    if isinstance(value, bytes):  # binary attribute values, which dynamo_to_dict leaves raw
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def _get_records_as_json(self: DynamoDBStreamsHandler) -> str:
    limit = self._get_param("Limit") or 1000
    return dynamo_json_dump(self.backend.get_records(self._get_param("ShardIterator"), limit))


def query_one_partition() -> None:
    """Make moto answer a DynamoDB Query in time proportional to what it reads, as DynamoDB does.

    moto's ``Table.query`` starts from ``all_items()``: every item of the table, sorted by key with DynamoType
    comparisons (each converting both values again), so one session's query went from 2 ms to 60 ms as a load
    run filled the table. Here a query of the table starts from the queried partition only, and a query of an
    index from the items whose index hash key matches, found through a map from each index hash key value to the
    items ever written with it (kept as items are put or updated; an entry whose item is gone or changed is
    dropped when a query finds it so). moto then filters, sorts, pages and projects them as before, so results,
    ordering and pagination stay moto's own. Sorting is by each key attribute's value
    converted once per item, which is what DynamoType's comparisons compare (key attributes are strings,
    numbers or binary). Scans are untouched.
    """
    original_query = Table.query
    original_all_items = Table.all_items
    scope = threading.local()

    def all_items(self: Table) -> list[Any]:
        items = getattr(scope, "items", None)
        return original_all_items(self) if items is None else items

    def query(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        if not self.range_key_attr:
            return original_query(self, hash_key, *args, **kwargs)
        index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
        if index_name:
            wanted = [(name, value.type, value.value) for name, value in kwargs.get("hash_key_conditions") or []]
            scope.items = _indexed_items(self, wanted)
        else:
            scope.items = list(self.items.get(hash_key, {}).values())
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            scope.items = None

    def sorted_items(self: Table, hash_key_attrs: list[str], range_key_attrs: list[Any], items: list[Any]) -> Any:
        names = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
        items.sort(key=lambda item: tuple(_sortable(item.attrs[name]) for name in names))
        return items

    original_put = Table.put_item
    original_update = dynamodb_models.DynamoDBBackend.update_item

    def put_item(self: Table, *args: Any, **kwargs: Any) -> Any:
        item = original_put(self, *args, **kwargs)
        _note_index_keys(self, item)
        return item

    def update_item(self: Any, table_name: str, *args: Any, **kwargs: Any) -> Any:
        item = original_update(self, table_name, *args, **kwargs)
        _note_index_keys(self.get_table(table_name), item)
        return item

    Table.all_items = all_items  # type: ignore[method-assign]
    Table.sorted_items = sorted_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
    Table.put_item = put_item  # type: ignore[method-assign]
    dynamodb_models.DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]


def _index_keys(table: Table) -> dict[tuple[str, str, Any], set[tuple[Any, Any]]]:
    """(index hash attribute, type, value) -> keys of the items written with it; built from the table once."""
    keys = table.__dict__.get("_index_keys")
    if keys is None:
        keys = table.__dict__["_index_keys"] = {}
        for partition in list(table.items.values()):
            for item in list(partition.values()):
                _note_index_keys(table, item)
    return keys


def _note_index_keys(table: Table, item: Any) -> None:
    if item is None or not table.range_key_attr:
        return
    keys = _index_keys(table)
    for index in [*table.global_indexes, *table.indexes]:
        name = index.schema[0]["AttributeName"]  # the index's hash key comes first
        value = item.attrs.get(name)
        if value is not None:
            keys.setdefault((name, value.type, value.value), set()).add((item.hash_key, item.range_key))


def _indexed_items(table: Table, wanted: list[tuple[str, str, Any]]) -> list[Any]:
    """The items whose attributes equal every ``(name, type, value)`` of ``wanted`` (an index's hash key)."""
    if not wanted:
        return [item for partition in list(table.items.values()) for item in list(partition.values())]
    found = []
    candidates = _index_keys(table).get(wanted[0], set())
    for hash_key, range_key in list(candidates):
        item = table.items.get(hash_key, {}).get(range_key)
        if item is not None and all(_equals(item.attrs.get(name), kind, value) for name, kind, value in wanted):
            found.append(item)
        elif item is None or not _equals(item.attrs.get(wanted[0][0]), wanted[0][1], wanted[0][2]):
            candidates.discard((hash_key, range_key))
    return found


def _equals(attribute: Any, kind: str, value: Any) -> bool:
    return attribute is not None and attribute.type == kind and attribute.value == value


def _sortable(attribute: Any) -> Any:
    return attribute.value if attribute.type in ("S", "B") else attribute.cast_value


def back_up_only_transacted_items() -> None:
    """Make a DynamoDB transaction cost what it writes, not what the table holds.

    Before a TransactWriteItems, moto backs up every table the transaction names with ``copy.deepcopy`` of the
    whole table, to restore it if the transaction is cancelled: an answer's transaction went from 2 ms to 200 ms as
    a benchmark filled the table. Here the backup is a new table object sharing the untouched items and holding
    its own copies of the items the transaction names, which is all a cancelled transaction can have changed:
    deep copies of those it updates (moto changes an item in place), the items themselves for those it puts or
    deletes (moto replaces or removes the object, never changes it). moto's own code still runs the transaction
    and restores the backup. Every other deep copy is the real one.
    """
    original = dynamodb_models.DynamoDBBackend.transact_write_items
    touched = threading.local()

    class BackupCopy:
        """Stands in for the ``copy`` module inside moto's DynamoDB backend."""

        def __getattr__(self, name: str) -> Any:
            return getattr(copy, name)

        def deepcopy(self, value: Any, memo: Any = None) -> Any:
            keys = getattr(touched, "keys", None)
            if isinstance(value, Table) and keys is not None:
                return _backup(value, keys.get(value.name, ()))
            return copy.deepcopy(value, memo)

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        keys: dict[str, list[tuple[Any, Any, bool]]] = {}
        for entry in transact_items:
            op_type, op = next(iter(entry.items()))
            table = self.tables.get(op.get("TableName"))
            attributes = op.get("Item" if op_type == "Put" else "Key") or {}
            if table is None or table.hash_key_attr not in attributes:
                continue
            range_value = attributes.get(table.range_key_attr) if table.range_key_attr else None
            hash_key = DynamoType(attributes[table.hash_key_attr])
            range_key = DynamoType(range_value) if range_value else None
            keys.setdefault(table.name, []).append((hash_key, range_key, op_type == "Update"))
        touched.keys = keys
        try:
            return original(self, transact_items)
        finally:
            touched.keys = None

    dynamodb_models.copy = BackupCopy()  # type: ignore[attr-defined]
    dynamodb_models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


def _backup(table: Table, keys: Any) -> Table:
    """A copy of ``table`` that shares its items except those at ``keys`` marked as changed in place, which are
    deep copies."""
    backup = copy.copy(table)
    backup.items = copy.copy(table.items)  # the same partitions, in a dict of their own
    copied: set[Any] = set()
    for hash_key, range_key, in_place in keys:
        if hash_key not in table.items:
            continue
        if not table.range_key_attr:
            backup.items[hash_key] = copy.deepcopy(table.items[hash_key]) if in_place else table.items[hash_key]
            continue
        if hash_key not in copied:  # one copy of a partition, however many of its items the transaction names
            backup.items[hash_key] = dict(table.items[hash_key])
            copied.add(hash_key)
        partition = backup.items[hash_key]
        if range_key in partition and in_place:
            partition[range_key] = copy.deepcopy(table.items[hash_key][range_key])
    return backup


def sweep_expired_items(now: float) -> int:
    """Delete every expired item of every table with TTL enabled; returns how many were deleted."""
    deleted = 0
    for account in list(dynamodb_models.dynamodb_backends.values()):
        for backend in list(account.values()):
            for table in list(backend.tables.values()):
                attribute = table.ttl.get("AttributeName")
                if table.ttl.get("TimeToLiveStatus") != "ENABLED" or not attribute:
                    continue
                partitions = list(table.items.values()) if table.range_key_attr else [dict(table.items)]
                for partition in partitions:
                    for item in list(partition.values()):
                        if _expired(item.attrs.get(attribute), now):
                            table.delete_item(item.hash_key, item.range_key)
                            deleted += 1
    return deleted


def _expired(attribute: DynamoType | None, now: float) -> bool:
    if attribute is None or attribute.type != "N":
        return False
    return now - FIVE_YEARS <= float(attribute.value) <= now


def _sweep_every(seconds: float, stop: threading.Event) -> None:
    while not stop.wait(seconds):
        try:
            sweep_expired_items(time.time())
        except Exception as exc:  # a table changed under the sweep: the next sweep sees the rest
            print(f"TTL sweep failed: {exc!r}", file=sys.stderr, flush=True)


def _freeze_every(seconds: float, stop: threading.Event) -> None:
    """Move what has survived so far (moto's modules, stored items) out of the garbage collector's generations.

    Stored items are freed by reference counting when deleted; a frozen object that later became cyclic garbage
    would stay, which a development server can afford.
    """
    while not stop.wait(seconds):
        gc.collect(1)  # young garbage first, so that little of it is frozen
        gc.freeze()


class InlineWSGI:
    """An ASGI application that runs a WSGI application in the event loop: the whole body is read, then the
    application runs to completion, then its response is sent."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        message = await receive()
        chunks = [message.get("body", b"")]
        more_body = message.get("more_body", False)
        while more_body:
            chunk = await receive()
            chunks.append(chunk.get("body", b""))
            more_body = chunk.get("more_body", False)
        body = io.BytesIO(b"".join(chunks))
        started: dict[str, Any] = {}

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [(name.encode("latin1"), value.encode("latin1")) for name, value in headers]

        result = self.app(build_environ(scope, message, body), start_response)
        try:
            content = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        await send({"type": "http.response.start", "status": started["status"], "headers": started["headers"]})
        await send({"type": "http.response.body", "body": content})


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    speed_up_moto()
    listener = socket.socket()
    listener.bind(("127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0))
    sweep_seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 5.0
    app = InlineWSGI(DomainDispatcherApplication(create_backend_app))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off"))
    serving = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    serving.start()
    while not server.started:
        if not serving.is_alive():
            sys.exit("moto's server failed to start")
        time.sleep(0.01)
    stopping = threading.Event()
    threading.Thread(target=_sweep_every, args=(sweep_seconds, stopping), name="ttl-sweeper", daemon=True).start()
    gc.freeze()  # what start-up loaded (moto's and botocore's models) stays
    threading.Thread(target=_freeze_every, args=(FREEZE_SECONDS, stopping), name="gc-freezer", daemon=True).start()
    print(f"PORT {listener.getsockname()[1]}", flush=True)
    sys.stdin.read()
    stopping.set()
    server.should_exit = True
    serving.join(timeout=5)


if __name__ == "__main__":
    main()
