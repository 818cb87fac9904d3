"""Everything pytest-play asks of pytest-bdd, in one place (one seam per outside dependency).

Public API: `scenarios`, `given`/`when`/`then`/`step` and `parsers.parse`. Both
put what they make (test functions, step fixtures) into the namespace of their
caller's frame, so they are called from code run in a module namespace of our
own (`exec`), which pytest then collects as if it were imported from a file.

Outside `pytest_bdd.__all__`: the field names of a pattern (the `parse`
library's Parser that `parsers.parse` keeps as `.parser`);
`pytest_bdd.feature.get_feature`, the parsed
feature (cached) that `scenarios` itself reads, to check a feature's steps
against the step library at collection; and the `_pytest_bdd_example`
parameter that pytest-bdd gives each Scenario Outline example, read from the
item's `callspec`. `pytest_bdd.exceptions.GherkinParseError` gives a bad
feature's line. tests/test_bdd_seam.py pins them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pytest_bdd import given, parsers, scenarios, step, then, when

DECORATORS = {"given": given, "when": when, "then": then}
EXAMPLE_PARAMETER = "_pytest_bdd_example"

# Code run in a namespace of ours, so that the caller's frame pytest-bdd writes into is it.
_BIND = compile("__play_scenarios__(__play_path__, features_base_dir=__play_base__)", "<pytest-play bdd>", "exec")
_DECORATE = compile("__play_decorator__(__play_function__)", "<pytest-play bdd>", "exec")


def bind_scenarios(namespace: dict, path: Path) -> None:
    """The test functions of every scenario of the feature file at `path`, into `namespace`."""
    helpers = {"__play_scenarios__": scenarios, "__play_path__": str(path), "__play_base__": str(path.parent)}
    _run(_BIND, namespace, helpers)


def define_step(namespace: dict, kind: str, pattern, function: Callable) -> None:
    """A pytest-bdd step definition (a fixture) for `pattern` (a text, or its
    `compile_pattern`), into `namespace`. `kind` is given, when, then, or step (any kind)."""
    parser = compile_pattern(pattern) if isinstance(pattern, str) else pattern
    decorator = step(parser) if kind == "step" else DECORATORS[kind](parser)
    _run(_DECORATE, namespace, {"__play_decorator__": decorator, "__play_function__": function})


def compile_pattern(pattern: str):
    """pytest-bdd's parser of a `parsers.parse` pattern; ValueError when it is not one."""
    return parsers.parse(pattern)


def pattern_fields(parser) -> tuple[tuple[str, ...], tuple]:
    """The named and the unnamed fields of a compiled pattern (of the `parse` library's
    Parser that pytest-bdd's `parsers.parse` holds as `.parser`)."""
    return tuple(parser.parser.named_fields), tuple(parser.parser.fixed_fields)


def _run(code, namespace: dict, helpers: dict) -> None:
    namespace.update(helpers)
    try:
        exec(code, namespace)
    finally:
        for name in helpers:
            namespace.pop(name, None)


@dataclass(frozen=True)
class FeatureStep:
    """A step of a scenario as it runs (an outline's example filled in)."""

    type: str  # given, when or then (And/But take the kind before them)
    text: str
    line: int
    keyword: str

    def shown(self) -> str:
        return f"{self.keyword.strip()} {self.text}"


def feature_steps(path: Path) -> Iterator[FeatureStep]:
    """Every step of every scenario (and example) of a feature, background included."""
    from pytest_bdd.feature import get_feature

    feature = get_feature(str(path.parent), path.name)
    for template in feature.scenarios.values():
        contexts = [context for examples in template.examples for context in examples.as_contexts()] or [{}]
        for context in contexts:
            for item in template.render(context).steps:
                yield FeatureStep(item.type, item.name, item.line_number, item.keyword)


def feature_tags(path: Path) -> set[str]:
    """The tags of a feature, its rules, scenarios and examples: pytest-bdd makes them markers."""
    from pytest_bdd.feature import get_feature

    feature = get_feature(str(path.parent), path.name)
    tags = set(feature.tags)
    for template in feature.scenarios.values():
        tags.update(template.tags)
        if template.rule is not None:
            tags.update(template.rule.tags)
        for examples in template.examples:
            tags.update(examples.tags or ())
    return tags


def parse_error(error: BaseException) -> tuple[int | None, str] | None:
    """`(line, message)` of pytest-bdd's error for a feature that is not valid Gherkin, else None."""
    from pytest_bdd.exceptions import GherkinParseError

    if isinstance(error, GherkinParseError):
        return error.line, str(error.message)
    return None


def example_of(item: pytest.Item) -> dict[str, Any]:
    """The Scenario Outline example an item runs ({} for a plain scenario)."""
    callspec = getattr(item, "callspec", None)
    params = getattr(callspec, "params", None) or {}
    example = params.get(EXAMPLE_PARAMETER)
    return dict(example) if isinstance(example, dict) else {}


def step_text(bdd_step) -> FeatureStep:
    """Our view of a pytest-bdd step object, as the hooks pass it."""
    return FeatureStep(bdd_step.type, bdd_step.name, bdd_step.line_number, bdd_step.keyword)


def feature_path(feature) -> Path:
    return Path(feature.filename)
