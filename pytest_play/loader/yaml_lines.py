"""Parse YAML scenarios with libyaml, building mappings and lists that know their lines."""

from __future__ import annotations

import collections.abc
import contextlib
import gc
from pathlib import Path

import yaml

from ..errors import ScenarioError
from .bounds import MAX_DEPTH, TOO_DEEP, check_aliases, check_depth
from .values import Mapping, Sequence

_BaseLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_STR, _SEQ, _MAP, _MERGE = (f"tag:yaml.org,2002:{name}" for name in ("str", "seq", "map", "merge"))
# YAML that may nest deeper than this is checked before composing (the composer
# crashed the interpreter at about 30,000 levels).
_COMPOSER_SAFE = 10_000
_MAX_RESOLVED = 10_000


class YamlParser:
    """Parses YAML text; one parser remembers, across the files it parses, the
    implicit tag of each short plain scalar (scenarios repeat the same keys)."""

    def __init__(self):
        self.resolved: dict[str, str] = {}

    def parse(self, path: Path, text: str) -> list:
        """The documents of `text`; ScenarioError (with the line) when it is not valid."""
        # Each block level needs more indentation than the one around it (a
        # sequence under a key may share it), each flow level a bracket.
        bound = 2 * max(map(len, text.split("\n"))) + text.count("[") + text.count("{") + 2
        try:
            if bound > _COMPOSER_SAFE:
                _check_yaml_nesting(path, text)
            with gc_paused():  # a scenario is thousands of small objects and no cycles
                documents = self._load_all(text)
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
            check_aliases(path, documents)
        elif bound > MAX_DEPTH:
            check_depth(path, documents)
        return documents

    def _load_all(self, text: str) -> list:
        loader = _LineLoader(text)  # as yaml.load_all, with this parser's resolved tags
        loader.resolved = self.resolved
        try:
            documents = []
            while loader.check_data():
                documents.append(loader.get_data())
            return documents
        finally:
            loader.dispose()


def parse_yaml(path: Path, text: str) -> list:
    """The documents of `text`, parsed by a parser of its own."""
    return YamlParser().parse(path, text)


class _LineLoader(_BaseLoader):
    """Safe YAML loader whose mappings and lists know their lines.

    Strings, mappings and lists (nearly everything in a scenario) are built by
    `_build` directly from libyaml's nodes; other scalars (numbers, booleans,
    dates) and unusual tags go through PyYAML's safe constructors.
    """

    resolved: dict[str, str]  # plain scalar -> its implicit tag (YamlParser's)

    def resolve(self, kind, value, implicit):
        # Without path resolvers (a safe loader has none), a scalar's tag depends only on
        # its text when it is plain, and is always `str` when it is quoted.
        if kind is not yaml.ScalarNode or self.yaml_path_resolvers:
            return super().resolve(kind, value, implicit)
        if not implicit[0]:
            return _STR
        resolved = self.resolved
        tag = resolved.get(value)
        if tag is None:
            tag = super().resolve(kind, value, implicit)
            if len(value) <= 64 and len(resolved) < _MAX_RESOLVED:
                resolved[value] = tag
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


@contextlib.contextmanager
def gc_paused():
    """No garbage collection while building many small objects that form no cycles
    (each full pass would walk everything the session keeps)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _check_yaml_nesting(path: Path, text: str) -> None:
    """Refuse deep nesting from the event stream, before the recursive composer sees it."""
    depth = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ScenarioError.single(path, event.start_mark.line + 1, TOO_DEEP)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            depth -= 1
