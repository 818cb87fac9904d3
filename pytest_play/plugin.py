"""pytest hooks and options of pytest-play. The work happens in the other modules."""

from __future__ import annotations

import contextlib
import gc
import logging
import sys

import pytest

from . import console
from .collect import COLLECTION_CONTEXT, ENGINE, REGISTRY, BrokenScenario, ScenarioFile, failure_secrets, make_engine
from .loader import is_scenario_file
from .loader.files import COLLECTED_SUFFIXES
from .providers.metrics import add_statsd_options
from .registry import ChoiceError, ProviderRegistry
from .report import FailureText, cut, display_path, item_masker, render
from .validate import STRICT, UNKNOWN_KEYS
from .variables import session_variables


def pytest_addhooks(pluginmanager: pytest.PytestPluginManager) -> None:
    from . import hookspecs

    pluginmanager.add_hookspecs(hookspecs)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("play", "pytest-play scenarios")
    group.addoption("--play-timeout", type=float, default=None, metavar="SECONDS",
                    help="stop any scenario that runs longer than this (metadata 'timeout' wins)")
    group.addoption("--play-validate", action="store_true", default=False,
                    help="check every collected scenario (structure, commands, parameters, $variables "
                         "against --variables files) without running anything; non-zero exit on problems")
    group.addoption("--play-artifacts", metavar="DIR", default=None,
                    help="where failed browser steps save a screenshot and the page HTML "
                         "(default: --splinter-screenshot-dir)")
    group.addoption("--play-skin", metavar="NAME", default=None,
                    help="the entry of the --variables files' 'skins:' (pytest-play 2.x layout) to use "
                         "(default: ini play_skin, else a 'skin' fixture, else skin1)")
    group.addoption("--play-unknown-keys", choices=UNKNOWN_KEYS, default=None,
                    help="a step key its command does not have: 'strict' (default) fails the file, 'warn' "
                         "warns with file:line and runs the step without it, as pytest-play 2.x did "
                         "(default: ini play_unknown_keys)")
    add_statsd_options(parser)
    parser.addini("play_skin", "default for --play-skin", default=None)
    parser.addini("play_providers", "NAME = DISTRIBUTION lines: the installed distribution that serves a "
                  "provider name several register (e.g. selenium = play-selenium)", type="linelist", default=[])
    parser.addini("play_timeout", "default for --play-timeout (seconds)", default=None)
    parser.addini("play_unknown_keys", "default for --play-unknown-keys: strict or warn", default=STRICT)
    parser.addini("play_gc_freeze", "freeze long-lived objects (plugins, collected items) out of the "
                  "garbage collector's full passes", type="bool", default=True)


def pytest_configure(config: pytest.Config) -> None:
    try:
        config.stash[REGISTRY] = ProviderRegistry.discover(config.getini("play_providers"))
    except ChoiceError as error:
        raise pytest.UsageError(str(error)) from None
    config.stash[REGISTRY].unknown_keys = _unknown_keys(config)
    # The [play] line of each step: a subscriber of the step events (hookspecs.py).
    if not config.pluginmanager.has_plugin("play_console"):
        config.pluginmanager.register(console, "play_console")
    if config.getoption("play_timeout") is None and config.getini("play_timeout"):
        config.option.play_timeout = float(config.getini("play_timeout"))
    _freeze(config)


def _unknown_keys(config: pytest.Config) -> str:
    mode = config.getoption("play_unknown_keys", None) or (config.getini("play_unknown_keys") or STRICT).strip()
    if mode not in UNKNOWN_KEYS:
        raise pytest.UsageError(f"play_unknown_keys must be one of {', '.join(UNKNOWN_KEYS)}, not {mode!r}")
    return mode


def pytest_collection_finish(session: pytest.Session) -> None:
    _freeze(session.config)


def _freeze(config: pytest.Config) -> None:
    """Move what exists now (imported modules, collected items, parsed scenarios) out of
    the collector's reach: it lives for the whole session, and every full collection
    (pytest runs several) would walk it again. Objects created later are collected as usual.
    """
    if not config.getini("play_gc_freeze"):
        return
    # Only for the process's own session: a session run inside it (pytester) finds the
    # outer one's objects frozen, and must not freeze its garbage into the process for good.
    if config.stash.get(_FROZE, False) or gc.get_freeze_count() == 0:
        config.stash[_FROZE] = True
        gc.freeze()


_FROZE = pytest.StashKey[bool]()


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session):
    """With --play-validate, report the problems found at collection and run nothing."""
    if not session.config.getoption("play_validate"):
        return None
    broken = [item for item in session.items if isinstance(item, BrokenScenario)]
    # Scenarios, recordings and Gherkin features (pytest_play.bdd) alike.
    checked = len({item.path for item in session.items if item.path.suffix in (*COLLECTED_SUFFIXES, ".feature")})
    writer = session.config.get_terminal_writer()
    writer.line()
    for item in broken:
        writer.line(item.repr_failure_text(), red=True)
    problems = sum(len(item.error.problems) for item in broken)
    summary = f"play-validate: {checked} scenario file(s) checked, {problems} problem(s) in {len(broken)} file(s)"
    context = session.config.stash.get(COLLECTION_CONTEXT, None)
    ignored = context.compiler.ignored if context is not None else []
    for path, line, message in ignored:  # play_unknown_keys = warn
        writer.line(f"{display_path(session.config, path)}:{line}: {message}", yellow=True)
    if ignored:
        summary += f"; {len(ignored)} unknown key(s) ignored"
    writer.line(summary, red=bool(broken), green=not broken, bold=True)
    session.testsfailed = len(broken)
    return True


