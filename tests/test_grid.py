"""The example browser scenarios on a real Selenium Grid, under pytest-xdist.

A module fixture starts selenium-server 4 "standalone" on loopback (see
tests/grid_server.py: jar from npm, Debian's chromium + chromedriver on its
node).  Each test runs ``pytest -n 2`` on example scenarios in a subprocess
from the repository root, like a user would, and checks on the grid itself
that the browsers ran there: the sessions its status API showed while the run
went on are sessions its Distributor created (log), one per worker at least,
and all of them were closed at the end.

Skipped only where java is missing, or npm is needed (jar not cached yet) and
missing or the registry cannot be reached.  ``.ci/grid-setup`` caches the jar.
"""

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from demo_app.services import log_tail, stop_process
from grid_server import SeleniumGrid, ServiceUnavailable
from pytest_play.errors import PlayTimeout
from pytest_play.waiting import poll

pytestmark = pytest.mark.grid

REPO = Path(__file__).resolve().parent.parent
RUN_TIMEOUT = 240  # seconds per pytest run (seen: about 20)
WORKERS = 2
# Only passed tests (and warnings) in pytest's last line.
ALL_PASSED = re.compile(r"^=+ (\d+) passed(?:, \d+ warnings?)? in [\d.]+s", re.MULTILINE)


@pytest.fixture(scope="module")
def grid():
    try:
        server = SeleniumGrid()
    except ServiceUnavailable as exc:
        pytest.skip(f"no Selenium Grid here: {exc}")
    with server:
        yield server


@dataclass
class GridRun:
    """One pytest run and what the grid saw of it."""

    returncode: int
    output: str
    created: list  # session ids the grid's Distributor created during the run
    seen: dict = field(default_factory=dict)  # {session id: capabilities} on GET /status
    left_open: dict = field(default_factory=dict)  # sessions still open after the run

    def passed(self):
        """The number of passed tests when every test passed, else None."""
        found = ALL_PASSED.search(self.output)
        return int(found.group(1)) if self.returncode == 0 and found else None


def run_on_grid(grid, tmp_path, *args):
    """``pytest -n 2 ARGS`` from the repository root, watching the grid's
    status API meanwhile (workers keep their browser session to the end)."""
    known = set(grid.created_sessions())
    log = tmp_path / "pytest-output.txt"
    command = [sys.executable, "-m", "pytest", *args, "-n", str(WORKERS), "-p", "no:randomly",
               # not this repository's cache; pytest-benchmark only warns under xdist
               "-p", "no:cacheprovider", "-p", "no:benchmark"]
    seen = {}

    def finished():
        seen.update(grid.live_sessions())
        return process.poll() is not None, f"{len(seen)} sessions seen on the grid"

    # Not the environment of an outer xdist worker or test.
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("PYTEST_XDIST_", "PYTEST_CURRENT_TEST"))}
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=REPO, env=env, stdout=out,
                                   stderr=subprocess.STDOUT)
    try:
        poll(finished, timeout=RUN_TIMEOUT, interval=0.2, waiting_for="the pytest run",
             retry_on=(OSError,))  # a slow /status answer is no reason to stop watching
    except PlayTimeout as exc:
        pytest.fail(f"{exc}\n--- pytest:\n{log_tail(log, 40)}\n--- grid:\n{grid.log()}")
    finally:
        stop_process(process)
    created = [sid for sid in grid.created_sessions() if sid not in known]
    return GridRun(process.returncode, log.read_text(errors="replace"), created,
                   seen, grid.live_sessions())


def assert_ran_on_grid(run, grid, expected_tests):
    assert run.passed() == expected_tests, (
        f"expected {expected_tests} passed tests\n--- pytest:\n{run.output[-5000:]}"
        f"\n--- grid:\n{grid.log(30)}")
    sessions = (f"grid created {run.created}, its status API showed {sorted(run.seen)}, "
                f"still open: {sorted(run.left_open)}\n--- grid:\n{grid.log(30)}")
    assert len(run.created) >= WORKERS, sessions  # a browser per worker
    assert len(run.seen) >= WORKERS and set(run.seen) <= set(run.created), sessions
    assert run.left_open == {}, sessions  # every worker quit its browser


LOGIN = ["scenarios/test_login.json", "scenarios/test_login.yml"]  # 3 users each


def test_browser_scenarios_run_on_the_grid_given_on_the_command_line(grid, tmp_path):
    run = run_on_grid(grid, tmp_path, *LOGIN, "scenarios/test_browser_window.yml",
                      "scenarios/test_browser_dialogs.yml", "--variables", "envs/local.yml",
                      "--splinter-webdriver", "remote", "--splinter-remote-url", grid.url)
    assert_ran_on_grid(run, grid, expected_tests=8)
    # The node's chromium and chromedriver served them (its stereotype).
    assert {caps["se:webDriverExecutable"] for caps in run.seen.values()} == {
        grid.chromedriver}


def test_browser_scenarios_run_on_the_grid_named_by_a_browser_file(grid, tmp_path):
    # The shipped CHROME browser file plus remote_url, and no --splinter-* option.
    settings = yaml.safe_load((REPO / "envs" / "browsers" / "CHROME.yml").read_text())
    settings["browser"]["remote_url"] = grid.url
    browser_file = tmp_path / "GRID.yml"
    browser_file.write_text(yaml.safe_dump(settings))
    run = run_on_grid(grid, tmp_path, "scenarios/test_login.yml",
                      "scenarios/test_browser_verify.yml", "--variables", "envs/local.yml",
                      "--variables", str(browser_file))
    assert_ran_on_grid(run, grid, expected_tests=5)
    # The file's capabilities reached the grid (the default is false).
    assert [caps["acceptInsecureCerts"] for caps in run.seen.values()] == [True] * len(run.seen)
