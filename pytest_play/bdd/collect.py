"""A `.feature` file collected without a Python test module: its scenarios become
pytest-bdd tests, its steps are served by the YAML step library."""

from __future__ import annotations

import inspect
import types
from pathlib import Path

import pytest

from ..collect import BrokenScenario, collection_context, register_marker
from ..errors import ScenarioError
from ..report import display_path
from ..trust import time_limit
from . import seam
from .library import Entry, Library, LibraryLoader, library_files

FEATURE_PATHS = pytest.StashKey[tuple]()  # (features, step library paths), resolved
LIBRARIES = pytest.StashKey[LibraryLoader]()


class FeatureFile(pytest.Module):
    """A `.feature` file as a test module made of its scenarios (pytest-bdd's
    `scenarios`) and its step library's definitions, so that pytest's own
    collection gives the items their outline parametrization, tags, and fixtures."""

    library: Library | None = None

    def collect(self):
        try:
            library = self.library = self._library()
            problems = [self._where(path, line) + message for path, line, message in library.problems]
            if not problems:  # a pattern defined twice would make every step that uses it ambiguous
                problems = self._ambiguous(library)
            if not problems:
                self.obj  # noqa: B018  (binds the scenarios: a broken feature fails here)
        except Exception as error:  # pytest-bdd's errors share no base class
            problems = [self._feature_error(error)]
        if problems:
            return [BrokenFeature.from_parent(self, name=self.path.name, message="\n".join(problems))]
        return super().collect()

    def _getobj(self):
        """The module pytest collects (pytest's documented override: `PyobjMixin._getobj`).
        Made once: pytest also calls this directly (`collect_imported_tests = false`)."""
        module = self.__dict__.get("_feature_module")
        if module is None:
            module = self._feature_module = self._make_module()
        return module

    def _make_module(self) -> types.ModuleType:
        module = types.ModuleType(f"pytest_play_feature_{self.path.stem}")
        module.__file__ = str(self.path)
        namespace = module.__dict__
        for entry in self.library.entries:
            seam.define_step(namespace, entry.kind, entry.parser, step_function(entry))
        for tag in sorted(seam.feature_tags(self.path)):  # before pytest-bdd marks the tests with them
            register_marker(self.config, tag)
        seam.bind_scenarios(namespace, self.path)
        for name, value in list(namespace.items()):
            if name.startswith("test_") and callable(value):
                value.__module__ = module.__name__  # collected even with collect_imported_tests = false
        return module

    def _library(self) -> Library:
        config = self.config
        loader = config.stash.get(LIBRARIES, None)
        if loader is None:
            context = collection_context(config)
            loader = config.stash[LIBRARIES] = LibraryLoader(context.loader, context.compiler)
        _, configured = config.stash[FEATURE_PATHS]
        return loader.library(library_files(self.path.resolve(), config.rootpath.resolve(), list(configured)))

    def _ambiguous(self, library: Library) -> list[str]:
        """A step of this feature that two library entries match: which one runs is undecided."""
        problems: dict[tuple[int, str], str] = {}
        for step in seam.feature_steps(self.path):
            matching = library.matching(step.type, step.text)
            if len(matching) > 1 and (step.line, step.text) not in problems:
                listed = ", ".join(self._entry(entry) for entry in matching)
                problems[(step.line, step.text)] = (
                    f"{self._where(self.path, step.line)}step {step.shown()!r} matches {len(matching)} "
                    f"step library entries: {listed}; make the patterns differ")
        return list(problems.values())

    def _feature_error(self, error: Exception) -> str:
        parsed = seam.parse_error(error)
        if parsed is not None:
            line, message = parsed
            return f"{self._where(self.path, line)}invalid Gherkin: {message}"
        return f"{self._where(self.path, None)}{type(error).__name__}: {error}"

    def _entry(self, entry: Entry) -> str:
        return f"{entry.describe()} ({entry.where(display_path(self.config, entry.path))})"

    def _where(self, path: Path, line: int | None) -> str:
        shown = display_path(self.config, path)
        return f"{shown}:{line}: " if line else f"{shown}: "


class BrokenFeature(BrokenScenario):
    """A feature (or its step library) that can't be used: one failing item, so the
    other features still run, and `--play-validate` lists its problems."""

    def __init__(self, *, message: str, **kwargs):
        lines = message.splitlines()
        super().__init__(error=ScenarioError(kwargs["parent"].path, [(None, line) for line in lines]), **kwargs)
        self.message = message

    def reportinfo(self):
        return self.path, 0, f"{self.name} (invalid feature or step library)"

    def repr_failure_text(self) -> str:
        return self.message


def step_function(entry: Entry):
    """The step definition of a library entry: the parsed fields (and the step's data
    table or doc string) become variables, then the entry's steps run, within the time
    limit of --play-timeout, with `include` paths relative to the library file."""

    def run_entry(play, **arguments):
        engine = play.engine
        values = {name: arguments[name] for name in entry.fields}
        for name in ("datatable", "docstring"):
            if arguments.get(name) is not None:
                values[name] = arguments[name]
        engine.update_variables(values)
        config = engine.request.config if engine.request is not None else None
        given = config.getoption("play_timeout", None) if config is not None else None
        engine.include_chain.append(entry.path)  # an `include` is relative to the library file
        try:
            engine.run_scenario(entry.steps, timeout=time_limit(given, engine.policy))
        finally:
            engine.include_chain.pop()

    # pytest-bdd passes a step the parsed values its signature names.
    parameters = [inspect.Parameter("play", inspect.Parameter.POSITIONAL_OR_KEYWORD)]
    parameters += [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in entry.fields]
    parameters += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None)
                   for name in ("datatable", "docstring")]
    run_entry.__signature__ = inspect.Signature(parameters)
    run_entry.__name__ = run_entry.__qualname__ = f"{entry.kind} {entry.pattern}"
    return run_entry
