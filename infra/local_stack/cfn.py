"""CloudFormation YAML for local use: a loader for the short-form tags and a resolver of intrinsic functions.

The resolver answers what a value would be in the local stack (table names, queue URLs, ARNs in the local
account); values that only exist in a deployed stack (an API id, an image URI) raise :class:`Unresolvable`.
"""

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
PARTITION = "aws"
NO_VALUE = object()


class TemplateError(ValueError):
    """The template cannot be read or uses something the local stack does not support."""


class Unresolvable(LookupError):
    """A value that only exists in a deployed stack."""


class _Loader(yaml.SafeLoader):
    """SafeLoader that turns ``!Ref x`` into ``{"Ref": "x"}`` and ``!Sub s`` into ``{"Fn::Sub": s}``."""


def _construct_tag(loader: _Loader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    if suffix in ("Ref", "Condition"):
        return {suffix: value}
    if suffix == "GetAtt" and isinstance(value, str):
        value = value.split(".", 1)
    return {f"Fn::{suffix}": value}


_Loader.add_multi_constructor("!", _construct_tag)


def load_yaml(text: str) -> dict[str, Any]:
    """Parse a CloudFormation template written in YAML (short-form tags included)."""
    document = yaml.load(text, Loader=_Loader)
    if not isinstance(document, dict) or "Resources" not in document:
        raise TemplateError("The template has no Resources section.")
    return document


_SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


@dataclass
class Resolver:
    """Evaluates intrinsic functions against local values.

    ``refs`` maps a logical id (or parameter name) to what ``Ref`` returns; ``attributes`` maps
    ``(logical id, attribute)`` to what ``Fn::GetAtt`` returns.
    """

    refs: dict[str, str] = field(default_factory=dict)
    attributes: dict[tuple[str, str], str] = field(default_factory=dict)
    conditions: Mapping[str, Any] = field(default_factory=dict)
    mappings: Mapping[str, Any] = field(default_factory=dict)
    stack_name: str = "local"

    def __post_init__(self) -> None:
        self._functions: dict[str, Callable[[Any], Any]] = {
            "Ref": self._ref,
            "Fn::Sub": self._sub,
            "Fn::GetAtt": self._get_att,
            "Fn::Join": self._join,
            "Fn::Select": self._select,
            "Fn::Split": self._split,
            "Fn::If": self._if,
            "Fn::FindInMap": self._find_in_map,
            "Condition": lambda name: self.condition(name),
            "Fn::Equals": lambda args: self.resolve(args[0]) == self.resolve(args[1]),
            "Fn::Not": lambda args: not self._truth(args[0]),
            "Fn::And": lambda args: all(self._truth(a) for a in args),
            "Fn::Or": lambda args: any(self._truth(a) for a in args),
        }

    def pseudo(self, name: str) -> str:
        values = {
            "AWS::Region": REGION,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::Partition": PARTITION,
            "AWS::StackName": self.stack_name,
            "AWS::URLSuffix": "amazonaws.com",
        }
        if name not in values:
            raise Unresolvable(name)
        return values[name]

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic function evaluated; ``AWS::NoValue`` entries are dropped."""
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, arg),) = value.items()
                if key in self._functions:
                    return self._functions[key](arg)
                if key.startswith("Fn::"):
                    raise Unresolvable(key)
            out = {k: self.resolve(v) for k, v in value.items()}
            return {k: v for k, v in out.items() if v is not NO_VALUE}
        if isinstance(value, list):
            return [v for v in (self.resolve(item) for item in value) if v is not NO_VALUE]
        return value

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            raise TemplateError(f"Unknown condition '{name}'.")
        return self._truth(self.conditions[name])

    def _truth(self, value: Any) -> bool:
        result = self.resolve(value)
        if not isinstance(result, bool):
            raise TemplateError(f"A condition must evaluate to true or false, not {result!r}.")
        return result

    def _ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return NO_VALUE
        if name.startswith("AWS::"):
            return self.pseudo(name)
        if name not in self.refs:
            raise Unresolvable(name)
        return self.refs[name]

    def _get_att(self, arg: list[str] | str) -> str:
        logical_id, attribute = arg.split(".", 1) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))
        if (logical_id, attribute) not in self.attributes:
            raise Unresolvable(f"{logical_id}.{attribute}")
        return self.attributes[(logical_id, attribute)]

    def _sub(self, arg: str | list[Any]) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], self.resolve(arg[1]))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return str(self._get_att(name))
            return str(self._ref(name))

        return _SUB_VARIABLE.sub(replace, text)

    def _join(self, arg: list[Any]) -> str:
        delimiter, items = arg
        return str(delimiter).join(str(v) for v in self.resolve(items))

    def _select(self, arg: list[Any]) -> Any:
        index, items = self.resolve(arg[0]), self.resolve(arg[1])
        return items[int(index)]

    def _split(self, arg: list[Any]) -> list[str]:
        return str(self.resolve(arg[1])).split(arg[0])

    def _if(self, arg: list[Any]) -> Any:
        name, when_true, when_false = arg
        return self.resolve(when_true if self.condition(name) else when_false)

    def _find_in_map(self, arg: list[Any]) -> Any:
        name, first, second = (self.resolve(a) for a in arg)
        try:
            return self.mappings[name][first][second]
        except KeyError as exc:
            raise TemplateError(f"Fn::FindInMap found nothing for {name}/{first}/{second}.") from exc
