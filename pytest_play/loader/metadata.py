"""A scenario's metadata (markers, test data, skip, xfail, timeout), from the file
and from the `.ini` sidecar beside it."""

from __future__ import annotations

import configparser
import json
import math
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ScenarioError, did_you_mean
from .steps import METADATA_KEYS, as_list
from .values import Mapping, kind, line_of


@dataclass(frozen=True)
class Metadata:
    markers: tuple[str, ...] = ()
    test_data: tuple[dict, ...] = ()
    skip: Any = None
    xfail: Any = None
    timeout: float | None = None
    line: int | None = None
    testrail: tuple[str, ...] = ()  # TestRail case ids, "C93466" (see pytest_play.testrail)


class SidecarIndex:
    """The `.ini` files of each directory, listed once: collecting a directory of
    scenarios then costs one listing instead of one lookup per file.

    Names are compared ignoring case, so a case-insensitive file system finds
    what `Path.is_file` would; elsewhere, a name that differs only in case is
    tried, found missing by `read_ini` (configparser skips missing files), and
    changes nothing.
    """

    def __init__(self):
        self._stems: dict[str, frozenset[str] | None] = {}

    def sidecar(self, path: Path) -> Path | None:
        """The `.ini` beside `path`, if there may be one."""
        directory = os.path.dirname(path)
        stems = self._stems.get(directory, self)
        if stems is self:  # not listed yet
            try:
                stems = frozenset(name[:-4].casefold() for name in os.listdir(directory or ".")
                                  if name[-4:].casefold() == ".ini")
            except OSError:
                stems = None  # look each file up instead
            self._stems[directory] = stems
        if stems is None:
            return sidecar(path)
        return path.with_suffix(".ini") if path.stem.casefold() in stems else None


def sidecar(path: Path) -> Path | None:
    """The `.ini` beside `path`, looked up on its own."""
    ini = path.with_suffix(".ini")
    return ini if ini.is_file() else None


def read_ini(path: Path) -> dict:
    """The `[pytest]` section of a sidecar, as metadata."""
    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read(path, encoding="utf-8")
    except (configparser.Error, UnicodeDecodeError) as exc:
        raise ScenarioError.single(path, getattr(exc, "lineno", None), f"invalid .ini metadata: {exc}") from None
    if not parser.has_section("pytest"):
        return {}
    section = parser["pytest"]
    text = path.read_text(encoding="utf-8")
    metadata: dict = Mapping(line=1)
    if "markers" in section:
        metadata["markers"] = [m.strip() for m in section["markers"].split() if m.strip()]
    if "test_data" in section:
        rows = []
        for raw in section["test_data"].splitlines():
            raw = raw.strip()
            if not raw:
                continue
            line = _line_containing(text, raw)
            try:
                row = json.loads(raw)
            except json.JSONDecodeError as exc:
                raise ScenarioError.single(path, line, f"test_data row is not valid JSON: {exc.msg}") from None
            rows.append(Mapping(row, line=line) if isinstance(row, dict) else row)
        metadata["test_data"] = rows
    for key in ("skip", "xfail", "timeout"):
        if key in section:
            metadata[key] = yaml.safe_load(section[key])
    return metadata


def _line_containing(text: str, needle: str) -> int | None:
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else None


def make_metadata(path: Path, raw: dict) -> Metadata:
    """Check raw metadata and freeze it."""
    line = line_of(raw, 1)
    unknown = [k for k in raw if k not in METADATA_KEYS]
    if unknown:
        hint = did_you_mean(str(unknown[0]), METADATA_KEYS)
        raise ScenarioError.single(path, line, f"unknown metadata key {unknown[0]!r}{hint}")
    markers = as_list(raw.get("markers"))
    for marker in markers:
        if not isinstance(marker, str) or not marker.isidentifier():
            raise ScenarioError.single(path, line, f"marker {marker!r} is not a valid name")
    rows = raw.get("test_data") or []
    if not isinstance(rows, list):
        raise ScenarioError.single(path, line, f"'test_data' must be a list of mappings, not {kind(rows)}")
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise ScenarioError.single(
                path, line_of(row, line), f"test_data row {number} must be a mapping, not {kind(row)}"
            )
    for key in ("skip", "xfail"):
        _check_condition(path, line, key, raw.get(key))
    timeout = raw.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not math.isfinite(timeout) or timeout < 0):
        raise ScenarioError.single(path, line,
                                   f"'timeout' must be a number of seconds (0 for no limit), not {timeout!r}")
    cases = as_list(raw.get("testrail"))
    if any(isinstance(case, bool) or not re.fullmatch(r"[cC]?[0-9]{1,10}", str(case)) for case in cases):
        raise ScenarioError.single(path, line, f"'testrail' must be a case id such as C93466, or a list of them, "
                                               f"not {raw.get('testrail')!r}")
    return Metadata(tuple(markers), tuple(rows), raw.get("skip"), raw.get("xfail"), timeout, line,
                    tuple(f"C{int(str(case).lstrip('cC'))}" for case in cases))


def _check_condition(path: Path, line: int | None, key: str, value: Any) -> None:
    if value is None or isinstance(value, (bool, str)):
        return
    if isinstance(value, dict):
        allowed = {"condition", "reason", "strict"}
        unknown = set(value) - allowed
        if not unknown and isinstance(value.get("condition", ""), (str, bool)):
            return
    raise ScenarioError.single(
        path,
        line_of(value, line),
        f"'{key}' must be true/false, a reason, or {{condition: EXPRESSION, reason: TEXT}}",
    )
