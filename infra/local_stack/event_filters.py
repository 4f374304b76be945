"""Lambda event filtering (an event source mapping's ``FilterCriteria``), as the local stream poller applies it.

A pattern is a JSON object shaped like the records it selects: an object key descends into the record, a list
holds the conditions a value may meet (any one suffices; a list value matches if any element does). Conditions:
an exact string, number or null; ``prefix``, ``suffix``, ``equals-ignore-case``; ``anything-but`` (a value or a
list of values); ``exists`` (true or false); ``numeric`` (``[">", 0, "<=", 5]``). A record passes a mapping
whose filters it matches any of. Other operators are refused when the template is read, not ignored.
"""

import operator
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from local_stack.cfn import TemplateError

_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_MISSING = object()


def check_pattern(pattern: Any) -> dict[str, Any]:
    """``pattern`` if every condition in it is one this module applies; :class:`TemplateError` otherwise."""
    if not isinstance(pattern, dict):
        raise TemplateError(f"A filter pattern must be a JSON object, not {pattern!r}.")
    for value in pattern.values():
        if isinstance(value, dict):
            check_pattern(value)
        elif isinstance(value, list):
            for condition in value:
                if isinstance(condition, dict) and (len(condition) != 1 or next(iter(condition)) not in _OPERATORS):
                    raise TemplateError(f"Filter condition {condition!r} is not emulated locally.")
        else:
            raise TemplateError(f"A filter pattern's values are objects or lists of conditions, not {value!r}.")
    return pattern


def matches_any(patterns: Sequence[Mapping[str, Any]], record: Mapping[str, Any]) -> bool:
    """Whether ``record`` passes filters ``patterns`` (no filters: every record passes)."""
    return not patterns or any(matches(pattern, record) for pattern in patterns)


def matches(pattern: Mapping[str, Any], record: Mapping[str, Any]) -> bool:
    """Whether ``record`` matches one pattern."""
    for key, expected in pattern.items():
        value = record.get(key, _MISSING) if isinstance(record, Mapping) else _MISSING
        if isinstance(expected, dict):  # a missing object is empty: only ``exists: false`` conditions hold in it
            if not matches(expected, value if isinstance(value, Mapping) else {}):
                return False
        elif not any(_meets(condition, value) for condition in expected):
            return False
    return True


def _meets(condition: Any, value: Any) -> bool:
    if isinstance(condition, dict):
        name, argument = next(iter(condition.items()))
        if name == "exists":
            return (value is not _MISSING) == bool(argument)
        values = value if isinstance(value, list) else [value]
        return value is not _MISSING and any(_OPERATORS[name](argument, v) for v in values)
    values = value if isinstance(value, list) else [value]
    return any(v == condition and isinstance(v, str) == isinstance(condition, str) for v in values)


def _anything_but(argument: Any, value: Any) -> bool:
    excluded = argument if isinstance(argument, list) else [argument]
    return value not in excluded


def _numeric(argument: Sequence[Any], value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    pairs = zip(argument[::2], argument[1::2], strict=True)
    return all(_COMPARISONS[op](value, bound) for op, bound in pairs)


_OPERATORS: dict[str, Callable[[Any, Any], bool]] = {
    "prefix": lambda argument, value: isinstance(value, str) and value.startswith(argument),
    "suffix": lambda argument, value: isinstance(value, str) and value.endswith(argument),
    "equals-ignore-case": lambda argument, value: isinstance(value, str) and value.lower() == argument.lower(),
    "anything-but": _anything_but,
    "numeric": _numeric,
    "exists": lambda argument, value: True,  # decided in _meets, where a missing key is visible
}
