"""Turn a Jenkins "Build with parameters" form into a pytest run.

The Jenkinsfile only calls this module; every parameter is read from the
environment here, where it can be tested:

    python -m pytest_play.jenkins [--dry-run] [--envs DIR] [--output DIR] [PATH ...] [-- PYTEST_ARG ...]

It checks every parameter first (all problems are reported at once, each
naming its parameter, exit code 4), prints the pytest command shell-quoted,
then replaces itself with it, so pytest's exit code is the build's.  A pasted
scenario (PLAY) is untrusted text: its pytest runs instead as a child process
under CPU, memory and wall-clock limits (`limited_run`, see docs/limits.md).
`--dry-run` only prints (PLAY is still checked and written, so the printed
command works).  Empty parameters are left out.  The same works by hand:

    ENVIRONMENT=DEV COUNT=3 python -m pytest_play.jenkins --dry-run scenarios

Reports go to `$WORKSPACE/build` (or `./build`): `junit.xml`, `screenshots/`,
and `play/test_play.json|yml`, the scenario pasted as PLAY.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from .limited_run import LimitedRun, Limits
from .playtext import check_text, write_scenario
from .registry import ProviderRegistry
from .secrets import without_url_passwords

# The build form, in the Jenkinsfile's order; tests/test_jenkinsfile.py checks both agree.
PARAMETERS = (
    "ENVIRONMENT", "BROWSER", "KEYWORDS", "MARKERS", "PARALLEL_SESSIONS", "COUNT",
    "RANDOM_ENABLE", "RANDOM_SEED", "BLOCK_FIRST_FAILURE", "DEBUG", "SELENIUM_GRID_URL", "PLAY",
)
USAGE_ERROR = 4  # pytest's own exit code for a bad invocation
TRUE = ("true", "yes", "on", "1")
FALSE = ("false", "no", "off", "0")
DEBUG_ARGS = ("-vv", "--log-level=DEBUG", "-o", "log_cli=true")
# `envs/browsers/NAME-DEBUG.yml` adds debug settings to NAME.yml: not a choice of its own.
DEBUG_SUFFIX = "-DEBUG"
# What a build writes under its output directory (the Jenkinsfile publishes them).
OUTPUTS = ("junit.xml", "screenshots", "artifacts", "play")


class ParameterError(ValueError):
    """A form value that can't be used; the message starts with `NAME=value`."""


@dataclass(frozen=True)
class Places:
    """Where the variables files are and where the build's output goes."""

    envs: Path = Path("envs")
    output: Path = Path("build")

    @property
    def browsers(self) -> Path:
        return self.envs / "browsers"


@dataclass
class Command:
    """The pytest arguments built from the form, and notes for the build log."""

    args: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    limits: Limits | None = None  # set for PLAY: run as a limited child process

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "pytest", *self.args]


# --- reading values ---------------------------------------------------------------


def read(environ: Mapping[str, str], name: str) -> str:
    """A parameter's value; unset and blank are both '' (left out)."""
    value = environ.get(name) or ""
    return value if name == "PLAY" else value.strip()


def flag(environ: Mapping[str, str], name: str) -> bool | None:
    """A booleanParam: True, False, or None when empty."""
    value = read(environ, name)
    if not value:
        return None
    if value.lower() in TRUE:
        return True
    if value.lower() in FALSE:
        return False
    raise ParameterError(f"{name}={value}: expected true or false")


def whole_number(environ: Mapping[str, str], name: str, minimum: int, words: tuple[str, ...] = ()) -> str:
    """A whole number >= minimum (or one of `words`), as text; '' when empty."""
    value = read(environ, name)
    if not value or value in words:
        return value
    try:
        number = int(value)
    except ValueError:
        number = None
    if number is None or number < minimum:
        allowed = f"a whole number >= {minimum}" + "".join(f" or {w!r}" for w in words)
        raise ParameterError(f"{name}={value}: expected {allowed}")
    return str(number)


def shown(path: Path) -> str:
    """A path as short as it can be printed: relative to the current directory when inside it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(absolute)


def choices(directory: Path) -> list[str]:
    """The names a choice parameter accepts: the `NAME.yml` files of a directory, but `NAME-DEBUG.yml`."""
    if not directory.is_dir():
        return []
    return sorted(p.stem for p in directory.glob("*.yml") if p.is_file() and not p.stem.endswith(DEBUG_SUFFIX))


def choose(environ: Mapping[str, str], name: str, directory: Path) -> Path | None:
    """The `NAME.yml` file a choice parameter names, or None when empty."""
    value = read(environ, name)
    if not value:
        return None
    valid = choices(directory)
    if value not in valid:
        listed = ", ".join(valid) if valid else f"none: {shown(directory)} has no .yml files"
        raise ParameterError(f"{name}={value}: unknown; valid values: {listed}")
    return directory / f"{value}.yml"


# --- one function per parameter (or group of related ones) -------------------------


def environment_args(environ, places: Places) -> list[str]:
    path = choose(environ, "ENVIRONMENT", places.envs)
    return ["--variables", shown(path)] if path else []


def browser_args(environ, places: Places) -> list[str]:
    """BROWSER's variables file, the local webdriver it names, and with DEBUG its debug file."""
    path = choose(environ, "BROWSER", places.browsers)
    if path is None:
        return []
    args = ["--variables", shown(path)]
    settings = browser_settings(path)
    local = not settings.get("remote_url") and not read(environ, "SELENIUM_GRID_URL")
    if settings.get("name") and local:
        args += ["--splinter-webdriver", str(settings["name"])]
    debug = path.with_name(f"{path.stem}{DEBUG_SUFFIX}.yml")
    if read(environ, "DEBUG").lower() in TRUE and debug.is_file():
        # Deep-merged over NAME.yml by pytest-variables: console logs, devtools, a grid's video...
        args += ["--variables", shown(debug)]
        if local and settings.get("headless"):
            args.append("--splinter-headless")  # a debug file may ask for a window; a CI agent has no display
    return args


