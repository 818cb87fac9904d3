"""Check a scenario's steps against the providers' declared commands, before running.

Every problem is collected with its line, so one pass reports all of them.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .errors import ExpressionError, ScenarioError, did_you_mean
from .loader import Mapping, Scenario, Step, make_steps
from .registry import CommandSpec, ProviderRegistry
from .templating import compile_template, needs_rendering, references

Problem = tuple[int | None, str]
_MAX_PLANS = 256  # run plans kept per command (one that declares no parameters accepts any keys)


def validate_scenario(scenario: Scenario, registry: ProviderRegistry,
                      known_variables: Iterable[str] | None = None,
                      defaults: dict[str, dict] | None = None) -> list[Problem]:
    """All problems of a scenario.

    `known_variables` also checks `$references`; `defaults` are the provider
    defaults from the variables files, which may supply required parameters.
    """
    problems: list[Problem] = []
    for step in scenario.steps:
        problems.extend(validate_step(step, registry, defaults or {}))
    if known_variables is not None:
        problems.extend(_undefined_references(scenario, set(known_variables)))
    return problems


def validate_step(step: Step, registry: ProviderRegistry, defaults: dict[str, dict]) -> list[Problem]:
    data = step.data
    prefix = f"step {step.label}"
    if "type" not in data:
        hint = did_you_mean("type", [str(k) for k in data]) if data else ""
        return [(step.line, f"{prefix}: missing 'type'{hint}")]
    try:
        spec = registry.resolve(data.get("provider"), data["type"])
    except LookupError as exc:
        return [(step.line, f"{prefix}: {exc}")]
    problems = [(step.line, f"{prefix}: {message}")
                for message in check_parameters(spec, data, defaults=defaults.get(spec.provider))]
    if not problems and isinstance(data, Mapping):
        data.plan = make_plan(spec, data)  # what the engine needs to run it, worked out once
    for name in spec.step_lists:
        if isinstance(data.get(name), list):
            problems.extend(_validate_sub_steps(step, data[name], registry, defaults))
    return problems


def make_plan(spec: CommandSpec, data: dict) -> tuple:
    """`(spec, templated keys, keys to type-check once rendered)` of a valid step.

    Steps of one command mostly template the same keys: they share one plan
    (a suite's thousands of steps then keep a few tuples alive, not thousands).
    """
    templated = tuple(k for k, v in data.items() if k not in spec.raw_keys and needs_rendering(v))
    plans = spec.plans
    plan = plans.get(templated)
    if plan is None:
        # Expressions always render to text; only other rendered values need a type check.
        plan = (spec, templated, tuple(k for k in templated if k not in spec.text_keys))
        if len(plans) < _MAX_PLANS:
            plans[templated] = plan
    return plan


def _validate_sub_steps(parent: Step, raw: list, registry: ProviderRegistry, defaults) -> list[Problem]:
    try:
        sub_steps = make_steps(parent.path, raw, parent=parent)
    except ScenarioError as exc:
        return list(exc.problems)
    return [problem for sub in sub_steps for problem in validate_step(sub, registry, defaults)]


def check_parameters(spec: CommandSpec, data: dict, rendered: bool = False, defaults: Any = None) -> list[str]:
    """Messages about missing, unknown or mistyped parameters of one step.

    `defaults` (the provider's defaults, when a dict) may supply required parameters.
    Before rendering, a value with `$references` or `{! expressions !}` is only
    checked to compile: its type is known once rendered.
    """
    if spec.params is None:
        return []
    supplied = defaults if isinstance(defaults, dict) else {}
    messages = [f"{spec.type}: missing parameter {name!r}" for name in spec.required
                if name not in data and name not in supplied]
    for key, value in data.items():
        param = spec.allowed.get(key)
        if param is None:
            hint = did_you_mean(str(key), spec.allowed)
            messages.append(f"{spec.type}: unknown parameter {key!r}{hint}")
            continue
        if not rendered and isinstance(value, str):
            try:
                if compile_template(value) is not None:
                    continue
            except ExpressionError as exc:
                messages.append(f"{spec.type}: parameter {key!r}: {exc}")
                continue
        if not param.accepts(value):
            messages.append(f"{spec.type}: parameter {key!r} must be {param.describe()}, not {_show(value)}")
    return messages


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _undefined_references(scenario: Scenario, known: set[str]) -> list[Problem]:
    """`$name`s used before any variable, test data row or earlier step defines them."""
    defined = set(known)
    for row in scenario.metadata.test_data:
        defined.update(row)
    problems = []
    for step in scenario.steps:
        for name in references(step.data):
            if name not in defined:
                problems.append((step.line, f"step {step.label}: undefined variable {name!r}"
                                 f"{did_you_mean(name, defined)}"))
        defined.update(_names_defined_by(step.data))
    return problems


def _names_defined_by(data: dict) -> list[str]:
    """Variables a step stores, whatever its provider calls the key."""
    names = []
    for key in ("name", "variable"):
        value = data.get(key)
        if isinstance(value, str):
            names.append(value)
    for value in data.values():
        if isinstance(value, list):
            for sub in value:
                if isinstance(sub, dict):
                    names.extend(_names_defined_by(sub))
    return names
