"""pytest collection nodes: a scenario file, its test items, and the item a broken file becomes."""

from __future__ import annotations

from pathlib import Path

import pytest

from . import recordings
from .engine import Engine
from .errors import CheckFailed, PlayError, ScenarioError, StepFailure
from .ids import declared_names, row_ids
from .loader import Scenario, ScenarioLoader
from .playtext import session_policy
from .pytest_ids import parametrized_function
from .report import display_path, format_step_failure, item_masker
from .secrets import secret_values
from .trust import time_limit
from .validate import CompiledScenario, StepCompiler, provider_defaults
from .variables import scenario_variables, session_variables

try:
    from pytest_variables.plugin import variables_key
except ImportError:  # pragma: no cover - pytest-variables is a dependency
    variables_key = pytest.StashKey[dict]()

REGISTRY = pytest.StashKey()
SCENARIO = pytest.StashKey[tuple]()
ENGINE = pytest.StashKey[Engine]()


class ScenarioFile(pytest.File):
    """A `test_*.json|yml|yaml` file (or a Chrome Recorder flow), or a `test_*.side` project
    (one scenario per test): one item per scenario and test data row (and per --count)."""

    def collect(self):
        context = collection_context(self.config)
        try:
            compiled_all = []
            for name, scenario, defaults in load_file(context, self.path):
                known = context.known_variables
                if known is not None and defaults:
                    known = set(known) | set(defaults)
                compiled, problems = context.compiler.compile_scenario(scenario, known)
                if problems:
                    raise ScenarioError(self.path, problems)
                compiled_all.append((name, compiled, defaults))
        except ScenarioError as error:
            yield BrokenScenario.from_parent(self, name=self.path.stem, error=error)
            return
        for name, compiled, defaults in compiled_all:
            for item in scenario_items(self, compiled, context.count, name):
                if defaults:
                    item.stash[DEFAULTS] = defaults
                yield item


DEFAULTS = pytest.StashKey[dict]()  # variables a recording brings when the session lacks them


def load_file(context: CollectionContext, path: Path) -> list[tuple[str | None, Scenario, dict]]:
    """`(name, scenario, default variables)` of a file: ours or a Chrome Recorder flow
    (one, name None), or each test of a Selenium IDE project (see `recordings`)."""
    loader = context.loader
    if path.suffix == ".side":
        data = recordings.read_side(path, loader.read_text(path))
    else:
        documents = loader.read_documents(path)
        if not recordings.is_recording(path, documents):
            recordings.refuse_near_miss(path, documents)
            return [(None, loader.from_documents(path, documents), {})]
        data = documents[0]
    ini = loader.sidecars.sidecar(path)
    return [(recording.name, recordings.as_scenario(path, recording, ini),
             {"base_url": recording.origin} if recording.origin else {})
            for recording in recordings.recordings(path, data)]


class CollectionContext:
    """What every scenario file of a session is collected (and run) with, worked out once:
    the loader and the step compiler are the session's, kept in `config.stash`."""

    def __init__(self, config: pytest.Config):
        self.registry = config.stash[REGISTRY]
        # The variables as the engine will see them (`pytest-play:` merged in).
        variables, _ = scenario_variables(config.stash.get(variables_key, {}))
        # Provider defaults may supply required parameters.
        self.defaults = provider_defaults(variables, self.registry)
        # With --play-validate, the variable names `$references` may use.
        self.known_variables = (set(variables) | {"_elapsed", "variables"}
                                if config.getoption("play_validate", False) else None)
        self.count = repeat_count(config)
        self.loader = ScenarioLoader()
        self.compiler = StepCompiler(self.registry, self.defaults)


COLLECTION_CONTEXT = pytest.StashKey[CollectionContext]()


def collection_context(config: pytest.Config) -> CollectionContext:
    """The session's context, made at its first scenario file: after every
    `pytest_configure`, so the `--variables` files have been read."""
    context = config.stash.get(COLLECTION_CONTEXT, None)
    if context is None:
        context = config.stash[COLLECTION_CONTEXT] = CollectionContext(config)
    return context


def scenario_items(parent: pytest.Collector, compiled: CompiledScenario, count: int, name: str | None = None):
    """The items of a scenario: one per test data row, times `count` (pytest-repeat).
    `name`: the scenario's own name in its file (a Selenium IDE test's)."""
    scenario = compiled.scenario
    stem = parent.path.stem if name is None else item_name(name)
    if count == 1 and not scenario.metadata.test_data:  # most files: one item, no id to work out
        item = parametrized_function(ScenarioItem, parent, base=stem, params=None, callobj=run_scenario)
        item.stash[SCENARIO] = (compiled, None)
        add_markers(item, scenario)
        yield item
        return
    rows = list(scenario.metadata.test_data) or [None]
    ids = row_ids(rows, declared_names(parent.config))
    for row, row_id in zip(rows, ids):
        for repetition in range(count):
            suffix = [row_id] if row_id else []
            if count > 1:
                suffix.append(f"{repetition + 1}-{count}")
            item = parametrized_function(ScenarioItem, parent, base=stem, params="-".join(suffix) or None,
                                         callobj=run_scenario)
            item.stash[SCENARIO] = (compiled, row)
            add_markers(item, scenario)
            yield item


