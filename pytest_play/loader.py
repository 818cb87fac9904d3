"""Read scenario files (JSON, YAML, sidecar .ini) into `Scenario` objects.

Parsing happens once per file. Every mapping keeps the line it started on, so
problems found later can still point at `file:line`.
"""

from __future__ import annotations

import collections.abc
import configparser
import contextlib
import gc
import json
import json.scanner
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import parsecache
from .errors import ScenarioError

SCENARIO_SUFFIXES = (".json", ".yml", ".yaml")
METADATA_KEYS = ("markers", "test_data", "skip", "xfail", "timeout")
# Keys of Selenium Builder's JSON format that carry no meaning for us.
IGNORED_KEYS = ("type", "seleniumVersion", "formatVersion", "$schema", "name", "description")
MAX_VALUES = 1_000_000
# Deeper files are refused: every later walk over the values (validation,
# rendering) is recursive, and libyaml's composer overflows the C stack first.
MAX_DEPTH = 200
# YAML that may nest deeper than this is checked before composing (the composer
# crashed the interpreter at about 30,000 levels).
_COMPOSER_SAFE = 10_000


class Mapping(dict):
    """A parsed mapping that remembers the line it started on.

    The engine also caches, per parsed step, the command it resolved to
    (`plan`), so nothing is looked up twice.
    """

    __slots__ = ("line", "plan")

    def __init__(self, *args, line: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.line = line
        self.plan = None


class Sequence(list):
    """A parsed list that remembers its line, and (YAML only) each item's line."""

    __slots__ = ("line", "lines")

    def __init__(self, *args, line: int | None = None, lines: list[int] | None = None):
        super().__init__(*args)
        self.line = line
        self.lines = lines


def line_of(value: Any, default: int | None = None) -> int | None:
    return getattr(value, "line", None) or default


@dataclass(frozen=True, eq=False)
class Step:
    """One step as written: its raw mapping, where it is, and its position."""

    data: dict
    path: Path
    line: int | None
    label: str  # "3", or "3.2" for the 2nd sub-command of step 3

    @property
    def type(self) -> Any:
        return self.data.get("type")

    @property
    def provider(self) -> Any:
        return self.data.get("provider")

    @property
    def comment(self) -> Any:
        return self.data.get("comment")

    def where(self) -> str:
        path = _relative(self.path)
        at = f"{path}:{self.line}" if self.line else path
        comment = f" ({self.comment})" if self.comment else ""
        return f"{at}: step {self.label}{comment}"


def _relative(path: Path) -> str:
    """`path` relative to the working directory when it is below it."""
    try:
        return str(path.relative_to(Path.cwd())) if path.is_absolute() else str(path)
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Metadata:
    markers: tuple[str, ...] = ()
    test_data: tuple[dict, ...] = ()
    skip: Any = None
    xfail: Any = None
    timeout: float | None = None
    line: int | None = None


@dataclass(frozen=True)
class Scenario:
    path: Path
    steps: tuple[Step, ...]
    metadata: Metadata = field(default_factory=Metadata)


def is_scenario_file(path: Path) -> bool:
    name = path.name
    return name.startswith("test_") and name.endswith(SCENARIO_SUFFIXES)


class SidecarIndex:
    """The `.ini` files of each directory, listed once: collecting a directory of
    scenarios then costs one listing instead of one lookup per file.

    Names are compared ignoring case, so a case-insensitive file system finds
    what `Path.is_file` would; elsewhere, a name that differs only in case is
    tried, found missing by `_read_ini` (configparser skips missing files), and
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
            return _sidecar(path)
        return path.with_suffix(".ini") if path.stem.casefold() in stems else None


def _sidecar(path: Path) -> Path | None:
    ini = path.with_suffix(".ini")
    return ini if ini.is_file() else None


def load_scenario(path: Path, text: str | None = None, sidecars: SidecarIndex | None = None) -> Scenario:
    """Parse a scenario file, and the `.ini` beside it if there is one.

    `sidecars`, when given, finds the `.ini` (collection passes one for the
    whole session).
    """
    if not isinstance(path, Path):
        path = Path(path)
    if text is not None:
        documents = parse_documents(path, text)
    else:
        data = _read_bytes(path)
        documents = parsecache.load(path, data)
        if documents is None:
            documents = parse_documents(path, _decode(path, data))
            parsecache.store(path, data, documents)
    metadata, steps = split_documents(path, documents)
    ini = sidecars.sidecar(path) if sidecars is not None else _sidecar(path)
    if ini is not None:
        metadata = _merge_metadata(metadata, _read_ini(ini))
    return Scenario(path, make_steps(path, steps), _metadata(path, metadata))


def load_text(text: str, path: Path) -> Scenario:
    """Parse pasted text that may be JSON or YAML (reported as `path`)."""
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        try:
            documents = [parse_json(path, text)]
        except ScenarioError as json_error:
            try:  # maybe YAML flow style (it forgives trailing commas)
                documents = parse_yaml(path, text)
            except ScenarioError:
                raise json_error from None  # it looks like JSON: the JSON error is the useful one
    else:
        documents = parse_yaml(path, text)
    metadata, steps = split_documents(path, documents)
    return Scenario(path, make_steps(path, steps), _metadata(path, metadata))


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ScenarioError.single(path, None, f"can't read file: {exc.strerror}") from None


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError.single(path, line, "file is not UTF-8 text") from None


def parse_documents(path: Path, text: str) -> list:
    if path.suffix == ".json":
        return [parse_json(path, text)]
    return parse_yaml(path, text)


# --- JSON, with line numbers -------------------------------------------------


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
        _check_depth(path, [data])
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


# --- YAML, with line numbers -------------------------------------------------

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_STR, _SEQ, _MAP, _MERGE = (f"tag:yaml.org,2002:{name}" for name in ("str", "seq", "map", "merge"))
_RESOLVED: dict[tuple, str] = {}  # plain scalar -> its implicit tag; scenarios repeat the same keys


class _LineLoader(_BaseLoader):
    """Safe YAML loader whose mappings and lists know their lines.

    Strings, mappings and lists (nearly everything in a scenario) are built by
    `_build` directly from libyaml's nodes; other scalars (numbers, booleans,
    dates) and unusual tags go through PyYAML's safe constructors.
    """

    def resolve(self, kind, value, implicit):
        if kind is not yaml.ScalarNode or len(value) > 64:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = _RESOLVED.get(key)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(_RESOLVED) < 10_000:
                _RESOLVED[key] = tag
        return tag

    def construct_document(self, node):
        try:
            return self._build(node, {})
        finally:
            self.constructed_objects, self.recursive_objects, self.state_generators = {}, {}, []

    def _build(self, node, built: dict):
        if isinstance(node, yaml.ScalarNode):
            return node.value if node.tag == _STR else self.construct_object(node, deep=True)
        known = built.get(id(node))
        if known is not None:  # an alias of a list or mapping built before
            return known
        line = node.start_mark.line + 1
        if node.tag == _SEQ:
            data = built[id(node)] = Sequence(line=line, lines=[item.start_mark.line + 1 for item in node.value])
            data.extend(self._build(item, built) for item in node.value)
            return data
        if node.tag == _MAP:
            if any(key.tag == _MERGE for key, _ in node.value):
                self.flatten_mapping(node)
            data = built[id(node)] = Mapping(line=line)
            for key_node, value_node in node.value:
                key = self._build(key_node, built)
                if not isinstance(key, collections.abc.Hashable):
                    raise yaml.constructor.ConstructorError(
                        "while constructing a mapping", node.start_mark, "found unhashable key", key_node.start_mark)
                data[key] = self._build(value_node, built)
            return data
        return self.construct_object(node, deep=True)  # !!set, !!omap, !!binary, ...

    def construct_object(self, node, deep=False):
        try:
            return super().construct_object(node, deep)
        except (yaml.YAMLError, RecursionError):
            raise
        except Exception as exc:  # PyYAML's own constructors fail on `2020-13-01`, `!!int ''`, ...
            tag = node.tag.rsplit(":", 1)[-1]
            value = f" {node.value[:40]!r}" if isinstance(node.value, str) else ""
            message = f"invalid {tag} value{value}: {exc}"
            raise yaml.constructor.ConstructorError(None, None, message, node.start_mark) from None


def parse_yaml(path: Path, text: str) -> list:
    # Each block level needs more indentation than the one around it (a
    # sequence under a key may share it), each flow level a bracket.
    bound = 2 * max(map(len, text.split("\n"))) + text.count("[") + text.count("{") + 2
    try:
        if bound > _COMPOSER_SAFE:
            _check_yaml_nesting(path, text)
        with _gc_paused():  # a scenario is thousands of small objects and no cycles
            documents = list(yaml.load_all(text, Loader=_LineLoader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "syntax error"
        raise ScenarioError.single(path, line, f"invalid YAML: {problem}") from None
    except yaml.YAMLError as exc:
        raise ScenarioError.single(path, None, f"invalid YAML: {exc}") from None
    except RecursionError:
        raise ScenarioError.single(path, None, "invalid YAML: nested too deeply") from None
    if "&" in text:  # anchors can make a small file expand enormously, or contain itself
        _check_aliases(path, documents)
    elif bound > MAX_DEPTH:
        _check_depth(path, documents)
    return documents


@contextlib.contextmanager
def _gc_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_TOO_DEEP = f"values are nested more than {MAX_DEPTH} levels deep"


def _check_yaml_nesting(path: Path, text: str) -> None:
    """Refuse deep nesting from the event stream, before the recursive composer sees it."""
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ScenarioError.single(path, event.start_mark.line + 1, _TOO_DEEP)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1


def _check_depth(path: Path, documents: list) -> None:
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
    raise ScenarioError.single(path, line_of(level[0]), _TOO_DEEP)


def _check_aliases(path: Path, documents: list) -> None:
    """Like `_check_depth` where aliases share values: also refuses a value that
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
                raise ScenarioError.single(path, line_of(value), _TOO_DEEP)
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


