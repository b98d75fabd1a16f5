"""JSON as the readers take it: one-line errors for text that is not JSON, nested too deeply, or
that writes a key twice in one object (which ``json.loads`` would silently resolve to the last)."""

from __future__ import annotations

import json
import re
from typing import Any

from quizgen.errors import ModelFileError

MAX_DEPTH = 200
"""Deeper than any model file (a Keras JSON nests models in models a few dozen levels at most)."""

_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:]')


class _Duplicate(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _Duplicate(key)
            seen.add(key)
    return result


def _depth(value: Any) -> int:
    """How deeply ``value`` nests lists and objects, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        stack.extend((child, depth + 1) for child in children)
    return deepest


def _duplicate_line(text: str, key: str) -> int | None:
    """The line of the second ``key`` in one object (a scan of the text, only when there is one)."""
    objects: list[set[str] | None] = []  # per open bracket: an object's keys so far, None for a list
    last: tuple[str, int] | None = None
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in "{[":
            objects.append(set() if token == "{" else None)
        elif token in "}]":
            if objects:
                objects.pop()
        elif token == ":":
            keys = objects[-1] if objects else None
            if last is not None and keys is not None:
                if last[0] in keys and last[0] == key:
                    return text.count("\n", 0, last[1]) + 1
                keys.add(last[0])
        else:
            try:
                last = (json.loads(token), match.start())
            except ValueError:
                last = None
            continue
        last = None
    return None


def load_json(text: str, source: str, what: str = "JSON") -> Any:
    """The value ``text`` holds; a one-line ``ModelFileError`` naming ``source`` (and the line) if
    it is not JSON, nests deeper than ``MAX_DEPTH`` or writes a key twice in one object."""
    try:
        data = json.loads(text, object_pairs_hook=_pairs)
    except json.JSONDecodeError as error:
        raise ModelFileError(f"{source}:{error.lineno}: not {what}: {error.msg}") from None
    except RecursionError:
        raise ModelFileError(f"{source}: nested more than {MAX_DEPTH} levels deep: not {what} quizgen reads") from None
    except _Duplicate as duplicate:
        line = _duplicate_line(text, duplicate.key)
        where = f"{source}:{line}" if line else source
        raise ModelFileError(f"{where}: key {duplicate.key!r} is written twice in one object") from None
    if _depth(data) > MAX_DEPTH:
        raise ModelFileError(f"{source}: nested more than {MAX_DEPTH} levels deep: not {what} quizgen reads")
    return data
