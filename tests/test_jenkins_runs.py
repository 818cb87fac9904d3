"""Real builds of `python -m pytest_play.jenkins` outside Jenkins, with the
repository's own envs/ files, the demo app and headless Chromium: the laptop
defaults, OS and RESOLUTION on a local browser, and the errors a tester sees.
"""

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pytest_play.jenkins import PARAMETERS

REPO = Path(__file__).resolve().parents[1]
SELECT = (REPO / "scenarios" / "test_browser_select.yml").read_text()
WINDOW = """markers: [browser]
---
- {type: get, url: "$base_url/select"}
- {type: storeEval, script: "window.outerWidth + 'x' + window.outerHeight", variable: size}
- {type: assert, expression: "'$size' == '$expected'", comment: the window size}
"""
INNER = ["-p", "no:randomly", "-p", "no:cacheprovider"]


@pytest.fixture
def workspace(tmp_path):
    """A checkout as a tester has it: the repository's envs/, the demo app, a conftest that loads it."""
    shutil.copytree(REPO / "envs", tmp_path / "envs")
    (tmp_path / "demo_app").symlink_to(REPO / "demo_app")
    (tmp_path / "conftest.py").write_text('pytest_plugins = ["demo_app.fixtures"]\n')
    return tmp_path


def build(cwd: Path, *cli_args: str, **form: str) -> subprocess.CompletedProcess:
    """The runner as on a laptop: no Jenkins variables, no WORKSPACE, no display."""
    env = {k: v for k, v in os.environ.items()
           if k not in PARAMETERS and k not in ("WORKSPACE", "DISPLAY", "WAYLAND_DISPLAY")}
    return subprocess.run([sys.executable, "-m", "pytest_play.jenkins", *cli_args], cwd=cwd,
                          env={**env, "SE_OFFLINE": "true", **form}, capture_output=True, text=True, timeout=300)


def junit_cases(junit: Path) -> list[tuple[str, bool]]:
    return [(case.get("name"), case.find("failure") is None)
            for case in ET.parse(junit).getroot().iter("testcase")]


def test_a_run_outside_jenkins_with_environment_sessions_count_and_play_passes_headless(workspace):
    result = build(workspace, "--", *INNER, ENVIRONMENT="local", PARALLEL_SESSIONS="2", COUNT="2", PLAY=SELECT)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert result.stderr.splitlines()[:2] == [
        "pytest_play.jenkins: BROWSER not set: CHROME (envs/browsers/CHROME.yml), the Jenkinsfile's default",
        f"pytest_play.jenkins: PLAY: {SELECT.count(chr(10))} lines for build/play/test_play.yml; "
        "only this scenario runs"]
    command = result.stdout.splitlines()[0]
    assert "--variables envs/local.yml --variables envs/browsers/CHROME.yml --splinter-webdriver chrome" in command
    assert "-n 2 --count 2" in command and "--play-file build/play/test_play.yml" in command
    assert (workspace / "build" / "play" / "test_play.yml").read_text() == SELECT
    assert "2 passed" in result.stdout.splitlines()[-1]
    assert sorted(junit_cases(workspace / "build" / "junit.xml")) == [("test_play[1-2]", True),
                                                                       ("test_play[2-2]", True)]


def test_resolution_is_the_window_size_of_a_local_browser_and_the_machines_os_is_accepted(workspace):
    (workspace / "scenarios").mkdir()
    (workspace / "scenarios" / "test_window.yml").write_text(WINDOW)
    (workspace / "envs" / "expected.yml").write_text("expected: 1366x768\n")
    result = build(workspace, "scenarios", "--", *INNER, "--variables", "envs/expected.yml",
                   ENVIRONMENT="local", OS="LINUX", RESOLUTION="1366x768")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "--variables envs/os/LINUX.yml --variables envs/resolutions/1366x768.yml" in result.stdout
    # The browser file's own window_size, without RESOLUTION, is another size: the check can fail.
    (workspace / "envs" / "expected.yml").write_text("expected: 1280x800\n")
    assert build(workspace, "scenarios", "--", *INNER, "--variables", "envs/expected.yml",
                 ENVIRONMENT="local").returncode == 0
    result = build(workspace, "scenarios", "--", *INNER, "--variables", "envs/expected.yml",
                   ENVIRONMENT="local", RESOLUTION="1920x1080")
    assert result.returncode == 1
    assert "assertion is false: '1920x1080' == '1280x800'" in result.stdout


