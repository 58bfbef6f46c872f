"""The YAML of a workflow or action, with the line of every value.

Mappings load as :class:`Map`, sequences as :class:`Seq` and strings as
:class:`Str`; each knows the (1-based) line it starts on, and a :class:`Map`
knows the line of each of its keys, so every problem can point at its line.

Why PyYAML and not ruamel.yaml (both are in the tool environment): a
``SafeLoader`` subclass is about forty lines, and with libyaml
(``CSafeLoader``, used when PyYAML has it) it reads the six files of this
repository in about 30 ms, against about 300 ms for ruamel.yaml's round-trip
loader and 170 ms for its pure safe loader. ruamel.yaml records positions only
on mappings and sequences (``.lc``), not on scalars, so strings would need
wrapping all the same; its round-trip types also keep comments, which no rule
reads (a rule that needs a comment reads the line). The one thing ruamel.yaml
does for free, YAML 1.2's booleans (``on:`` is a key, not ``True``), takes
four lines here: only ``true``/``false`` are booleans, as for GitHub.
"""

import re
from typing import Any, Dict, List, Type, Union

import yaml

__all__ = [
    "Map",
    "Seq",
    "Str",
    "YAMLError",
    "as_map",
    "error_line",
    "line_of",
    "load_yaml",
]

YAMLError = yaml.YAMLError


class Map(Dict[Any, Any]):
    """A YAML mapping that knows its line and the line of each key."""

    line = 0

    def __init__(self) -> None:
        super().__init__()
        self.key_lines: Dict[Any, int] = {}

    def kline(self, key: Any) -> int:
        """The line of ``key``, or the mapping's own where the key is absent."""
        return self.key_lines.get(key, self.line)


class Seq(List[Any]):
    """A YAML sequence that knows its line."""

    line = 0


class Str(str):
    """A YAML string that knows its line."""

    line = 0


_Base: Type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc]
    """A safe loader keeping line numbers; ``on:`` stays a key, not True."""


_BOOL = "tag:yaml.org,2002:bool"
# YAML 1.1 reads on/off/yes/no as booleans; GitHub reads `on:` as a key.
_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != _BOOL]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_map(loader: yaml.SafeLoader, node: yaml.MappingNode) -> Map:
    loader.flatten_mapping(node)
    out = Map()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        out[key] = loader.construct_object(value_node, deep=True)
        out.key_lines[key] = key_node.start_mark.line + 1
    return out


def _construct_seq(loader: yaml.SafeLoader, node: yaml.SequenceNode) -> Seq:
    out = Seq(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    return out


def _construct_str(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Str:
    out = Str(loader.construct_scalar(node))
    out.line = node.start_mark.line + 1
    return out


_Loader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_Loader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)
_Loader.add_constructor("tag:yaml.org,2002:str", _construct_str)


def as_map(value: Any) -> Map:
    """``value`` if it is a mapping, else an empty one (for optional blocks)."""
    return value if isinstance(value, Map) else Map()


def load_yaml(text: str) -> Any:
    """The document in ``text``; raises :data:`YAMLError` when it is not YAML."""
    return yaml.load(text, Loader=_Loader)  # noqa: S506 (a SafeLoader subclass)


def error_line(exc: Exception) -> int:
    """The line a :data:`YAMLError` points at (1 when it points nowhere)."""
    mark = getattr(exc, "problem_mark", None)
    return int(mark.line) + 1 if mark is not None else 1


def line_of(obj: Union[Map, Seq, Str, object], default: int = 1) -> int:
    """The line of a loaded value, or ``default`` for one that has none."""
    return int(getattr(obj, "line", 0) or default)
