"""Compile a scenario's steps against the providers' declared commands, before running.

Compiling checks each step (every problem is collected with its line, so one
pass reports all of them) and turns each valid one into an immutable
`CompiledStep`: its command, the keys to render, and its parameters parsed by
their kinds (`Param.parse`). The loader's values are never written to.
"""

from __future__ import annotations

import gc
import types
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import ExpressionError, ScenarioError, did_you_mean
from .expression_templates import ExpressionPart, compile_expression_template, is_whole_reference
from .expressions import MAX_TEXT
from .loader import Mapping as LineMapping
from .loader import Scenario, Step, make_steps
from .protocol import ParameterError
from .registry import CommandSpec, ProviderRegistry
from .templating import compile_template, needs_rendering, references

STRICT, WARN = "strict", "warn"  # what an unknown key is: a problem, or a warning (pytest-play 2.x ignored it)
UNKNOWN_KEYS = (STRICT, WARN)
Problem = tuple[int | None, str]
Plan = tuple  # (spec, templated keys, keys to type-check once rendered)
_MAX_PLANS = 256  # run plans kept per command (one that declares no parameters accepts any keys)
NOTHING_PARSED: Mapping[str, Any] = types.MappingProxyType({})


class UnknownKeyWarning(UserWarning):
    """A step's key that no parameter of its command has, ignored (`play_unknown_keys = warn`)."""


@dataclass(frozen=True, eq=False, slots=True)
class CompiledStep:
    """A valid step, worked out once: what running it needs besides the variables.

    `plan` is `(spec, templated, checked)`: the command, the keys whose values
    have something to render, and those of them to type-check once rendered.
    `parsed` holds the parameters their kind parsed (compiled expressions,
    locators), for those with nothing to render; `templates` the compiled
    templates of the text values to render, so running only renders them.
    """

    step: Step
    plan: Plan
    parsed: Mapping[str, Any]
    templates: Mapping[str, tuple]

    @property
    def spec(self) -> CommandSpec:
        return self.plan[0]


@dataclass(frozen=True, eq=False)
class CompiledScenario:
    """A scenario whose every step compiled."""

    scenario: Scenario
    steps: tuple[CompiledStep, ...]


class StepCompiler:
    """Compiles steps for one registry and one set of provider defaults.

    It remembers the compiled form of every parsed step (sub-steps included) by
    the identity of its mapping, so that a provider's sub-steps, built again from
    the same mappings at run time, find theirs.
    """

    def __init__(self, registry: ProviderRegistry, defaults: dict[str, dict] | None = None,
                 unknown_keys: str | None = None):
        self.registry = registry
        self.defaults = defaults or {}
        #: "strict" (an unknown key is a problem) or "warn" (a warning; the step runs without it).
        #: By default the session's choice, which the plugin keeps on the registry.
        self.unknown_keys = unknown_keys or getattr(registry, "unknown_keys", STRICT)
        #: `(path, line, message)` of each unknown key ignored (in "warn" mode).
        self.ignored: list[tuple[Any, int | None, str]] = []
        self._known: dict[int, tuple[dict, CompiledStep]] = {}

    def compile_scenario(self, scenario: Scenario, known_variables: Iterable[str] | None = None,
                         ) -> tuple[CompiledScenario | None, list[Problem]]:
        """The compiled scenario, or None and all its problems.

        `known_variables` also checks `$references`.
        """
        problems: list[Problem] = []
        compiled = []
        collecting = gc.isenabled()
        gc.disable()  # compiled steps and expressions: small objects, no cycles
        try:
            for step in scenario.steps:
                step_compiled, step_problems = self.compile_step(step)
                compiled.append(step_compiled)
                problems.extend(step_problems)
        finally:
            if collecting:
                gc.enable()
        if known_variables is not None:
            problems.extend(_undefined_references(scenario, set(known_variables)))
        if problems:
            return None, problems
        return CompiledScenario(scenario, tuple(compiled)), problems

    def compile_step(self, step: Step, defaults: Any = None) -> tuple[CompiledStep | None, list[Problem]]:
        """A step (and its sub-steps) compiled, or None with its problems.

        `defaults` (a dict) are the provider's defaults; by default the compiler's.
        """
        data = step.data
        if "type" not in data:
            hint = did_you_mean("type", [str(k) for k in data]) if data else ""
            return None, [(step.line, f"step {step.label}: missing 'type'{hint}")]
        try:
            spec = self.registry.resolve(data.get("provider"), data["type"])
        except LookupError as exc:
            return None, [(step.line, f"step {step.label}: {exc}")]
        if defaults is None:
            defaults = self.defaults.get(spec.provider)
        unknown: list[str] | None = [] if self.unknown_keys == WARN else None
        messages, templated, parsed, templates = examine(spec, data, defaults=defaults, unknown=unknown)
        problems = [(step.line, f"step {step.label}: {message}") for message in messages] if messages else []
        for name in spec.step_lists:
            if isinstance(data.get(name), list):
                problems.extend(self._compile_sub_steps(step, data[name]))
        run_as = step
        if unknown:
            problems.extend(self._ignore(step, spec, unknown))
            run_as = Step(LineMapping({k: v for k, v in data.items() if k not in unknown}, line=step.line),
                          step.path, step.line, step.label)
        if problems:
            return None, problems
        compiled = CompiledStep(run_as, shared_plan(spec, templated), parsed, templates)
        self._known[id(data)] = (data, compiled)
        return compiled, problems

    def _ignore(self, step: Step, spec: CommandSpec, keys: list[str]) -> list[Problem]:
        """Warn of each unknown key (the step runs without it, as in pytest-play 2.x); a
        warning that `-W error` turns into an exception is a problem, as in strict mode."""
        problems = []
        for key in keys:
            message = f"step {step.label}: {unknown_key_message(spec, step.data, key, ignored=True)}"
            self.ignored.append((step.path, step.line, message))
            try:
                warnings.warn_explicit(message, UnknownKeyWarning, str(step.path), step.line or 1,
                                       module="pytest_play.scenario")
            except Warning:
                problems.append((step.line, f"step {step.label}: {unknown_key_message(spec, step.data, key)}"))
        return problems

    def _compile_sub_steps(self, parent: Step, raw: list) -> list[Problem]:
        try:
            sub_steps = make_steps(parent.path, raw, parent=parent)
        except ScenarioError as exc:
            return list(exc.problems)
        return [problem for sub in sub_steps for problem in self.compile_step(sub)[1]]

    def known(self, data: dict) -> CompiledStep | None:
        """The compiled form of a parsed step mapping compiled before, if any."""
        entry = self._known.get(id(data))
        return entry[1] if entry is not None and entry[0] is data else None


