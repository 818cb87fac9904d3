"""pytest hooks and options of pytest-play. The work happens in the other modules."""

from __future__ import annotations

import pytest

from .collect import ENGINE, REGISTRY, ScenarioFile, make_engine
from .loader import is_scenario_file
from .registry import ProviderRegistry
from .secrets import Masker, secret_values
from .variables import session_variables


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("play", "pytest-play scenarios")
    group.addoption("--play-timeout", type=float, default=None, metavar="SECONDS",
                    help="stop any scenario that runs longer than this (metadata 'timeout' wins)")


def pytest_configure(config: pytest.Config) -> None:
    config.stash[REGISTRY] = ProviderRegistry.discover()


def pytest_report_header(config: pytest.Config) -> list[str]:
    registry = config.stash[REGISTRY]
    lines = [f"play providers: {', '.join(registry.names)}"]
    for name, distribution in registry.overridden:
        lines.append(f"play provider {name!r} is overridden by {distribution}")
    return lines


def pytest_collect_file(file_path, parent):
    if is_scenario_file(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """Mask secret values in everything a report carries: the one place output leaves a test."""
    report = yield
    engine = item.stash.get(ENGINE, None)
    if engine is None:
        return report
    mask = Masker(secret_values(engine.variables, engine.declared_secrets))
    if mask:
        if report.longrepr is not None:
            if isinstance(report.longrepr, tuple):
                path, line, reason = report.longrepr
                report.longrepr = (path, line, mask(reason))
            else:
                report.longrepr = mask(str(report.longrepr))
        report.sections = [(title, mask(content)) for title, content in report.sections]
    return report


class Play:
    """The `play` fixture: run steps from Python tests and BDD step definitions."""

    def __init__(self, engine):
        self.engine = engine

    @property
    def variables(self) -> dict:
        return self.engine.variables

    def execute_raw(self, text: str, extra_variables: dict | None = None) -> None:
        self.engine.execute_raw(text, extra_variables)

    def execute(self, steps, extra_variables: dict | None = None) -> None:
        self.engine.execute(steps, extra_variables)

    def execute_command(self, step: dict, **kwargs):
        return self.engine.execute_command(step, **kwargs)

    def get_file_contents(self, *parts: str) -> str:
        return self.engine.get_file_contents(*parts)

    def __getattr__(self, name):
        return getattr(self.engine, name)


@pytest.fixture
def play(request) -> Play:
    """A pytest-play engine with this session's variables."""
    return Play(make_engine(request))


__all__ = ["play", "session_variables"]