def test_an_os_the_local_browser_cannot_have_is_refused_before_the_run(workspace):
    result = build(workspace, "--dry-run", OS="WINDOWS-11")
    assert result.returncode == 4
    assert result.stderr.splitlines()[-1] == (
        "pytest_play.jenkins: OS=WINDOWS-11: the browser runs on this machine, which is linux, not the windows "
        "asked for (browser.os Windows): choose an OS of this machine (Jenkins: OS=ANY) or run on a grid "
        "(SELENIUM_GRID_URL or browser.remote_url)")
    assert not (workspace / "build").exists()


def test_plain_pytest_with_an_os_file_fails_the_browser_tests_with_the_same_reason(workspace):
    (workspace / "test_page.yml").write_text('- {type: get, url: "about:blank"}\n- {type: assert, expression: "1"}\n')
    (workspace / "test_api.yml").write_text('- {type: assert, expression: "1 == 1"}\n')
    result = subprocess.run([sys.executable, "-m", "pytest", *INNER, "--variables", "envs/browsers/CHROME.yml",
                             "--variables", "envs/os/MACOS-14.yml", "test_page.yml", "test_api.yml"],
                            cwd=workspace, capture_output=True, text=True, timeout=300)
    assert result.returncode == 1, result.stdout
    assert ("the browser runs on this machine, which is linux, not the mac asked for (browser.os macOS): "
            "choose an OS of this machine (Jenkins: OS=ANY) or run on a grid (SELENIUM_GRID_URL or "
            "browser.remote_url)") in result.stdout.splitlines()
    assert "Traceback" not in result.stdout
    assert "1 passed" in result.stdout.splitlines()[-1]  # the test without a browser runs


def test_a_browser_that_cannot_start_names_the_browser_choice_its_files_the_binary_and_the_driver(workspace):
    (workspace / "envs" / "browsers" / "BROKEN.yml").write_text(
        "browser:\n  name: chrome\n  binary: /bin/false\n  headless: true\n")
    (workspace / "test_page.yml").write_text('- {type: get, url: "about:blank"}\n')
    result = build(workspace, "test_page.yml", "--", *INNER, BROWSER="BROKEN", RESOLUTION="1920x1080")
    assert result.returncode == 1
    failure = next(line for line in result.stdout.splitlines() if "BrowserSetupError" in line)
    assert failure.strip().startswith(
        "BrowserSetupError: the browser did not start: chrome /bin/false with driver ")
    assert ("(headless), settings from BROWSER=BROKEN (envs/browsers/BROKEN.yml, envs/resolutions/1920x1080.yml): "
            "SessionNotCreatedException: session not created: ") in failure
    assert failure.endswith("Check browser.binary and browser.driver there, or pick another browser "
                            "(Jenkins: BROWSER)")
    assert "Traceback" not in result.stdout


# Every field through the command line's --dry-run, with the repository's envs/ (the runner's own defaults).
FIELDS = {
    "ENVIRONMENT": ("DEV", "--variables envs/DEV.yml"),
    "BROWSER": ("FIREFOX", "--variables envs/browsers/FIREFOX.yml --splinter-webdriver firefox"),
    "OS": ("LINUX", "--variables envs/os/LINUX.yml"),
    "RESOLUTION": ("2560x1440", "--variables envs/resolutions/2560x1440.yml"),
    "KEYWORDS": ("c93466 or login", "-k 'c93466 or login'"),
    "MARKERS": ("smoke and not slow", "-m 'smoke and not slow'"),
    "TESTRAIL_ENABLE": ("true", "parse_junit --file build/junit.xml --case-matcher property"),
    "DEBUG": ("true", "--variables envs/browsers/DEBUG.yml --variables envs/browsers/CHROME-DEBUG.yml "
                      "--splinter-webdriver chrome --splinter-headless -vv --log-level=DEBUG -o log_cli=true"),
    "BLOCK_FIRST_FAILURE": ("true", " -x "),
    "PARALLEL_SESSIONS": ("auto", "-n auto"),
    "SELENIUM_GRID_URL": ("https://bot:k3y@grid.example.com/wd/hub",
                          "--splinter-webdriver remote "
                          "--splinter-remote-url https://bot:*****@grid.example.com/wd/hub"),
    "COUNT": ("5", "--count 5"),
    "RANDOM_ENABLE": ("false", "-p no:randomly"),
    "RANDOM_SEED": ("77", "--randomly-seed 77"),
    "PLAY": ("- {type: assert, expression: 'True'}\n", "--play-file build/play/test_play.yml"),
}
TESTRAIL = {"TESTRAIL_HOST": "https://example.testrail.io", "TESTRAIL_PROJECT": "Demo",
            "TESTRAIL_USER": "qa@example.com", "TESTRAIL_PASSWORD": "pw-Never-Shown"}


