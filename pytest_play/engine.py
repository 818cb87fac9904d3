"""The engine: holds a test's variables, renders each compiled step and hands it to its provider.

It implements `protocol.EngineProtocol`, the surface providers may use. Its
collaborators are given, not looked up: the registry, the step compiler and the
loader (pytest wires them up in `collect`), and the pytest request, which may be
None, so a provider can run without a pytest session.
"""

from __future__ import annotations

import gc
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any

from . import templating
from .errors import CheckFailed, PlayError, PlayTimeout, ScenarioError, StepError, StepFailure
from .expression_templates import compile_expression_template, is_whole_reference
from .expressions import Expression, compile_expression, make_lookup
from .hookspecs import FAILED, PASSED, SKIPPED, VERIFY_FAILED, StepInfo, StepOutcome
from .loader import ScenarioLoader, Step, make_steps
from .registry import CommandSpec, ProviderRegistry
from .secrets import Masker, masked_copy, secret_values
from .step_events import StepEvents, console_events, hook_events
from .trust import TRUSTED, Policy
from .validate import (NOTHING_PARSED, CompiledStep, StepCompiler, check_parameters, examine, provider_defaults,
                       shared_plan)
from .variables import Variables
from .waiting import alarm


class Engine:
    """Runs steps for one test. Build one per test item (or per `play` fixture)."""

    def __init__(self, registry: ProviderRegistry, variables: dict | None = None, *, request=None,
                 compiler: StepCompiler | None = None, loader: ScenarioLoader | None = None,
                 declared_secrets: Iterable[str] = (), path: Path | None = None, output=None,
                 policy: Policy = TRUSTED, events: StepEvents | None = None):
        self.registry = registry
        self.variables = Variables() if variables is None else Variables(variables)
        self._given = dict(self.variables)  # what the scenario started with (see run_step)
        self.request = request
        self.compiler = compiler if compiler is not None else StepCompiler(registry)
        self.loader = loader if loader is not None else ScenarioLoader()
        self.declared_secrets = set(declared_secrets)
        self.path = Path(path) if path else None
        self.policy = policy
        self.current_step: Step | None = None
        self.soft_failures: list[str] = []
        self.include_chain: list[Path] = [self.path] if self.path else []
        self._compiled: CompiledStep | None = None  # of the current step
        self._included: list[StepCompiler] = []  # the compilers of the files being included
        self._providers: dict[type, Any] = {}
        self._teardown: list[Callable[[], Any]] = []
        self._output = output
        # Who hears of each step: the test's hooks under pytest, else the [play] lines.
        if events is None:
            events = hook_events(request.node) if request is not None else console_events(output)
        self._events = events
        self._running: StepInfo | None = None  # the event of the current step
        self._evidence: list[tuple[str, Path]] = []  # what the current step produced
        self._secrets: tuple[int, frozenset[str]] | None = None  # (variables.version, the secret values)
        self._masker: tuple[frozenset[str], Masker] | None = None  # for those secret values
        self.shared = False  # the variables were handed out (the `play` fixture): nested changes go unseen

    # --- the pytest-play protocol -------------------------------------------

    def update_variables(self, extra_variables: Mapping[str, Any]) -> None:
        self.variables.update(extra_variables)

    def register_teardown_callback(self, callback: Callable[[], Any]) -> None:
        if callback not in self._teardown:
            self._teardown.append(callback)

    def parametrize(self, data: Any) -> Any:
        """Render `$variables` and `{! expressions !}` in a string (or any parsed value)."""
        return templating.render(data, self.variables)

    def parametrize_text(self, text: str) -> str:
        """Render a string, always returning text."""
        return templating.render_text(text, self.variables)

    def execute_command(self, command: Mapping[str, Any], **kwargs) -> Any:
        """Run one step given as a mapping; `kwargs` are visible to its expressions."""
        if isinstance(command, (Step, CompiledStep)):
            return self.run_step(command, **kwargs)
        if not isinstance(command, dict):
            raise StepError(f"a step must be a mapping with a 'type', not {type(command).__name__}")
        parent = self.current_step
        line = getattr(command, "line", None) or (parent.line if parent else None)
        path = parent.path if parent else (self.path or Path("<steps>"))
        label = f"{parent.label}.sub" if parent else "*"
        return self.run_step(Step(command, path, line, label), **kwargs)

    def execute(self, data: Any, extra_variables: Mapping[str, Any] | None = None) -> None:
        """Run parsed steps: a list of steps, or a mapping with `steps`."""
        if extra_variables:
            self.update_variables(extra_variables)
        raw_steps = data["steps"] if isinstance(data, dict) else data
        self.run_steps(make_steps(self.path or Path("<steps>"), raw_steps))

    def execute_raw(self, data: str, extra_variables: Mapping[str, Any] | None = None) -> None:
        """Run a scenario given as JSON or YAML text."""
        if extra_variables:
            self.update_variables(extra_variables)
        scenario = self.loader.load_text(data, self.path or Path("<text>"))
        self.run_steps(scenario.steps)

    def get_file_contents(self, *parts: str) -> str:
        return self.policy.readable(Path(*parts)).read_text(encoding="utf-8")

    # --- running ------------------------------------------------------------

    def run_steps(self, steps: Iterable[Step | CompiledStep]) -> None:
        for step in steps:
            self.run_step(step)

    def run_scenario(self, steps: Iterable[Step | CompiledStep], timeout: float | None = None) -> None:
        """Run a whole scenario within `timeout` seconds, then report deferred failures."""
        try:
            with alarm(timeout, lambda: PlayTimeout(f"scenario timed out after {timeout:g}s")):
                self.run_steps(steps)
        except MemoryError:  # outside a step's command (its log line, say)
            self._forget()
            raise PlayError("the scenario ran out of memory") from None
        if self.soft_failures:
            count = len(self.soft_failures)
            raise CheckFailed(f"{count} verification{'s' if count > 1 else ''} failed:\n"
                              + "\n".join(f"  - {f}" for f in self.soft_failures))

    def _forget(self) -> None:
        """Let go of what the scenario stored: after a MemoryError (e.g. a pasted run's
        limit), reporting the failure would run out of memory too."""
        self.variables.clear()
        self.variables.update(self._given)
        gc.collect()

    def soft_fail(self, message: str) -> None:
        """Record a failed verification: the scenario goes on and fails at the end."""
        where = self.current_step.where() if self.current_step else "scenario"
        self.soft_failures.append(f"{where}: {message}")
        self.log(f"verification failed: {message}")

    def run_step(self, step: Step | CompiledStep, **kwargs) -> Any:
        """Render a step and call its command: the one boundary where a failing step's
        error gets the step (file, line, rendered parameters) attached, as `StepFailure`,
        and where the step's events are sent."""
        if step.__class__ is CompiledStep:
            compiled = step
            step = compiled.step
        else:
            try:
                compiled = self._compile(step)
            except StepError as exc:
                raise StepFailure.of(step, step.data, exc) from None
        spec, templated, checked = compiled.plan
        data = step.data
        events = self._events
        previous, self.current_step = self.current_step, step
        previous_compiled, self._compiled = self._compiled, compiled
        parent, evidence = self._running, self._evidence
        info = self._running = self._step_info(step, spec, parent) if events.finish or events.start else None
        self._evidence = []
        failures = len(self.soft_failures)
        if events.start is not None:
            events.start(info)
        started = time.time()
        start = time.perf_counter()
        command: Any = data
        status, error = FAILED, None
        try:
            if "skip_condition" in data and self.condition(data["skip_condition"], **kwargs):
                status = SKIPPED
                return None
            command = self._render(data, spec, templated, checked, compiled.templates)
            result = getattr(self.provider(spec.provider_class), spec.method)(command, **kwargs)
            status = PASSED
            return result
        except StepFailure as exc:
            error = exc.cause
            raise
        except MemoryError as exc:
            self._forget()
            error = exc
            raise StepFailure.of(step, {"type": data.get("type")}, exc) from None
        except Exception as exc:
            error = exc
            raise StepFailure.of(step, command, exc) from exc
        finally:
            elapsed = time.perf_counter() - start
            dict.__setitem__(self.variables, "_elapsed", elapsed)  # a number: no secret to look for
            self.current_step = previous
            self._compiled = previous_compiled
            if status == PASSED and len(self.soft_failures) > failures:
                status, error = VERIFY_FAILED, "\n".join(self.soft_failures[failures:])
            if events.finish is not None:
                events.finish(info, StepOutcome(status, started, elapsed, command, error, tuple(self._evidence),
                                                self._masked))
            self._running, self._evidence = parent, evidence

    def _step_info(self, step: Step, spec: CommandSpec, parent: StepInfo | None) -> StepInfo:
        index = step.label
        if parent is not None and not index.startswith(parent.index + "."):
            index = f"{parent.index}.{index}"  # a step of an included file, or given by a Python step
        comment = step.data.get("comment")
        return StepInfo(step.path, step.line, index, 0 if parent is None else parent.depth + 1, spec.provider,
                        spec.type, "" if comment is None else str(comment), step.data, self._masked)

    def attach(self, kind: str, path: Path | str) -> None:
        """Name a file the current step produced as its evidence ("screenshot", "html" or
        "log"): reports attach it to the step."""
        self._evidence.append((kind, Path(path)))

    def _masked(self, value: Any) -> Any:
        """`value` (a step, a message) as reports show it: this test's secrets masked."""
        return masked_copy(value, self.mask)

    def parsed(self, name: str, default: Any = None) -> Any:
        """Parameter `name` of the current step as its kind parsed it at compile time."""
        compiled = self._compiled
        parsed = compiled.parsed if compiled is not None else NOTHING_PARSED
        return parsed.get(name, default)

    def provider(self, provider_class: type) -> Any:
        instance = self._providers.get(provider_class)
        if instance is None:
            instance = self._providers[provider_class] = provider_class(self)
        return instance

    def evaluate(self, expression: str, **names: Any) -> Any:
        """Evaluate a safe expression; `names` first, then variables, then helpers."""
        lookup = make_lookup(names, self.variables, {"variables": self.variables})
        return self._expression(expression).evaluate(lookup)

    def names_in(self, expression: str, **names: Any) -> dict[str, Any]:
        """The values of the names an expression uses, to explain a failure."""
        scope = {**self.variables, **names}
        return {n: scope[n] for n in self._expression(expression).names if n in scope}

    def _expression(self, text: str) -> Expression:
        """`text` compiled: by the current step's compilation when it is one of its parameters."""
        compiled = self._compiled
        if compiled is not None and compiled.parsed:
            for value in compiled.parsed.values():
                if value.__class__ is Expression and value.text == text:
                    return value
        return compile_expression(text)

    def secret_values(self) -> frozenset[str]:
        """This test's secret values as they are now (see `secrets.secret_values`).

        Worked out again only after a top-level change of the variables (every store
        is one), not for each of the test's writes and log lines; always, once the
        variables were handed to Python code, which may change them in place.
        """
        version = self.variables.version
        cached = self._secrets
        if cached is None or cached[0] != version or self.shared:
            cached = self._secrets = (version, frozenset(secret_values(self.variables, self.declared_secrets)))
        return cached[1]

    def masker(self, *extra: Iterable[str]) -> Masker:
        """Masks this test's secret values (as they are now), and any `extra` ones."""
        values = self.secret_values()
        if extra:
            return Masker(values.union(*extra))
        cached = self._masker
        if cached is None or cached[0] is not values:
            cached = self._masker = (values, Masker(values))
        return cached[1]

    def mask(self, text: str) -> str:
        return self.masker()(text)

    def log(self, message: str) -> None:
        # One write, so the test's masked output stream masks the line once.
        (self._output or sys.stdout).write(f"[play] {message}\n")

    def teardown(self) -> None:
        """Run teardown callbacks, last registered first; all run even if one fails."""
        errors = []
        while self._teardown:
            callback = self._teardown.pop()
            try:
                callback()
            except Exception as exc:
                errors.append(exc)
        if errors:
            raise errors[0]

    # --- helpers ----------------------------------------------------------------

    def _compile(self, step: Step) -> CompiledStep:
        """The compiled form of a step: from collection, from a file being included,
        or (steps given as plain dicts by Python callers) checked and compiled now."""
        data = step.data
        compiled = self.compiler.known(data)
        if compiled is not None:
            return compiled
        for compiler in reversed(self._included):
            compiled = compiler.known(data)
            if compiled is not None:
                return compiled
        try:
            spec = self.registry.resolve(data.get("provider"), data.get("type"))
        except LookupError as exc:
            raise StepError(str(exc)) from None
        problems, templated, parsed, templates = examine(spec, data, defaults=self.variables.get(spec.provider))
        if problems:
            raise StepError("; ".join(problems))
        return CompiledStep(step, shared_plan(spec, templated), parsed, templates)

    def _render(self, data: dict, spec: CommandSpec, templated: tuple[str, ...], checked: tuple[str, ...],
                templates: Mapping[str, tuple]) -> dict:
        if templated:
            command = templating.render_step(data, self.variables, templates, skip=spec.raw_keys, text=spec.text_keys)
        else:
            command = dict(data)
        defaults = self.variables.get(spec.provider)
        if isinstance(defaults, dict):
            command = merge(templating.render(defaults, self.variables), command)
            checked = tuple(command)
        if checked and spec.params:
            # Only rendered values can have changed type since validation;
            # required parameters may come from anywhere in the command.
            problems = check_parameters(spec, {k: command[k] for k in checked if k in command}, rendered=True,
                                        defaults=command)
            if problems:
                raise StepError("; ".join(problems))
        return command

    def condition(self, condition: str | bool, **names: Any) -> bool:
        """Whether a condition (`skip_condition`, metadata `skip`/`xfail`) holds.

        A `$name` inside it is a value, as in every expression (expression_templates);
        a condition that is only a reference takes its text from the variable.
        """
        if isinstance(condition, bool):
            return condition
        parts = templating.compile_template(condition)
        if parts and is_whole_reference(parts):
            return bool(self.evaluate(templating.render_text(condition, self.variables), **names))
        lookup = make_lookup(names, self.variables, {"variables": self.variables})
        return bool(compile_expression_template(condition).evaluate(lookup))

    # --- include support --------------------------------------------------------

    def include(self, reference: str) -> None:
        """Run the steps of another scenario file, sharing this test's variables."""
        base = self.include_chain[-1].parent if self.include_chain else Path.cwd()
        path = self.policy.includable(resolve_path(reference, base))
        chain = self.include_chain
        if path in chain:
            shown = " -> ".join(str(p) for p in chain + [path])
            raise StepError(f"include cycle: {shown}")
        try:
            scenario = self.loader.load(path)
        except ScenarioError as exc:
            raise StepError(f"can't include {reference!r}: {exc}") from None
        compiler = StepCompiler(self.registry, provider_defaults(self.variables, self.registry))
        compiled, problems = compiler.compile_scenario(scenario)
        if problems:
            raise StepError(f"can't include {reference!r}: {ScenarioError(path, problems)}")
        chain.append(path)
        self._included.append(compiler)
        try:
            self.run_steps(compiled.steps)
        finally:
            self._included.pop()
            chain.pop()


def resolve_path(reference: str, base: Path) -> Path:
    """A path relative to `base` (the including file's folder), else to the working directory."""
    candidate = Path(reference)
    if not candidate.is_absolute():
        relative = base / candidate
        candidate = relative if relative.exists() else Path.cwd() / candidate
    if not candidate.exists():
        raise StepError(f"file {reference!r} not found (looked in {base} and {os.getcwd()})")
    return candidate.resolve()


def merge(defaults: dict, command: dict) -> dict:
    """`command` deep-merged over `defaults` (command wins)."""
    merged = dict(defaults)
    for key, value in command.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value)
        else:
            merged[key] = value
    return merged