def validate_scenario(scenario: Scenario, registry: ProviderRegistry,
                      known_variables: Iterable[str] | None = None,
                      defaults: dict[str, dict] | None = None) -> list[Problem]:
    """All problems of a scenario.

    `known_variables` also checks `$references`; `defaults` are the provider
    defaults from the variables files, which may supply required parameters.
    """
    return StepCompiler(registry, defaults).compile_scenario(scenario, known_variables)[1]


def provider_defaults(variables: Mapping[str, Any], registry: ProviderRegistry) -> dict[str, dict]:
    """The provider defaults among the variables (a mapping named after a provider):
    they may supply required parameters."""
    names = registry.names
    return {name: value for name, value in variables.items() if name in names and isinstance(value, dict)}


def shared_plan(spec: CommandSpec, templated: tuple[str, ...]) -> Plan:
    """Steps of one command mostly template the same keys: they share one plan
    (a suite's thousands of steps then keep a few tuples alive, not thousands)."""
    plans = spec.plans
    plan = plans.get(templated)
    if plan is None:
        # Expressions always render to text; only other rendered values need a type check.
        plan = (spec, templated, tuple(k for k in templated if k not in spec.text_keys))
        if len(plans) < _MAX_PLANS:
            plans[templated] = plan
    return plan


def check_parameters(spec: CommandSpec, data: dict, rendered: bool = False, defaults: Any = None) -> list[str]:
    """Messages about missing, unknown, mistyped or unparsable parameters of one step.

    `defaults` (the provider's defaults, when a dict) may supply required parameters.
    Before rendering, a value with `$references` or `{! expressions !}` is only
    checked to compile: its type is known once rendered.
    """
    return examine(spec, data, rendered, defaults)[0]


