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


MAX_DEPTH = 64
"""Nesting deeper than any bank or assignment needs is refused before Python recurses through it."""
MAX_VALUES = 1_000_000
"""Values once aliases are expanded: a few lines of anchors must not become billions of values."""


class YAMLLimitError(yaml.MarkedYAMLError):
    """A document that parses but that quizgen refuses: a key given twice, too deep, too large."""

    def __init__(self, problem: str, node: yaml.Node) -> None:
        super().__init__(problem=problem, problem_mark=node.start_mark)


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _duplicate_key(node: yaml.MappingNode) -> None:
    seen: dict[tuple[str, str], yaml.Node] = {}
    for key, _ in node.value:
        if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
            continue
        first = seen.setdefault((key.tag, key.value), key)
        if first is not key:
            lines = f"lines {first.start_mark.line + 1} and {key.start_mark.line + 1}"
            raise YAMLLimitError(f"the key '{key.value}' is given twice ({lines}); keep one", key)


def check_tree(root: yaml.Node) -> None:
    """Refuse duplicate keys, nesting deeper than MAX_DEPTH and more than MAX_VALUES values.

    Iterative, and each node (an alias shares its anchor's) is visited once: the check costs no
    recursion and no more than the document's own size."""
    depth: dict[int, int] = {}
    size: dict[int, int] = {}
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, level, done = stack.pop()
        if done:
            size[id(node)] = min(MAX_VALUES + 1, 1 + sum(size[id(child)] for child in _children(node)))
            if size[id(node)] > MAX_VALUES:
                raise YAMLLimitError(f"more than {MAX_VALUES:,} values once its aliases are expanded", node)
            continue
        if depth.get(id(node), 0) >= level:
            continue
        depth[id(node)] = level
        if level > MAX_DEPTH:
            raise YAMLLimitError(f"nested more than {MAX_DEPTH} levels deep", node)
        if isinstance(node, yaml.MappingNode):
            _duplicate_key(node)
        stack.append((node, level, True))
        stack.extend((child, level + 1, False) for child in reversed(_children(node)))


def parse_with_nodes(text: str) -> tuple[Any, yaml.Node | None]:
    """Data and node tree of one YAML document, from one parse; raises yaml.YAMLError, also for
    a key given twice (naming both lines) and for nesting or aliases beyond the limits above."""
    loader = LOADER(text)
    try:
        root = loader.get_single_node()
        if root is not None:
            check_tree(root)
        data = loader.construct_document(root) if root is not None else None
    finally:
        loader.dispose()
    return data, root


def yaml_error_line(error: yaml.YAMLError, text: str = "") -> tuple[int, str]:
    """(line, one-line message) of a YAML error; ``text`` places a bad character's position."""
    mark = getattr(error, "problem_mark", None)
    if mark is not None:
        line = mark.line + 1
    elif isinstance(error, yaml.reader.ReaderError):
        line = text[: error.position].count("\n") + 1
    else:
        line = 1
    message = str(getattr(error, "problem", None) or error).strip()
    return line, (message.splitlines() or ["not YAML"])[0]