def pytest_report_header(config: pytest.Config) -> list[str]:
    registry = config.stash[REGISTRY]
    lines = [f"play providers: {', '.join(registry.names)}"]
    lines += [served.header_line() for served in registry.served]
    return lines


def pytest_collect_file(file_path, parent):
    if is_scenario_file(file_path):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call):
    """Mask secret values in everything a report carries (failure, captured output and
    logs, JUnit properties, so JUnit and xdist too). The test's secrets as they are at
    its end, and those the failing step was rendered with."""
    report = yield
    engine = item.stash.get(ENGINE, None)
    if engine is None:
        if isinstance(report.longrepr, str):  # a broken scenario's message
            report.longrepr = FailureText(report.longrepr)
        return report
    # Later reports of the item (teardown) carry its earlier output too.
    seen = item.stash[_FAILURE_SECRETS] = item.stash.get(_FAILURE_SECRETS, set()) | failure_secrets(
        call.excinfo.value if call.excinfo else None)
    mask = item_masker(item, engine, seen)
    if report.longrepr is not None:
        if isinstance(report.longrepr, tuple):
            path, line, reason = report.longrepr
            report.longrepr = (path, line, mask(reason))
        else:
            report.longrepr = FailureText(mask(str(report.longrepr)))
    report.sections = [(title, mask(content)) for title, content in report.sections]
    report.user_properties = [(name, _property(value, mask)) for name, value in report.user_properties]
    return report


def _property(value, mask):
    """A JUnit property value: masked, and bounded when it is not a plain value."""
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    text = value if isinstance(value, str) else cut(mask(render(value, PROPERTY_LENGTH)), PROPERTY_LENGTH)
    masked = mask(text)
    return value if masked is text and isinstance(value, str) else masked


PROPERTY_LENGTH = 10_000


_FAILURE_SECRETS = pytest.StashKey[set]()


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_setup(item: pytest.Item):
    with _masked_output(item):
        return (yield)


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_call(item: pytest.Item):
    """Mask secrets in log records as they are emitted (live logging, --log-cli-level,
    prints them before any report exists) and in what the test prints (`-s` shows it as it comes)."""
    handlers = list(logging.getLogger().handlers)
    secret_filter = _SecretFilter(item)
    for handler in handlers:
        handler.addFilter(secret_filter)
    try:
        with _masked_output(item):
            return (yield)
    finally:
        for handler in handlers:
            handler.removeFilter(secret_filter)


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item):
    with _masked_output(item):
        return (yield)


@contextlib.contextmanager
def _masked_output(item: pytest.Item):
    """sys.stdout and sys.stderr (captured or not) masked for this phase."""
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = (_MaskedStream(stream, item) for stream in streams)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = streams


class _MaskedStream:
    """`stream` with each write masked (a step's output is one write); the rest of its API as it is."""

    def __init__(self, stream, item: pytest.Item):
        self._stream = stream
        self._item = item

    def write(self, text: str) -> int:
        engine = self._item.stash.get(ENGINE, None)
        if engine is not None and isinstance(text, str) and text.strip():
            self._stream.write(item_masker(self._item, engine)(text))
            return len(text)
        return self._stream.write(text)

    def write_unmasked(self, text: str) -> int:
        """For text that cannot hold a secret (the `[play]` line of a step without a comment)."""
        return self._stream.write(text)

    def __getattr__(self, name):
        return getattr(self._stream, name)


class _SecretFilter(logging.Filter):
    def __init__(self, item: pytest.Item):
        super().__init__()
        self.item = item

    def filter(self, record: logging.LogRecord) -> bool:
        engine = self.item.stash.get(ENGINE, None)
        if engine is not None:
            try:
                message = record.getMessage()
            except Exception:  # RecursionError: deep data in the arguments
                message = f"{render(record.msg, 2000)} % {render(record.args, 2000)}"
            record.msg, record.args = item_masker(self.item, engine)(message), ()
        return True


class Play:
    """The `play` fixture: run steps from Python tests and BDD step definitions.

    Its surface is the part of `protocol.EngineProtocol` a test needs; the
    engine itself is `play.engine`.
    """

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

    def update_variables(self, extra_variables: dict) -> None:
        self.engine.update_variables(extra_variables)

    def register_teardown_callback(self, callback) -> None:
        self.engine.register_teardown_callback(callback)

    def parametrize(self, data):
        return self.engine.parametrize(data)

    def parametrize_text(self, text: str) -> str:
        return self.engine.parametrize_text(text)

    def evaluate(self, expression: str, **names):
        return self.engine.evaluate(expression, **names)

    def include(self, reference: str) -> None:
        self.engine.include(reference)

    def execute_file(self, path: str, extra_variables: dict | None = None) -> None:
        """Run the steps of a scenario file (relative to the working directory): a failing
        step is reported at its own `file:line`, as a collected scenario's is."""
        if extra_variables:
            self.engine.update_variables(extra_variables)
        self.engine.include(str(path))


@pytest.fixture
def play(request) -> Play:
    """A pytest-play engine with this session's variables."""
    engine = make_engine(request)
    engine.shared = True  # the test may change play.variables in place: mask by them as they are
    return Play(engine)


__all__ = ["play", "session_variables"]