def test_every_field_of_the_form_is_mapped():
    assert set(FIELDS) == set(PARAMETERS)


@pytest.mark.parametrize("name", list(FIELDS))
def test_each_field_through_the_dry_run_of_the_command_line(workspace, name):
    value, expected = FIELDS[name]
    result = build(workspace, "--dry-run", "scenarios", **{name: value}, **TESTRAIL)
    assert result.returncode == 0, result.stderr
    assert expected in " ".join(result.stdout.splitlines()) + " "
    assert "pw-Never-Shown" not in result.stdout + result.stderr and "k3y" not in result.stdout
    assert not (workspace / "build").exists()


SELECTION = {
    "test_login_c93466.yml": "markers: [smoke]\n---\n- {type: assert, expression: '1 == 1'}\n",
    "test_logout_c93467.yml": "markers: [smoke]\n---\n- {type: assert, expression: '1 == 2'}\n",
    "test_search_c92411.yml": "markers: [smoke]\n---\n- {type: assert, expression: '1 == 2'}\n",
    "test_slow.yml": "markers: [slow]\n---\n- {type: assert, expression: '1 == 1'}\n",
}


def test_keywords_markers_block_first_failure_and_a_random_seed_in_a_real_run(workspace):
    for name, text in SELECTION.items():
        (workspace / name).write_text(text)
    result = build(workspace, ".", "--", "-p", "no:cacheprovider", KEYWORDS="c93466 or c93467 or c92411",
                   MARKERS="smoke", BLOCK_FIRST_FAILURE="true", RANDOM_ENABLE="true", RANDOM_SEED="3")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr
    assert "Using --randomly-seed=3" in result.stdout
    last = result.stdout.splitlines()[-1]
    assert "1 failed" in last and "1 deselected" in last  # -m smoke: not test_slow; -x: one failure stops
    again = build(workspace, ".", "--", "-p", "no:cacheprovider", KEYWORDS="c93466 or c93467 or c92411",
                  MARKERS="smoke", BLOCK_FIRST_FAILURE="true", RANDOM_ENABLE="true", RANDOM_SEED="3")
    order = [line.split("::")[0] for line in result.stdout.splitlines() if line.startswith("FAILED ")]
    assert order == [line.split("::")[0] for line in again.stdout.splitlines() if line.startswith("FAILED ")]


def test_debug_in_a_real_run_gives_verbose_logs_and_a_screenshot_of_every_browser_step(workspace):
    (workspace / "scenarios").mkdir()
    (workspace / "scenarios" / "test_select.yml").write_text(SELECT)
    result = build(workspace, "scenarios", "--", *INNER, ENVIRONMENT="local", DEBUG="true")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr
    assert "pytest_play.jenkins: BROWSER: no display (DISPLAY is not set): the browser runs headless" in \
        result.stderr.splitlines()
    assert "DEBUG" in result.stdout and "live log" in result.stdout  # -vv --log-level=DEBUG -o log_cli=true
    steps = [line for line in SELECT.splitlines() if line.startswith("- ")]
    browser_steps = len(steps) - 1  # one python assert
    shots = sorted((workspace / "build" / "evidence").glob("*-debug.png"))
    assert len(shots) == browser_steps, [p.name for p in shots]
