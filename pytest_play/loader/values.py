"""The parsed values of a scenario file: mappings and lists that remember their line."""

from __future__ import annotations

from typing import Any


class Mapping(dict):
    """A parsed mapping that remembers the line it started on."""

    __slots__ = ("line",)

    def __init__(self, *args, line: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line


class Sequence(list):
    """A parsed list that remembers its line, and (YAML only) each item's line."""

    __slots__ = ("line", "lines")

    def __init__(self, *args, line: int | None = None, lines: list[int] | None = None):
        super().__init__(*args)
        self.line = line
        self.lines = lines


def line_of(value: Any, default: int | None = None) -> int | None:
    return getattr(value, "line", None) or default


def kind(value: Any) -> str:
    """What a value is, for messages: "a mapping", "a string", "null", ..."""
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    for type_, name in names.items():
        if isinstance(value, type_):
            return name
    return "a number" if isinstance(value, (int, float)) else type(value).__name__
