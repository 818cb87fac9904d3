"""The form's other parameters, one function each, and `build_command`, which
turns the whole form into pytest arguments and reports every bad value at once."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable, Mapping, Sequence

import pytest

from .. import testrail
from ..limited_run import Limits
from ..playtext import check_text, play_path
from ..registry import ProviderRegistry
from .browser import browser_args, grid_args
from .values import FALSE, Command, ParameterError, Places, choose, flag, read, shown, whole_number

DEBUG_ARGS = ("-vv", "--log-level=DEBUG", "-o", "log_cli=true")


def installed_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def environment_args(environ, places: Places) -> list[str]:
    path = choose(environ, "ENVIRONMENT", places.envs)
    return ["--variables", shown(path)] if path else []


def expression_args(environ, name: str, option: str) -> list[str]:
    """KEYWORDS (-k) or MARKERS (-m)."""
    value = read(environ, name)
    if not value:
        return []
    check_expression(name, value, option)
    return [option, value]


def check_expression(name: str, value: str, option: str) -> None:
    """Catch a broken -k/-m expression here, where the parameter can be named."""
    try:  # pytest's parser is internal: if it moves, pytest reports the error itself
        from _pytest.mark import expression
    except ImportError:
        return
    errors = tuple(e for e in (SyntaxError, getattr(expression, "ParseError", None)) if e)
    try:
        expression.Expression.compile(value)
    except errors as exc:
        column = getattr(exc, "offset", None) or getattr(exc, "column", None)
        message = getattr(exc, "msg", None) or getattr(exc, "message", None) or str(exc)
        raise ParameterError(f"{name}={value}: not a valid {option} expression: "
                             f"at column {column}: {message}") from None


def parallel_args(environ) -> list[str]:
    sessions = whole_number(environ, "PARALLEL_SESSIONS", 0, words=("auto", "logical"))
    return ["-n", sessions] if sessions else []


def count_args(environ) -> list[str]:
    count = whole_number(environ, "COUNT", 1)
    return ["--count", count] if count else []


def block_args(environ) -> list[str]:
    return ["-x"] if flag(environ, "BLOCK_FIRST_FAILURE") else []


def random_args(environ) -> list[str]:
    """Off turns pytest-randomly off; on (or empty) leaves its random order."""
    return ["-p", "no:randomly"] if flag(environ, "RANDOM_ENABLE") is False else []


def seed_args(environ) -> list[str]:
    seed = whole_number(environ, "RANDOM_SEED", 0, words=("last",))
    if not seed:
        return []
    if read(environ, "RANDOM_ENABLE").lower() in FALSE:
        raise ParameterError(f"RANDOM_SEED={seed}: a seed needs RANDOM_ENABLE=true")
    return ["--randomly-seed", seed]


def debug_args(environ) -> list[str]:
    return list(DEBUG_ARGS) if flag(environ, "DEBUG") else []


def testrail_args(environ, places: Places, command: Command) -> list[str]:
    """TESTRAIL_ENABLE: trcli sends the JUnit report (case ids as `test_id` properties) after the run."""
    if not flag(environ, "TESTRAIL_ENABLE"):
        return []
    command.after, command.after_env = testrail.upload_command(environ, places.output / "junit.xml")
    command.notes.append(f"TESTRAIL_ENABLE: after the run, {testrail.describe(environ)}")
    return []


def output_args(places: Places, installed: Callable[[str], bool] = installed_module) -> list[str]:
    """Always: the JUnit report and evidence files where the Jenkinsfile collects them;
    the HTML report and Allure results when their plugins are installed."""
    args = [
        "--junitxml", shown(places.output / "junit.xml"),
        "-o", "junit_logging=all",  # the steps' log lines go to the JUnit report too
        "--play-artifacts", shown(places.output / "evidence"),
    ]
    if installed("pytest_html"):
        args += ["--html", shown(places.output / "report.html"), "--self-contained-html"]
    if installed("allure_pytest"):
        args += ["--alluredir", shown(places.output / "allure-results")]
    return args


def play_args(environ, command: Command) -> list[str]:
    """PLAY: checked now (errors name its lines); a real run writes it to the build folder and runs it alone."""
    text = read(environ, "PLAY")
    if not text.strip():
        return []
    try:
        text = check_text(text, "PLAY", ProviderRegistry.discover())
    except pytest.UsageError as error:
        raise ParameterError("\n".join(str(line) for line in error.args)) from None
    path = play_path(text, environ)
    command.play = (path, text)
    lines = text.count("\n")
    command.notes.append(f"PLAY: {lines} lines for {shown(path)}; only this scenario runs")
    return ["--play-file", shown(path)]


def limits_args(environ, command: Command) -> list[str]:
    """PLAY's limits, from the job's environment (not the form: pasted text can't change them)."""
    command.limits = limits_from(environ)
    command.notes.append(f"PLAY: limits: {command.limits}")
    return []


def build_command(environ: Mapping[str, str], places: Places = Places(),
                  paths: Sequence[str] = (), extra: Sequence[str] = (), platform: str = sys.platform) -> Command:
    """The pytest arguments for the form in `environ` (a local browser runs on `platform`);
    ParameterError lists every problem."""
    command = Command()
    errors: list[str] = []
    play = bool(read(environ, "PLAY").strip())
    # One part per parameter, so every bad value is reported, not just the first.
    parts: list[Callable[[], list[str]]] = [
        lambda: [] if play else list(paths),  # PLAY replaces the collected paths
        lambda: environment_args(environ, places),
        lambda: browser_args(environ, places, command, platform),
        lambda: grid_args(environ),
        lambda: [] if play else expression_args(environ, "KEYWORDS", "-k"),
        lambda: [] if play else expression_args(environ, "MARKERS", "-m"),
        lambda: parallel_args(environ),
        lambda: count_args(environ),
        lambda: block_args(environ),
        lambda: random_args(environ),
        lambda: seed_args(environ),
        lambda: debug_args(environ),
        lambda: output_args(places),
        lambda: testrail_args(environ, places, command),
        lambda: play_args(environ, command),
        lambda: limits_args(environ, command) if play else [],
    ]
    for part in parts:
        try:
            command.args += part()
        except ParameterError as error:
            errors.append(str(error))
    if errors:
        raise ParameterError("\n".join(errors))
    if play and (read(environ, "KEYWORDS") or read(environ, "MARKERS")):
        command.notes.append("PLAY is set: KEYWORDS and MARKERS are ignored")
    command.args += list(extra)
    return command


def limits_from(environ: Mapping[str, str]) -> Limits:
    """The limits PLAY_CPU_SECONDS, PLAY_MEMORY_MB and PLAY_WALL_SECONDS set (each a whole number)."""
    values, errors = {}, []
    for name, variable in (("cpu_seconds", "PLAY_CPU_SECONDS"), ("memory_mb", "PLAY_MEMORY_MB"),
                           ("wall_seconds", "PLAY_WALL_SECONDS")):
        try:
            values[name] = int(whole_number(environ, variable, 0) or getattr(Limits, name))
        except ParameterError as error:
            errors.append(str(error))
    if errors:
        raise ParameterError("\n".join(errors))
    return Limits(**values)
