"""YAML read with positions, so errors in bank and assignment files name their line."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import yaml
from pydantic import ValidationError


def node_at(node: yaml.Node, loc: Iterable[Any]) -> yaml.Node:
    """The node at a pydantic-style location, or the deepest one that exists."""
    for key in loc:
        if isinstance(node, yaml.MappingNode):
            match = next((v for k, v in node.value if k.value == str(key)), None)
            if match is None:
                key_node = next((k for k, _ in node.value if k.value == str(key)), None)
                return key_node or node
            node = match
        elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
            node = node.value[key]
        else:
            break
    return node


def key_line(node: yaml.Node | None, key: str) -> int | None:
    if isinstance(node, yaml.MappingNode):
        for k, _ in node.value:
            if k.value == key:
                return k.start_mark.line + 1
    return None


def error_locations(error: ValidationError, node: yaml.Node) -> list[tuple[int, str, str]]:
    """(line, field, message) for each pydantic error, placed on the YAML node it concerns."""
    found = []
    for err in error.errors():
        loc = [part for part in err["loc"] if not (isinstance(part, str) and part.startswith("function-"))]
        message = err["msg"].removeprefix("Value error, ")
        where = ".".join(str(p) for p in loc)
        line = node_at(node, loc).start_mark.line + 1
        if not loc and ": " in message:
            head, rest = message.split(": ", 1)
            line_of_key = key_line(node, head.split(".")[0])
            if line_of_key is not None or head.isidentifier():
                where, message, line = head, rest, line_of_key or line
        if err["type"] == "extra_forbidden":
            message = "unknown field"
        elif err["type"] == "missing":
            message = "required field is missing"
        found.append((line, where, message))
    return found


# libyaml's parser where PyYAML was built with it (the wheels are): the same nodes and line marks, faster.
LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_with_nodes(text: str) -> tuple[Any, yaml.Node | None]:
    """Data and node tree of one YAML document, from one parse; raises yaml.YAMLError."""
    loader = LOADER(text)
    try:
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return data, root


def yaml_error_line(error: yaml.YAMLError) -> tuple[int, str]:
    mark = getattr(error, "problem_mark", None)
    return (mark.line + 1 if mark else 1), str(getattr(error, "problem", None) or error)
