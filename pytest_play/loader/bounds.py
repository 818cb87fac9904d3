"""Refuse parsed values that nest too deeply or expand too far (YAML aliases).

Every later walk over the values (validation, rendering) is recursive, so the
loader bounds them before anything else sees them.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import ScenarioError
from .values import line_of

MAX_VALUES = 1_000_000
# Deeper files are refused: every later walk over the values (validation,
# rendering) is recursive, and libyaml's composer overflows the C stack first.
MAX_DEPTH = 200
TOO_DEEP = f"values are nested more than {MAX_DEPTH} levels deep"


def check_depth(path: Path, documents: list) -> None:
    """Refuse values nested more than MAX_DEPTH levels (a tree: no aliases)."""
    level = [d for d in documents if isinstance(d, (dict, list))]
    for _ in range(MAX_DEPTH):
        inner = []
        for value in level:
            inner.extend([c for c in (value.values() if isinstance(value, dict) else value)
                          if isinstance(c, (dict, list))])
        if not inner:
            return
        level = inner
    raise ScenarioError.single(path, line_of(level[0]), TOO_DEEP)


def check_aliases(path: Path, documents: list) -> None:
    """Like `check_depth` where aliases share values: also refuses a value that
    contains itself, or a file that expands to too many values.

    Iterative, and each shared value is measured once.
    """
    height: dict[int, int] = {}  # id -> levels of nesting from this value down
    size: dict[int, int] = {}  # id -> values inside, aliases expanded
    open_ids: set[int] = set()
    pending = [(d, False) for d in documents if isinstance(d, (dict, list))]
    while pending:
        value, finished = pending.pop()
        key = id(value)
        children = value.values() if isinstance(value, dict) else value
        nested = [c for c in children if isinstance(c, (dict, list))]
        if finished:
            open_ids.discard(key)
            height[key] = 1 + max((height[id(c)] for c in nested), default=0)
            size[key] = 1 + len(value) - len(nested) + sum(size[id(c)] for c in nested)
            if height[key] > MAX_DEPTH:
                raise ScenarioError.single(path, line_of(value), TOO_DEEP)
            continue
        if key in height:
            continue
        if key in open_ids:
            raise ScenarioError.single(path, line_of(value), "a value contains itself (recursive YAML alias)")
        open_ids.add(key)
        pending.append((value, True))
        pending.extend((c, False) for c in nested if id(c) not in height)
    if sum(size.get(id(d), 1) for d in documents) > MAX_VALUES:
        raise ScenarioError.single(path, None, "file expands to too many values (YAML aliases)")
