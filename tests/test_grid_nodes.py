"""Scale-out on a real Selenium Grid in its distributed form: a hub and two
nodes (the same selenium-server jar in its `hub` and `node` roles, on loopback
ports, each node with a limit of 2 sessions; see tests/grid_server.py).

The Jenkins runner is given SELENIUM_GRID_URL (the hub) and
PARALLEL_SESSIONS=4: the four sessions spread over both nodes, as the hub's
status shows while the run goes on. A node that dies mid-run fails only the
tests whose browser it held, and the run still ends.
"""

import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from demo_app.services import stop_process
from grid_server import GridHub, ServiceUnavailable
from pytest_play.jenkins import PARAMETERS

pytestmark = pytest.mark.grid

REPO = Path(__file__).resolve().parents[1]
RUN_TIMEOUT = 300
PAGE = "data:text/html,<title>node</title><p id=here>served</p>"
# The browser starts on step 1 and is held through the sleep: four at once.
SCENARIO = f"""- {{type: get, url: "{PAGE}"}}
- {{type: sleep, seconds: SECONDS}}
- {{type: assertText, locator: {{type: id, value: here}}, text: served}}
"""


@pytest.fixture
def hub():
    # One grid per test: the node-death test leaves a dead node (and its sessions) on its
    # hub, which a test run after it (pytest-randomly's order) would count.
    try:
        grid = GridHub(nodes=2, max_sessions=2)
    except ServiceUnavailable as exc:
        pytest.skip(f"no Selenium Grid here: {exc}")
    with grid:
        yield grid


@pytest.fixture
def workspace(tmp_path):
    shutil.copytree(REPO / "envs", tmp_path / "envs")
    return tmp_path


def start_build(workspace: Path, hub, seconds: int, **form) -> subprocess.Popen:
    for name in "abcd":
        (workspace / f"test_{name}.yml").write_text(SCENARIO.replace("SECONDS", str(seconds)))
    env = {k: v for k, v in os.environ.items()
           if k not in PARAMETERS and not k.startswith(("PYTEST_XDIST_", "PYTEST_CURRENT_TEST"))}
    env.update(SELENIUM_GRID_URL=hub.url, PARALLEL_SESSIONS="4", SE_OFFLINE="true", **form)
    return subprocess.Popen([sys.executable, "-m", "pytest_play.jenkins", ".", "--", "-p", "no:randomly",
                             "-p", "no:cacheprovider"], cwd=workspace, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def watch(process, hub, until=lambda seen: False, seen=None, capabilities=None):
    """{session: node} seen on the hub's status until `until(seen)` or the run's end
    (and each session's capabilities into `capabilities`)."""
    seen = {} if seen is None else seen
    capabilities = {} if capabilities is None else capabilities
    deadline = time.monotonic() + RUN_TIMEOUT
    while process.poll() is None and not until(seen):
        if time.monotonic() > deadline:
            stop_process(process)
            pytest.fail(f"the run did not end in {RUN_TIMEOUT} s\n{hub.log(20)}")
        try:
            seen.update(hub.node_of())
            # Every key seen for a session, the latest value each.
            for session, caps in hub.live_sessions().items():
                capabilities.setdefault(session, {}).update(caps)
        except (OSError, ValueError):
            pass
        time.sleep(0.2)
    return seen


def finish(process) -> str:
    output, _ = process.communicate(timeout=RUN_TIMEOUT)
    return output


def test_four_parallel_sessions_spread_over_both_nodes_of_the_hub(hub, workspace):
    # OS, RESOLUTION and DEBUG become the capabilities CHROME.yml names for Selenium Grid (the nodes are Linux).
    process = start_build(workspace, hub, seconds=6, OS="LINUX", RESOLUTION="1366x768", DEBUG="true")
    capabilities = {}
    seen = watch(process, hub, capabilities=capabilities)
    output = finish(process)
    assert process.returncode == 0, output[-4000:] + hub.log(20)
    assert "4 passed" in output.splitlines()[-1]
    assert ("--variables envs/os/LINUX.yml --variables envs/resolutions/1366x768.yml --variables "
            "envs/browsers/DEBUG.yml --variables envs/browsers/CHROME-DEBUG.yml --splinter-webdriver remote "
            f"--splinter-remote-url {hub.url}") in output
    assert {(caps["platformName"], caps["se:screenResolution"], caps["se:recordVideo"])
            for caps in capabilities.values()} == {("linux", "1366x768", True)}
    per_node = Counter(seen.values())
    assert per_node == {uri: 2 for uri in hub.node_uris()}, (seen, hub.log(20))


def test_a_node_that_dies_mid_run_fails_only_its_tests_and_the_run_ends(hub, workspace):
    process = start_build(workspace, hub, seconds=20)
    capabilities = {}
    seen = watch(process, hub, until=lambda seen: len(seen) == 4, capabilities=capabilities)
    assert len(seen) == 4, finish(process)[-4000:]
    assert not [caps for caps in capabilities.values() if "se:recordVideo" in caps]  # no DEBUG: no video
    doomed = hub.node_uris()[1]
    held = sum(1 for node in seen.values() if node == doomed)
    hub.kill_node(1)
    watch(process, hub, seen=seen)
    output = finish(process)
    assert process.returncode == 1, output[-4000:]
    assert f"{held} failed, {4 - held} passed" in output.splitlines()[-1], output[-4000:]
    assert held == 2