# --- documents -> metadata and steps -------------------------------------------


def split_documents(path: Path, documents: list) -> tuple[dict, Any]:
    """Return `(metadata, steps)` from the parsed documents of one file."""
    documents = [d for d in documents if d is not None]
    if not documents:
        raise ScenarioError.single(path, None, "no steps: the file is empty")
    if len(documents) > 2:
        line = line_of(documents[2])
        raise ScenarioError.single(
            path, line, f"expected at most 2 YAML documents (metadata, steps), found {len(documents)}"
        )
    metadata: dict = Mapping(line=1)
    if len(documents) == 2:
        metadata = documents[0]
        if not isinstance(metadata, dict):
            raise ScenarioError.single(
                path, line_of(metadata, 1), f"metadata must be a mapping, not {_kind(metadata)}"
            )
    body = documents[-1]
    if isinstance(body, list):
        return metadata, body
    if isinstance(body, dict):
        steps = body.get("steps")
        if steps is not None and not isinstance(steps, list):
            raise ScenarioError.single(path, line_of(body, 1), f"'steps' must be a list, not {_kind(steps)}")
        if "steps" not in body:
            raise ScenarioError.single(path, line_of(body, 1), "missing 'steps' list")
        extra = {k: v for k, v in body.items() if k in METADATA_KEYS}
        unknown = [k for k in body if k not in METADATA_KEYS and k not in IGNORED_KEYS and k != "steps"]
        if unknown:
            from .errors import did_you_mean

            key = unknown[0]
            hint = did_you_mean(str(key), METADATA_KEYS + ("steps",))
            raise ScenarioError.single(path, line_of(body, 1), f"unknown top-level key {key!r}{hint}")
        return _merge_metadata(metadata, extra), body["steps"]
    raise ScenarioError.single(
        path, line_of(body, 1), f"expected a list of steps or a mapping with 'steps', not {_kind(body)}"
    )


