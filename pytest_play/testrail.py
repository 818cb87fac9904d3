"""TestRail: case ids on the tests, and `trcli` after the run (Jenkins' TESTRAIL_ENABLE).

Case ids come from, in this order: the scenario's `testrail:` metadata key
(`testrail: C93466`, or a list), a `testrail` marker
(`@pytest.mark.testrail("C93466")`, or `markers: ["testrail"]` does not carry
one), and a `c93466` in the test's file or name, as in `test_login_c93466.yml`
(what the seed's names do, and what KEYWORDS selects). They reach the JUnit
report as the `test_id` property (`C93466`, several joined by commas), which
`trcli parse_junit --case-matcher property` reads.

`upload_command` builds the trcli call the runner makes after pytest: the
host, project and user come from TESTRAIL_HOST, TESTRAIL_PROJECT and
TESTRAIL_USER (Jenkins: a usernamePassword credential), the password from
TESTRAIL_PASSWORD or the API key from TESTRAIL_KEY. The password goes to trcli
in its environment (`TR_CLI_PASSWORD`, trcli's own variable), never on its
command line, so it is in no log or report.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

PROPERTY = "test_id"
MARKER = "testrail"
# c93466 or C93466 between non-alphanumerics (underscores count as separators), as the seed's names have it.
IN_NAME = re.compile(r"(?<![A-Za-z0-9])[cC]([0-9]{1,10})(?![0-9])")
CASE_ID = re.compile(r"[cC]?([0-9]{1,10})")
REQUIRED = ("TESTRAIL_HOST", "TESTRAIL_PROJECT", "TESTRAIL_USER")
SECRETS = {"TESTRAIL_PASSWORD": "TR_CLI_PASSWORD", "TESTRAIL_KEY": "TR_CLI_KEY"}


# --- the session: case ids to JUnit properties --------------------------------------


def case_ids(item: pytest.Item) -> list[str]:
    """The TestRail case ids of a test, as `C123`; [] when it has none."""
    for found in (metadata_ids(item), marker_ids(item)):
        if found:
            return found
    return unique(f"C{number}" for number in IN_NAME.findall(f"{Path(str(item.path)).stem} {item.name}"))


def metadata_ids(item: pytest.Item) -> list[str]:
    from .collect import SCENARIO

    compiled = item.stash.get(SCENARIO, (None, None))[0]
    metadata = getattr(getattr(compiled, "scenario", None), "metadata", None)
    return normalized(getattr(metadata, "testrail", ()) or ())


def marker_ids(item: pytest.Item) -> list[str]:
    return normalized([arg for mark in item.iter_markers(MARKER) for arg in mark.args])


def normalized(values) -> list[str]:
    """`C123` for each of 123, "123", "c123", "C123" (and comma-separated lists of them)."""
    if isinstance(values, (str, int)):
        values = [values]
    ids = []
    for value in values:
        for part in str(value).split(","):
            match = CASE_ID.fullmatch(part.strip())
            if match:
                ids.append(f"C{int(match[1])}")
    return unique(ids)


def unique(ids) -> list[str]:
    return list(dict.fromkeys(ids))


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", f"{MARKER}(*case_ids): the TestRail case ids of the test, e.g. 'C93466'")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not config.getoption("xmlpath", None):  # the property is for the JUnit report only
        return
    for item in items:
        ids = case_ids(item)
        if ids:
            item.user_properties.append((PROPERTY, ",".join(ids)))


# --- the runner: trcli after the run ------------------------------------------------


def trcli_path() -> str | None:
    """trcli beside this Python (a venv's bin) or on PATH."""
    beside = Path(sys.executable).with_name("trcli")
    return str(beside) if os.access(beside, os.X_OK) else shutil.which("trcli")


def upload_command(environ: Mapping[str, str], junit: Path) -> tuple[list[str], dict[str, str]]:
    """trcli's arguments and the environment holding its secret, or a ParameterError naming what is missing."""
    from .jenkins.values import ParameterError, read, shown

    missing = [name for name in REQUIRED if not read(environ, name)]
    if not any(read(environ, name) for name in SECRETS):
        missing.append(" or ".join(SECRETS))
    trcli = trcli_path()
    problems = []
    if missing:
        problems.append(f"TESTRAIL_ENABLE=true: set {', '.join(missing)} (Jenkins: the testrail credentials, "
                        "see docs/jenkins.md)")
    if trcli is None:
        problems.append("TESTRAIL_ENABLE=true: trcli is not installed: pip install 'pytest-play[testrail]'")
    if problems:
        raise ParameterError("\n".join(problems))
    title = read(environ, "TESTRAIL_TITLE") or f"pytest-play {read(environ, 'BUILD_TAG') or 'run'}"
    argv = [trcli, "-y", "--host", read(environ, "TESTRAIL_HOST"), "--project", read(environ, "TESTRAIL_PROJECT"),
            "--username", read(environ, "TESTRAIL_USER"), "parse_junit", "--file", shown(junit),
            "--case-matcher", "property", "--title", title]
    if read(environ, "TESTRAIL_RUN_ID"):
        argv += ["--run-id", read(environ, "TESTRAIL_RUN_ID")]
    secrets = {variable: read(environ, name) for name, variable in SECRETS.items() if read(environ, name)}
    return argv, secrets


def describe(environ: Mapping[str, str]) -> str:
    return (f"trcli sends the results to {environ.get('TESTRAIL_HOST')} "
            f"(project {environ.get('TESTRAIL_PROJECT')!r}, user {environ.get('TESTRAIL_USER')})")
