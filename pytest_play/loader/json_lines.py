"""Parse JSON scenarios with the C decoder, then find the line of each step."""

from __future__ import annotations

import json
import json.scanner
import re
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from .bounds import MAX_DEPTH, check_depth
from .values import Mapping, Sequence

_SPACE = re.compile(r"[ \t\n\r]*")
_SCAN = json.scanner.make_scanner(json.JSONDecoder())


def parse_json(path: Path, text: str) -> Any:
    """Parse with the C decoder, then find the line of each step.

    Only steps (the elements of the top-level `steps` list, or of a top-level
    list) get a line: that is all error messages need, and it keeps parsing
    nearly as fast as plain `json.loads`.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError.single(path, exc.lineno, f"invalid JSON: {exc.msg}") from None
    except RecursionError:
        raise ScenarioError.single(path, None, "invalid JSON: nested too deeply") from None
    except ValueError as exc:  # a number with more digits than Python converts
        raise ScenarioError.single(path, None, f"invalid JSON: {str(exc).split(';')[0]}") from None
    if text.count("[") + text.count("{") > MAX_DEPTH:
        check_depth(path, [data])
    start = _SPACE.match(text).end()
    if isinstance(data, dict):
        steps_starts = _steps_element_starts(text, start)
        data = Mapping(data, line=text.count("\n", 0, start) + 1)
        if steps_starts is not None and isinstance(data.get("steps"), list):
            data["steps"] = _with_lines(data["steps"], text, steps_starts)
    elif isinstance(data, list):
        data = _with_lines(data, text, _element_starts(text, start)[0])
    return data


def _with_lines(items: list, text: str, starts: list[int]) -> Sequence:
    lines = []
    line = 1
    counted = 0
    for index in starts:  # in order: count each newline once
        line += text.count("\n", counted, index)
        counted = index
        lines.append(line)
    wrapped = [Mapping(item, line=line) if isinstance(item, dict) else item for item, line in zip(items, lines)]
    return Sequence(wrapped, line=lines[0] if lines else None, lines=lines)


def _element_starts(text: str, index: int) -> tuple[list[int], int]:
    """Where each element of the JSON array starting at `index` begins, and where the array ends."""
    starts = []
    index = _SPACE.match(text, index + 1).end()
    while text[index] != "]":
        starts.append(index)
        _, index = _SCAN(text, index)
        index = _SPACE.match(text, index).end()
        if text[index] == ",":
            index = _SPACE.match(text, index + 1).end()
    return starts, index + 1


def _steps_element_starts(text: str, index: int) -> list[int] | None:
    """`_element_starts` of the top-level "steps" list (the last one wins, as in json)."""
    found = None
    index = _SPACE.match(text, index + 1).end()
    while text[index] != "}":
        key, index = _SCAN(text, index)
        index = _SPACE.match(text, index).end() + 1  # the colon
        index = _SPACE.match(text, index).end()
        if key == "steps" and text[index] == "[":
            found, index = _element_starts(text, index)
        else:
            _, index = _SCAN(text, index)
        index = _SPACE.match(text, index).end()
        if text[index] == ",":
            index = _SPACE.match(text, index + 1).end()
    return found