def make_steps(path: Path, raw_steps: Any, parent: Step | None = None) -> tuple[Step, ...]:
    """Wrap raw step mappings into `Step`s; structure is checked by the validator."""
    where = line_of(raw_steps, parent.line if parent else None)
    if not isinstance(raw_steps, list):
        raise ScenarioError.single(path, where, f"'steps' must be a list, not {_kind(raw_steps)}")
    prefix = f"{parent.label}." if parent else ""
    item_lines = getattr(raw_steps, "lines", None)
    steps = []
    for number, raw in enumerate(raw_steps, 1):
        label = f"{prefix}{number}"
        if not isinstance(raw, dict):
            line = item_lines[number - 1] if item_lines else where
            raise ScenarioError.single(
                path, line, f"step {label}: a step must be a mapping with a 'type', not {_kind(raw)}"
            )
        steps.append(Step(raw, path, line_of(raw, where), label))
    return tuple(steps)


def _kind(value: Any) -> str:
    names = {dict: "a mapping", list: "a list", str: "a string", bool: "a boolean", type(None): "null"}
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return "a number" if isinstance(value, (int, float)) else type(value).__name__


# --- metadata -------------------------------------------------------------------


def _read_ini(path: Path) -> dict:
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


def _merge_metadata(base: dict, extra: dict) -> dict:
    merged = Mapping(base, line=line_of(base, 1))
    for key, value in extra.items():
        if key == "markers":
            merged[key] = list(_as_list(base.get(key))) + list(_as_list(value))
        else:
            merged[key] = value
    return merged


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _metadata(path: Path, raw: dict) -> Metadata:
    line = line_of(raw, 1)
    unknown = [k for k in raw if k not in METADATA_KEYS]
    if unknown:
        from .errors import did_you_mean

        hint = did_you_mean(str(unknown[0]), METADATA_KEYS)
        raise ScenarioError.single(path, line, f"unknown metadata key {unknown[0]!r}{hint}")
    markers = _as_list(raw.get("markers"))
    for marker in markers:
        if not isinstance(marker, str) or not marker.isidentifier():
            raise ScenarioError.single(path, line, f"marker {marker!r} is not a valid name")
    rows = raw.get("test_data") or []
    if not isinstance(rows, list):
        raise ScenarioError.single(path, line, f"'test_data' must be a list of mappings, not {_kind(rows)}")
    for number, row in enumerate(rows, 1):
        if not isinstance(row, dict):
            raise ScenarioError.single(
                path, line_of(row, line), f"test_data row {number} must be a mapping, not {_kind(row)}"
            )
    for key in ("skip", "xfail"):
        _check_condition(path, line, key, raw.get(key))
    timeout = raw.get("timeout")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, (int, float))
                                or not math.isfinite(timeout) or timeout <= 0):
        raise ScenarioError.single(path, line, f"'timeout' must be a positive number of seconds, not {timeout!r}")
    return Metadata(tuple(markers), tuple(rows), raw.get("skip"), raw.get("xfail"), timeout, line)


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