def examine(spec: CommandSpec, data: dict, rendered: bool = False, defaults: Any = None,
            unknown: list[str] | None = None,
            ) -> tuple[list[str], tuple[str, ...], Mapping[str, Any], Mapping[str, tuple]]:
    """`(messages, templated keys, parsed parameters, templates)` of one step, in one pass over it.

    Templated keys are those with something to render (parameters the provider
    renders itself excepted), and `templates` the compiled templates of those that
    are text; parsed parameters are those a kind parses and that have nothing to
    render. Rendered values are checked, never parsed. Unknown keys are messages,
    or, when `unknown` is a list, go there instead.
    """
    params = spec.params
    raw_keys = spec.raw_keys
    if params is None:  # undeclared: anything goes
        templated = () if rendered else tuple(k for k, v in data.items() if needs_rendering(v))
        return [], templated, NOTHING_PARSED, NOTHING_PARSED
    supplied = defaults if isinstance(defaults, dict) else {}
    messages = [f"{spec.type}: missing parameter {name!r}" for name in spec.required
                if name not in data and name not in supplied] if spec.required else []
    templated = []
    parsed = templates = None
    allowed = spec.allowed
    for key, value in data.items():
        param = allowed.get(key)
        if param is None:
            if unknown is not None:
                unknown.append(key)
            else:
                messages.append(unknown_key_message(spec, data, key))
            continue
        to_render = False
        if not rendered:
            if isinstance(value, str):
                try:
                    parts = compile_template(value)
                    if parts is not None and _is_expression(param, value) and not is_whole_reference(parts):
                        # `$name` in an expression is a value, resolved when it is evaluated.
                        compiled = _expression_template(value, key in raw_keys)
                        if key in raw_keys:  # its provider evaluates it as written
                            if compiled is not None:
                                if parsed is None:
                                    parsed = {}
                                parsed[key] = compiled
                            continue
                        parts = (ExpressionPart(compiled),)  # renders to text that carries it
                    if parts is not None:
                        if key not in raw_keys:
                            templated.append(key)
                            if templates is None:
                                templates = {}
                            templates[key] = parts
                        continue  # its type is known once rendered
                except ExpressionError as exc:
                    messages.append(f"{spec.type}: parameter {key!r}: {exc}")
                    continue
            elif isinstance(value, (dict, list)):
                try:
                    to_render = needs_rendering(value)
                except ExpressionError as exc:
                    messages.append(f"{spec.type}: parameter {key!r}: {exc}")
                    continue
                if to_render and key not in raw_keys:
                    templated.append(key)
        if not param.accepts(value):
            messages.append(f"{spec.type}: parameter {key!r} must be {param.describe()}, not {_show(value)}")
        elif not rendered and not to_render and param.parses:
            try:
                value = param.parse(value)
            except ParameterError as exc:
                messages.append(f"{spec.type}: parameter {key!r}: {exc}")
                continue
            if parsed is None:
                parsed = {}
            parsed[key] = value
    return (messages, tuple(templated), types.MappingProxyType(parsed) if parsed else NOTHING_PARSED,
            types.MappingProxyType(templates) if templates else NOTHING_PARSED)


def unknown_key_message(spec: CommandSpec, data: Mapping[str, Any], key: Any, ignored: bool = False) -> str:
    """"GET: unknown parameter 'x' (did you mean ...?)", and for a pytest-play 2.x key what replaces it."""
    message = f"{spec.type}: unknown parameter {key!r}"
    if ignored:
        message += " ignored (play_unknown_keys = warn)"
    message += did_you_mean(str(key), spec.allowed)
    replacement = legacy_replacement(spec, data, key)
    if replacement:
        message += f"; a pytest-play 2.x key: `python -m pytest_play.migrate` renames it to {replacement!r}"
        if not ignored:
            message += ", `play_unknown_keys = warn` ignores it as 2.x did"
    return message


def legacy_replacement(spec: CommandSpec, data: Mapping[str, Any], key: Any) -> str | None:
    """The key that replaces a pytest-play 2.x one on this step, when there is exactly one.

    `assert` is `assertion`; `expression` (on a command without one) is `variable_expression`
    when the step stores a `variable` without a source, else `assertion`.
    """
    allowed = spec.allowed
    if key in allowed:
        return None
    if key == "assert":
        wanted = "assertion"
    elif key == "expression":
        stores = data.get("variable") is not None and "variable_expression" not in data
        wanted = "variable_expression" if stores else "assertion"
    else:
        return None
    return wanted if wanted in allowed and wanted not in data else None


def _is_expression(param, text: str) -> bool:
    # Longer than the sandbox takes: rendered, then refused when run, as any other.
    return param.parser is None and "expression" in param.kinds and len(text) <= MAX_TEXT


def _expression_template(text: str, raw: bool):
    """The compiled expression; for a parameter its provider renders itself (`raw`), None
    when it doesn't compile: the provider renders it as text, as before."""
    if not raw:
        return compile_expression_template(text)
    try:
        return compile_expression_template(text)
    except ExpressionError:
        return None


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
        stored = _names_defined_by(step.data)
        for key, value in step.data.items():
            # A step's assertion is evaluated once its variable is stored (as pytest-play 2.x did).
            visible = defined.union(stored) if key in _CHECKED_AFTER_STORING else defined
            for name in references(value):
                if name not in visible:
                    problems.append((step.line, f"step {step.label}: undefined variable {name!r}"
                                     f"{did_you_mean(name, visible)}"))
        defined.update(stored)
    return problems


_CHECKED_AFTER_STORING = ("assertion",)


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
