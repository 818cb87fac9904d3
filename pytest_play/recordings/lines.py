"""Parse a recording's JSON with the line of every mapping (the loader keeps only the
lines of top-level steps; a `.side` file's commands are nested deeper)."""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..loader import Mapping
from ..loader.bounds import check_depth


def parse_with_lines(path: Path, text: str) -> Any:
    """The JSON value of `text`; every object is a `Mapping` that knows its line."""
    newlines = [index for index, char in enumerate(text) if char == "\n"]
    decoder = json.JSONDecoder()

    def parse_object(s_and_end, strict, scan_once, object_hook, object_pairs_hook, memo=None):
        start = s_and_end[1] - 1  # the `{`
        value, end = json.decoder.JSONObject(s_and_end, strict, scan_once, None, None, memo if memo is not None else {})
        return Mapping(value, line=bisect.bisect_right(newlines, start) + 1), end

    decoder.parse_object = parse_object
    scan = json.scanner.py_make_scanner(decoder)
    try:
        json.loads(text)  # the C decoder's error messages and limits first
        value, end = scan(text, json.decoder.WHITESPACE.match(text, 0).end())
    except json.JSONDecodeError as exc:
        raise ScenarioError.single(path, exc.lineno, f"invalid JSON: {exc.msg}") from None
    except (RecursionError, StopIteration):
        raise ScenarioError.single(path, None, "invalid JSON: nested too deeply") from None
    except ValueError as exc:
        raise ScenarioError.single(path, None, f"invalid JSON: {str(exc).split(';')[0]}") from None
    check_depth(path, [value])
    return value