def item_name(name: str) -> str:
    """A recorded test's name as an item name: readable, one line, no brackets or `::`."""
    cleaned = " ".join(name.replace("::", ":").replace("[", "(").replace("]", ")").split())
    return cleaned or "unnamed"


def repeat_count(config: pytest.Config) -> int:
    """pytest-repeat's `--count`: its `pytest_generate_tests` never sees our items."""
    try:
        count = int(config.getoption("count", 1) or 1)
    except (ValueError, TypeError):
        return 1
    return max(count, 1)


def add_markers(item: pytest.Item, scenario: Scenario) -> None:
    metadata = scenario.metadata
    if not metadata.markers and metadata.skip is None and metadata.xfail is None:
        return
    for marker in metadata.markers:
        register_marker(item.config, marker)
        item.add_marker(marker)
    for key, mark in (("skip", pytest.mark.skip), ("xfail", pytest.mark.xfail)):
        value = getattr(metadata, key)
        if value is True or isinstance(value, str):
            reason = value if isinstance(value, str) else f"scenario marked {key}"
            item.add_marker(mark(reason=reason))
        elif isinstance(value, dict) and value.get("condition") is True:
            item.add_marker(mark(reason=value.get("reason") or f"scenario marked {key}"))


def register_marker(config: pytest.Config, name: str) -> None:
    registered = {line.split(":")[0].split("(")[0].strip() for line in config.getini("markers")}
    if name not in registered:
        config.addinivalue_line("markers", f"{name}: marker used by pytest-play scenarios")


def run_scenario(request: pytest.FixtureRequest) -> None:
    """The test function of every scenario item."""
    item = request.node
    compiled, row = item.stash[SCENARIO]
    scenario = compiled.scenario
    engine = make_engine(request, row, scenario.path)
    defaults = {k: v for k, v in item.stash.get(DEFAULTS, {}).items() if k not in engine.variables}
    if defaults:
        engine.update_variables(defaults)
    apply_conditions(request, engine, scenario)
    given = scenario.metadata.timeout
    if given is None:
        given = request.config.getoption("play_timeout", None)
    engine.run_scenario(compiled.steps, timeout=time_limit(given, engine.policy))


def make_engine(request: pytest.FixtureRequest, row: dict | None = None, path: Path | None = None) -> Engine:
    """An engine with the session's variables (and a test data row) for one test."""
    base, declared = session_variables(request)
    variables = dict(base)
    policy = session_policy(request.config, base)  # before the row: pasted rows allow no target
    if row:
        variables.update(row)
    context = collection_context(request.config)
    engine = Engine(context.registry, variables, request=request, compiler=context.compiler, loader=context.loader,
                    declared_secrets=declared, path=path, policy=policy)
    request.node.stash[ENGINE] = engine
    request.addfinalizer(engine.teardown)
    return engine


def apply_conditions(request, engine: Engine, scenario: Scenario) -> None:
    """`skip`/`xfail` metadata whose condition is an expression over the variables."""
    for key in ("skip", "xfail"):
        value = getattr(scenario.metadata, key)
        if not isinstance(value, dict) or not isinstance(value.get("condition"), str):
            continue
        if engine.condition(value["condition"]):
            reason = value.get("reason") or f"condition: {value['condition']}"
            if key == "skip":
                pytest.skip(reason)
            request.applymarker(pytest.mark.xfail(reason=reason, strict=bool(value.get("strict"))))


class ScenarioItem(pytest.Function):
    """One run of a scenario. A `pytest.Function`, so fixtures and plugins just work."""

    def reportinfo(self):
        """The scenario file, and (0-based) the line of its first step."""
        compiled, _ = self.stash[SCENARIO]
        steps = compiled.scenario.steps
        line = steps[0].line if steps else None
        return self.path, (line or 1) - 1, self.name

    def repr_failure(self, excinfo, style=None):
        """The failure as text; secrets are masked when the report is made (plugin.py)."""
        error = excinfo.value
        if isinstance(error, StepFailure):
            engine = self.stash.get(ENGINE, None)  # masked before values are cut
            mask = item_masker(self, engine, failure_secrets(error)) if engine is not None else str
            return format_step_failure(error, self.config, mask)
        if isinstance(error, (PlayError, CheckFailed)):
            return f"{display_path(self.config, self.path)}: {error}"
        return super().repr_failure(excinfo)  # pytest.Function's takes no style


def failure_secrets(error: BaseException | None) -> set[str]:
    """The secret values a failing step was rendered with (its report shows them)."""
    if isinstance(error, StepFailure) and isinstance(error.rendered, dict):
        return secret_values(error.rendered)
    return set()


class BrokenScenario(pytest.Item):
    """A file that can't be loaded: one failing item, so the other files still run."""

    def __init__(self, *, error: ScenarioError, **kwargs):
        super().__init__(**kwargs)
        self.error = error

    def runtest(self):
        raise self.error

    def reportinfo(self):
        return self.path, (self.error.line or 1) - 1, f"{self.name} (invalid scenario)"

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, ScenarioError):
            return self.repr_failure_text()
        return super().repr_failure(excinfo, style=style)

    def repr_failure_text(self) -> str:
        return self.error.format(display_path(self.config, self.path))
