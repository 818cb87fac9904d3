"""Run one scenario named on the command line: pasted text (`--play-text`) or a file (`--play-file`).

This is how a scenario copied from a bug report is reproduced without a commit,
from Jenkins (`python -m pytest_play.jenkins` with PLAY) or from any CI:

    pytest --variables envs/DEV.yml --play-text "$(cat bug.yml)"
    pytest --variables envs/DEV.yml --play-file bug-1234.json

The scenario is checked before the session starts: a broken one stops pytest
with `ERROR: --play-text line 4: ...` (exit code 4) and no traceback.  Pasted
text is written verbatim (so its line numbers stay valid) to
`<build>/play/test_play.json|yml`, the build folder being `$WORKSPACE/build`
(else `./build`); never next to the committed scenarios.

Then that file is the session's only argument, so only it is collected, by the
same `ScenarioFile` as a committed scenario: same items, same reports, same
`file:line` errors.  `--play-file` also accepts a name not starting with `test_`.

Pasted text is untrusted (docs/trust.md): when a scenario is chosen here, every
test of the session runs under `session_policy`, the untrusted `trust.Policy`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from .errors import ScenarioError
from .loader import SCENARIO_SUFFIXES, Scenario, is_scenario_file, load_scenario, load_text
from .registry import ProviderRegistry
from .trust import TRUSTED, Policy, build_folder
from .validate import validate_scenario

PLAY_STEM = "test_play"
PLAY_SUBDIR = "play"  # inside the build folder, which is git-ignored and not recursed into by pytest
CHOSEN = pytest.StashKey[Path]()
TESTRAIL_PLUGIN = "pytest_play.testrail"


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("play", "pytest-play scenarios")
    group.addoption("--play-text", metavar="TEXT", default=None,
                    help="run only this scenario, given as JSON or YAML text (checked before the session starts)")
    group.addoption("--play-file", metavar="PATH", default=None,
                    help="run only this scenario file, whatever its name (checked before the session starts)")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    from . import testrail

    if not config.pluginmanager.has_plugin(TESTRAIL_PLUGIN):  # TestRail case ids as JUnit properties
        config.pluginmanager.register(testrail, TESTRAIL_PLUGIN)
    path = chosen_scenario(config)
    if path is None:
        return
    config.stash[CHOSEN] = path
    # The session collects `config.args`: the chosen file's directory becomes its
    # only argument (a directory gives the file a readable node id even outside
    # the rootdir), and `pytest_ignore_collect` leaves out its neighbours.
    # xdist workers run this hook too and get the same (deterministic) path.
    config.args = [str(path.parent)]


def pytest_ignore_collect(collection_path: Path, config: pytest.Config):
    """Leave out everything beside the chosen file in its directory."""
    chosen = config.stash.get(CHOSEN, None)
    if chosen is not None and collection_path.parent == chosen.parent and not _same_file(collection_path, chosen):
        return True
    return None


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    """Collect `--play-file` even when its name doesn't start with `test_`."""
    chosen = parent.config.stash.get(CHOSEN, None)
    if chosen is None or is_scenario_file(file_path) or not _same_file(file_path, chosen):
        return None  # plugin.py collects `test_*` files itself
    from .collect import ScenarioFile

    return ScenarioFile.from_parent(parent, path=file_path)


def chosen_scenario(config: pytest.Config) -> Path | None:
    """The checked file given by `--play-text`/`--play-file`, or None."""
    text = config.getoption("play_text", None)
    file = config.getoption("play_file", None)
    if text is not None and file is not None:
        raise pytest.UsageError("give either --play-text or --play-file, not both")
    if text is not None:
        scenario_text = check_text(text, "--play-text", _registry(config))
        return write_scenario(scenario_text)
    if file is not None:
        return check_file(Path(file), _registry(config))
    return None


def _registry(config: pytest.Config) -> ProviderRegistry:
    from .collect import REGISTRY

    return config.stash.get(REGISTRY, None) or ProviderRegistry.discover()


# --- checking -------------------------------------------------------------------


def normalize(text: str) -> str:
    """Text as it will be written: no BOM, `\\n` line ends (browsers send `\\r\\n`)."""
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    return text if text.endswith("\n") else text + "\n"


def check_text(text: str, label: str, registry: ProviderRegistry) -> str:
    """The normalized text if it is a valid scenario, else `pytest.UsageError` naming its lines."""
    text = normalize(text)
    try:
        scenario = load_text(text, Path(label))
    except ScenarioError as error:
        raise pytest.UsageError(*problem_lines(label, error.problems)) from None
    _check_steps(scenario, label, registry)
    return text


def check_file(path: Path, registry: ProviderRegistry) -> Path:
    """The absolute path of a valid scenario file, else `pytest.UsageError`."""
    if not path.is_file():
        raise pytest.UsageError(f"--play-file {path}: no such file")
    if path.suffix not in SCENARIO_SUFFIXES:
        raise pytest.UsageError(f"--play-file {path}: the name must end with {', '.join(SCENARIO_SUFFIXES)}")
    try:
        scenario = load_scenario(path)
    except ScenarioError as error:
        raise pytest.UsageError(*problem_lines(str(path), error.problems)) from None
    _check_steps(scenario, str(path), registry)
    return path.absolute()


def _check_steps(scenario: Scenario, label: str, registry: ProviderRegistry) -> None:
    problems = validate_scenario(scenario, registry)
    if problems:
        raise pytest.UsageError(*problem_lines(label, problems))


def problem_lines(label: str, problems: list[tuple[int | None, str]]) -> list[str]:
    """One line per problem, naming the line of the given text: `PLAY line 4: ...`."""
    return [f"{label} line {line}: {message}" if line else f"{label}: {message}"
            for line, message in problems]


# --- writing ----------------------------------------------------------------------


def suffix_for(text: str) -> str:
    """`.json` when the text is JSON, else `.yml`: the loader picks its parser by suffix."""
    try:
        json.loads(text)
    except ValueError:
        return ".yml"
    return ".json"


def play_directory(text: str, environ=None) -> Path:
    """Where pasted text goes: `play/` in the build folder (`$WORKSPACE/build`, else `./build`),
    the only folder its steps may touch."""
    return build_folder(environ) / PLAY_SUBDIR


def play_path(text: str, environ=None) -> Path:
    """The absolute path `write_scenario` writes this text to (nothing is written)."""
    return play_directory(text, environ) / f"{PLAY_STEM}{suffix_for(text)}"


def write_scenario(text: str, environ=None) -> Path:
    """Write checked, normalized text to `test_play.json|yml`; return its absolute path."""
    path = play_path(text, environ)
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob(f"{PLAY_STEM}.*"):
        if stale != path and stale.suffix in SCENARIO_SUFFIXES + (".ini",):
            stale.unlink()  # an earlier build's scenario, or a sidecar that isn't ours
    # Written whole then renamed: xdist workers may write the same file at once.
    partial = directory / f".{path.name}.{os.getpid()}.part"
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return path


def session_policy(config: pytest.Config, variables: Mapping[str, Any]) -> Policy:
    """The untrusted policy when the session runs a chosen (pasted) scenario, else `TRUSTED`.

    Pasted text may include the scenario files of the build folder and of the rootdir.
    """
    if config.stash.get(CHOSEN, None) is None:
        return TRUSTED
    return Policy.untrusted(variables, include_roots=[config.rootpath.resolve()])


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a == b or os.path.samefile(a, b)
    except OSError:
        return False