def browser_settings(path: Path) -> dict:
    """The `browser:` section of a browser file (see pytest_play.providers.selenium.launch)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ParameterError(f"BROWSER={path.stem}: can't read {shown(path)}: {exc}") from None
    section = data.get("browser") if isinstance(data, dict) else None
    return section if isinstance(section, dict) else {}


def grid_args(environ) -> list[str]:
    url = read(environ, "SELENIUM_GRID_URL")
    if not url:
        return []
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ParameterError(f"SELENIUM_GRID_URL={url}: expected an http(s) URL such as http://grid.example.com:4444")
    return ["--splinter-webdriver", "remote", "--splinter-remote-url", url]


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


def output_args(places: Places) -> list[str]:
    """Always: the JUnit report and screenshots where the Jenkinsfile collects them."""
    return [
        "--junitxml", shown(places.output / "junit.xml"),
        "-o", "junit_logging=all",  # the steps' log lines go to the JUnit report too
        "--splinter-screenshot-dir", shown(places.output / "screenshots"),
    ]


def play_args(environ, command: Command) -> list[str]:
    """PLAY: checked now (errors name its lines), written to the workspace, run alone."""
    text = read(environ, "PLAY")
    if not text.strip():
        return []
    try:
        text = check_text(text, "PLAY", ProviderRegistry.discover())
    except pytest.UsageError as error:
        raise ParameterError("\n".join(str(line) for line in error.args)) from None
    try:
        path = write_scenario(text, environ)
    except (pytest.UsageError, OSError) as error:
        raise ParameterError(f"PLAY: can't write the scenario: {error}") from None
    lines = text.count("\n")
    command.notes.append(f"PLAY: {lines} lines written to {shown(path)}; only this scenario runs")
    return ["--play-file", shown(path)]


def limits_args(environ, command: Command) -> list[str]:
    """PLAY's limits, from the job's environment (not the form: pasted text can't change them)."""
    command.limits = limits_from(environ)
    command.notes.append(f"PLAY: limits: {command.limits}")
    return []


# --- the whole form -----------------------------------------------------------------


def build_command(environ: Mapping[str, str], places: Places = Places(),
                  paths: Sequence[str] = (), extra: Sequence[str] = ()) -> Command:
    """The pytest arguments for the form in `environ`; ParameterError lists every problem."""
    command = Command()
    errors: list[str] = []
    play = bool(read(environ, "PLAY").strip())
    # One part per parameter, so every bad value is reported, not just the first.
    parts: list[Callable[[], list[str]]] = [
        lambda: [] if play else list(paths),  # PLAY replaces the collected paths
        lambda: environment_args(environ, places),
        lambda: browser_args(environ, places),
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


def clean_output(output: Path) -> None:
    """Remove an earlier build's reports: the workspace is kept, and the archive must not show them again."""
    for name in OUTPUTS:
        path = output / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def parse_cli(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Our options and paths, and the pytest arguments after `--`."""
    argv = list(argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(
        prog="python -m pytest_play.jenkins",
        description="Run pytest for a Jenkins build form whose values are in the environment: "
                    + ", ".join(PARAMETERS) + ".",
        epilog="Arguments after -- go to pytest unchanged.")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="what pytest collects (ignored with PLAY)")
    parser.add_argument("--dry-run", action="store_true", help="print the pytest command, don't run it")
    parser.add_argument("--envs", type=Path, default=Path("envs"), metavar="DIR",
                        help="environment files NAME.yml, browsers in DIR/browsers (default: envs)")
    parser.add_argument("--output", type=Path, default=None, metavar="DIR",
                        help="reports and screenshots, emptied first (default: $WORKSPACE/build, or ./build)")
    return parser.parse_args(argv), extra


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    options, extra = parse_cli(sys.argv[1:] if argv is None else argv)
    output = options.output or Path(environ.get("WORKSPACE") or ".") / "build"
    if not options.dry_run:
        clean_output(output)
    try:
        command = build_command(environ, Places(options.envs, output), options.paths, extra)
    except ParameterError as error:
        for line in str(error).splitlines():
            print(f"pytest_play.jenkins: {line}", file=sys.stderr)
        return USAGE_ERROR
    for note in command.notes:
        print(f"pytest_play.jenkins: {note}", file=sys.stderr)
    argv = command.argv()
    print(without_url_passwords(shlex.join(argv)), flush=True)  # a grid URL may carry an access key
    if options.dry_run:
        return 0
    sys.stderr.flush()
    if command.limits is not None:
        return LimitedRun(argv, command.limits).wait()
    os.execv(argv[0], argv)  # pytest becomes this process: its exit code and signals are the build's


if __name__ == "__main__":
    sys.exit(main())
