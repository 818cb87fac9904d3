"""Pasted runs end: the Jenkins runner's CPU, memory and wall-clock limits, and
browser regular expressions bounded by their step's timeout.

Each run is a real `python -m pytest_play.jenkins` process with its own HOME;
every process it starts inherits that HOME, which is how leftovers are found.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from test_selenium_provider import BROWSER, browser_processes_left

from pytest_play.jenkins import PARAMETERS
from pytest_play.providers.selenium.locators import script_body

INNER = ["-p", "no:randomly", "-p", "no:hypothesispytest", "-p", "no:benchmark"]
LIMITS = ("PLAY_CPU_SECONDS", "PLAY_MEMORY_MB", "PLAY_WALL_SECONDS")
needs_chromium = pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                                    reason="needs chromium and chromedriver")
PAGE = "data:text/html,<title>pasted</title><p id=p>hello</p>"
BROWSER_STEPS = (f"- {{type: get, url: '{PAGE}'}}\n"
                 "- {type: assertTitle, title: pasted}\n"
                 "- {type: assertText, locator: {type: id, value: p}, text: hel+o}\n")


def processes_left(home: Path, timeout: float = 10) -> list[str]:
    """Live processes (any program) started with HOME=home, after a grace period."""
    needle = f"HOME={home}\0".encode()
    deadline = time.monotonic() + timeout
    while True:
        found = []
        for entry in Path("/proc").iterdir():
            try:
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                if entry.name.isdigit() and state != "Z" and needle in (entry / "environ").read_bytes():
                    found.append(f"{entry.name} {(entry / 'comm').read_text().strip()}")
            except (OSError, IndexError):
                continue
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def browser_running(home: Path) -> bool:
    return any(name.split()[1].startswith(("chrom", "driver")) for name in processes_left(home, timeout=0))


def start(workspace: Path, play: str, *args: str, **environ: str) -> subprocess.Popen:
    """The runner for a build form with `PLAY=play`, in `workspace` (also its HOME)."""
    env = {k: v for k, v in os.environ.items() if k not in PARAMETERS + LIMITS}
    env.update(HOME=str(workspace), WORKSPACE=str(workspace), PLAY=play, **environ)
    return subprocess.Popen([sys.executable, "-m", "pytest_play.jenkins", *args, "--", *INNER],
                            cwd=workspace, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run(workspace: Path, play: str, *args: str, **environ: str):
    """(return code, stdout, stderr lines, seconds) of a whole run; no process of it may be left."""
    began = time.monotonic()
    process = start(workspace, play, *args, **environ)
    try:
        stdout, stderr = process.communicate(timeout=120)
    finally:
        process.kill()
    seconds = time.monotonic() - began
    assert processes_left(workspace) == []
    return process.returncode, stdout, stderr.splitlines(), seconds


def junit_failure(workspace: Path) -> str:
    root = ET.parse(workspace / "build" / "junit.xml").getroot()
    return next(case.find("failure").get("message") for case in root.iter("testcase"))


def browser_form(workspace: Path) -> dict:
    (workspace / "envs" / "browsers").mkdir(parents=True)
    (workspace / "envs" / "browsers" / "CHROME.yml").write_text("browser:\n  name: chrome\n  headless: true\n")
    return {"BROWSER": "CHROME"}


# --- the limits, each reached by a pasted scenario -----------------------------------------


def test_a_pasted_scenario_that_computes_past_the_cpu_limit_is_stopped_naming_the_limit(tmp_path):
    busy = ("- {type: while, expression: 'True', timeout: 60,"
            " sub_commands: [{type: exec, expression: 'sum(range(100000))'}]}\n")
    code, _, stderr, seconds = run(tmp_path, busy, PLAY_CPU_SECONDS="2", PLAY_WALL_SECONDS="60")
    assert (code, stderr[-1]) == (152, "pytest_play.jenkins: PLAY: stopped after the CPU limit of 2 s")
    assert seconds < 20


def test_a_pasted_scenario_that_allocates_past_the_memory_limit_fails_with_a_memory_error(tmp_path):
    # 36 MB a step: ten of them are far past 200 MB; pytest itself needs about 50.
    grow = "".join(f"- {{type: store_variable, name: v{n}, expression: 'list(range(1000000))'}}\n"
                   for n in range(10))
    code, stdout, stderr, seconds = run(tmp_path, grow, PLAY_MEMORY_MB="200")
    assert code == 1, stdout + "\n".join(stderr)
    message = junit_failure(tmp_path).splitlines()
    # A step's command, or the engine between two steps, runs out of memory; the
    # scenario's values are let go, so the failure is reported (no INTERNALERROR).
    assert message[0] == "build/play/test_play.yml: the scenario ran out of memory" or (
        message[0].startswith("build/play/test_play.yml:") and message[0].endswith(" failed")
        and message[0] != "build/play/test_play.yml:1: step 1 failed"  # pytest itself started fine
        and message[-1].strip() == "MemoryError:"), message
    assert "INTERNALERROR" not in stdout
    assert "pytest_play.jenkins: PLAY: limits: CPU 300 s and memory 200 MB a process, wall clock 600 s" in stderr
    assert seconds < 20


def test_a_pasted_scenario_that_sleeps_past_the_wall_clock_limit_is_stopped_naming_the_limit(tmp_path):
    code, stdout, stderr, seconds = run(tmp_path, "- {type: sleep, seconds: 60}\n", PLAY_WALL_SECONDS="3")
    assert (code, stderr[-1]) == (124, "pytest_play.jenkins: PLAY: stopped after the wall-clock limit of 3 s")
    assert "KeyboardInterrupt" in stdout  # pytest was interrupted, so it wrote its report
    assert (tmp_path / "build" / "junit.xml").is_file()
    assert 3 <= seconds < 10


def test_the_limits_apply_only_to_pasted_text(tmp_path):
    (tmp_path / "test_slow.yml").write_text("- {type: sleep, seconds: 2}\n")
    env = {k: v for k, v in os.environ.items() if k not in PARAMETERS}
    env.update(HOME=str(tmp_path), PLAY_WALL_SECONDS="1", PLAY_CPU_SECONDS="1")
    result = subprocess.run([sys.executable, "-m", "pytest_play.jenkins", "test_slow.yml", "--", *INNER],
                            cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout and "limits" not in result.stderr


@pytest.mark.parametrize(("environ", "line"), [
    ({"PLAY_WALL_SECONDS": "soon"}, "pytest_play.jenkins: PLAY_WALL_SECONDS=soon: expected a whole number >= 0"),
    ({"PLAY_MEMORY_MB": "-1"}, "pytest_play.jenkins: PLAY_MEMORY_MB=-1: expected a whole number >= 0"),
], ids=["wall", "memory"])
def test_a_bad_limit_stops_the_build_naming_its_variable(tmp_path, environ, line):
    code, stdout, stderr, _ = run(tmp_path, "- {type: assert, expression: 'True'}\n", **environ)
    assert (code, stdout, stderr) == (4, "", [line])


# --- a browser under the limits -------------------------------------------------------------


@needs_chromium
def test_a_headless_browser_scenario_passes_under_the_default_limits(tmp_path):
    code, stdout, stderr, _ = run(tmp_path, BROWSER_STEPS, **browser_form(tmp_path))
    assert code == 0, stdout + "\n".join(stderr)
    assert "1 passed" in stdout.splitlines()[-1]
    assert "pytest_play.jenkins: PLAY: limits: CPU 300 s and memory 2048 MB a process, wall clock 600 s" in stderr


@needs_chromium
@pytest.mark.parametrize("sent", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_a_signal_to_the_runner_stops_the_browser_run_cleanly(tmp_path, sent):
    process = start(tmp_path, BROWSER_STEPS + "- {type: sleep, seconds: 100}\n", **browser_form(tmp_path))
    deadline = time.monotonic() + 60
    while not browser_running(tmp_path) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert browser_running(tmp_path), "no browser started"
    time.sleep(2)  # the scenario reaches its sleep
    process.send_signal(sent)
    try:
        stdout, stderr = process.communicate(timeout=30)
    finally:
        process.kill()
    assert process.returncode == pytest.ExitCode.INTERRUPTED, stdout + stderr
    assert "KeyboardInterrupt" in stdout and (tmp_path / "build" / "junit.xml").is_file()
    assert processes_left(tmp_path) == []


@needs_chromium
def test_the_wall_clock_limit_leaves_no_browser_behind(tmp_path):
    code, _, stderr, seconds = run(tmp_path, BROWSER_STEPS + "- {type: sleep, seconds: 100}\n",
                                   PLAY_WALL_SECONDS="8", **browser_form(tmp_path))
    assert (code, stderr[-1]) == (124, "pytest_play.jenkins: PLAY: stopped after the wall-clock limit of 8 s")
    assert seconds < 20



@needs_chromium
def test_a_browser_run_stopped_by_the_cpu_limit_leaves_no_browser_behind(tmp_path):
    # pytest dies of SIGXCPU without quitting its browser: the runner kills the group.
    busy = ("- {type: while, expression: 'True', timeout: 60,"
            " sub_commands: [{type: exec, expression: 'sum(range(100000))'}]}\n")
    code, _, stderr, seconds = run(tmp_path, BROWSER_STEPS + busy, PLAY_CPU_SECONDS="5", **browser_form(tmp_path))
    assert (code, stderr[-1]) == (152, "pytest_play.jenkins: PLAY: stopped after the CPU limit of 5 s")
    assert seconds < 30

# --- regular expressions in browser checks ----------------------------------------------------

SLOW = "(a*)*b"  # backtracks for ages on a long run of a's with no b
LONG_TITLE = "- {type: eval, script: \"document.title = 'a'.repeat(40)\"}\n"


def test_a_catastrophic_regular_expression_fails_within_its_step_timeout(pytester, demo_server):
    home = '- {type: get, url: "$base_url"}\n'
    pytester.makefile(
        ".yml",
        test_assert=home + LONG_TITLE + f"- {{type: assertTitle, title: '{SLOW}', exact: false, timeout: 0.5}}\n",
        test_wait=home + LONG_TITLE + f"- {{type: waitForTitle, title: '{SLOW}', exact: false, timeout: 0.5}}\n",
        test_verify=home + "- {type: eval, script: \"document.querySelector('#title').textContent = 'a'.repeat(40)\"}\n"
                    f"- {{type: verifyText, locator: {{type: id, value: title}}, text: '{SLOW}', timeout: 0.5}}\n"
                    "- {type: assert, expression: 'True', comment: goes on}\n",
        test_store=home + "- {type: eval, script: \"document.body.textContent = 'a'.repeat(40)\"}\n"
                   f"- {{type: storeTextPresent, text: '{SLOW}', variable: found, timeout: 0.5}}\n",
    )
    pytester.makefile(".yml", vars=f"base_url: {demo_server.url}\n")
    # In a process of its own: without the bound, each of the four would search for ages.
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--variables", "vars.yml", *BROWSER, timeout=60)
    assert not browser_processes_left(pytester.path)
    result.assert_outcomes(failed=4)
    seen = "last seen: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', still being searched when the time ran out"
    result.stdout.fnmatch_lines_random([
        f"  expected the title to match '{SLOW}' within 0.5s; {seen}",
        f"  timed out after 0.5s waiting for the title to match '{SLOW}'; {seen}",
        f"*expected the text of id 'title' to match '{SLOW}' within 0.5s; {seen}",
        f"  timed out after 0.5s waiting for the page text to match '{SLOW}'; {seen}",
    ])
    # The step ends when its timeout does: the time between the read and the end is the regex's.
    durations = [float(line.split(" failed in ")[1].split()[0]) for line in result.stdout.lines
                 if "Title: failed in" in line and line.endswith(" ms")]
    assert len(durations) == 2 and all(500 <= ms < 1500 for ms in durations), durations


def test_a_long_script_is_read_in_linear_time():
    # `[\s;]+$` and `[\n...]\s*return` took seconds for 20,000 characters: quadratic.
    for script in ["1" + " " * 200_000 + "+ 1", ";" + "\n" * 200_000 + "x", "a" + ";\n" * 100_000]:
        began = time.monotonic()
        script_body(script)
        assert time.monotonic() - began < 0.5
    assert script_body("x;  ; ;\n ") == "return (\nx\n);"
    assert script_body("if (a) {\n \t return 1\n}") == "if (a) {\n \t return 1\n}"
