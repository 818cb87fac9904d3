"""Reading the form: one parameter's value from the environment, checked, and
the places (choice files, build output) a build uses."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..limited_run import Limits

# The build form, in the Jenkinsfile's (and the seed article's) order; tests/test_jenkinsfile.py checks both agree.
PARAMETERS = (
    "ENVIRONMENT", "BROWSER", "OS", "RESOLUTION", "KEYWORDS", "MARKERS", "TESTRAIL_ENABLE", "DEBUG",
    "BLOCK_FIRST_FAILURE", "PARALLEL_SESSIONS", "SELENIUM_GRID_URL", "COUNT", "RANDOM_ENABLE", "RANDOM_SEED",
    "PLAY",
)
USAGE_ERROR = 4  # pytest's own exit code for a bad invocation
TRUE = ("true", "yes", "on", "1")
FALSE = ("false", "no", "off", "0")
# `envs/browsers/NAME-DEBUG.yml` adds debug settings to NAME.yml, and `DEBUG.yml` to every
# browser: not choices of their own.
DEBUG_SUFFIX = "-DEBUG"
DEBUG_FILE = "DEBUG"


class ParameterError(ValueError):
    """A form value that can't be used; the message starts with `NAME=value`."""


@dataclass(frozen=True)
class Places:
    """Where the choice files are and where the build's output goes."""

    envs: Path = Path("envs")
    output: Path = Path("build")

    @property
    def browsers(self) -> Path:
        return self.envs / "browsers"

    @property
    def systems(self) -> Path:
        """OS choices: `envs/os/NAME.yml`."""
        return self.envs / "os"

    @property
    def resolutions(self) -> Path:
        """RESOLUTION choices: `envs/resolutions/WIDTHxHEIGHT.yml`."""
        return self.envs / "resolutions"


@dataclass
class Command:
    """The pytest arguments built from the form, and notes for the build log."""

    args: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    limits: Limits | None = None  # set for PLAY: run as a limited child process
    env: dict[str, str] = field(default_factory=dict)  # added to pytest's environment
    play: tuple[Path, str] | None = None  # PLAY's file and text, written by a real run only
    after: list[str] | None = None  # a command run after pytest (trcli), its secrets in `after_env`
    after_env: dict[str, str] = field(default_factory=dict)

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "pytest", *self.args]


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
    """The names a choice parameter accepts: the `NAME.yml` files of a directory, but the debug overlays."""
    if not directory.is_dir():
        return []
    return sorted(p.stem for p in directory.glob("*.yml")
                  if p.is_file() and not p.stem.endswith(DEBUG_SUFFIX) and p.stem != DEBUG_FILE)


def choose(environ: Mapping[str, str], name: str, directory: Path, default: str = "") -> Path | None:
    """The `NAME.yml` file a choice parameter names (or `default`, when that file exists), or None."""
    value = read(environ, name)
    if not value:
        if default and (directory / f"{default}.yml").is_file():
            return directory / f"{default}.yml"
        return None
    valid = choices(directory)
    if value not in valid:
        if valid:
            listed = ", ".join(valid)
        elif directory.is_dir():
            listed = f"none: {shown(directory)} has no .yml files"
        else:
            listed = f"none: there is no folder {shown(directory)} (run from the project's folder, or give --envs DIR)"
        raise ParameterError(f"{name}={value}: unknown; valid values: {listed}")
    return directory / f"{value}.yml"


def browser_section(path: Path, name: str) -> dict:
    """The `browser:` section of a choice file (see pytest_play.providers.selenium.launch)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise ParameterError(f"{name}={path.stem}: can't read {shown(path)}: {exc}") from None
    section = data.get("browser") if isinstance(data, dict) else None
    return section if isinstance(section, dict) else {}
