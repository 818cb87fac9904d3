"""The Jenkins build form (`python -m pytest_play.jenkins`) and the PLAY options (`--play-text`, `--play-file`).

The form's mapping is tested on `build_command` with a fake environment; the
command line, PLAY and the reports are tested in real pytest sessions.
"""

import os
import json
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pytest_play import jenkins
from pytest_play.jenkins import PARAMETERS, ParameterError, Places, build_command
from pytest_play.limited_run import Limits

PLACES = Places(Path("envs"), Path("build"))
# The JUnit report and evidence, then pytest-html's and Allure's when installed (the test extra has both).
REPORT_ARGS = jenkins.output_args(PLACES)
# BROWSER's default: the Jenkinsfile's first choice, CHROME.
DEFAULT = ["--variables", "envs/browsers/CHROME.yml", "--splinter-webdriver", "chrome"]
PLAY_JSON = """{"steps": [
  {"type": "assert", "expression": "'$greeting' == 'hello'", "comment": "environment"},
  {"type": "assert", "expression": "1 + 1 == 3", "comment": "the bug"}
]}
"""
PLAY_LIST = '[\n  {"type": "assert", "expression": "True"}\n]\n'
PLAY_YAML = """markers: [smoke]
---
- type: assert
  expression: "True"
"""
TESTRAIL = {"TESTRAIL_HOST": "http://127.0.0.1:9", "TESTRAIL_PROJECT": "Demo", "TESTRAIL_USER": "qa@example.com",
            "TESTRAIL_PASSWORD": "s3cret-pw"}
INNER = ["-p", "no:hypothesispytest", "-p", "no:benchmark"]


def json_message(text: str) -> str:
    """The interpreter's own words for broken JSON (Python 3.13 changed some)."""
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return error.msg
    raise AssertionError("valid JSON")


@pytest.fixture
def form(tmp_path, monkeypatch):
    """A workspace with environment and browser files, as the current directory."""
    envs = tmp_path / "envs"
    (envs / "browsers").mkdir(parents=True)
    (envs / "DEV.yml").write_text("base_url: https://dev.example.com\n")
    (envs / "ALPHA.yml").write_text("base_url: https://alpha.example.com\n")
    (envs / "QA.yml").write_text("greeting: hello\n")
    (envs / "browsers" / "CHROME.yml").write_text("browser:\n  name: chrome\n  headless: true\n")
    (envs / "browsers" / "FIREFOX.yml").write_text("browser:\n  name: firefox\n")
    (envs / "browsers" / "ZALENIUM.yml").write_text("browser:\n  name: chrome\n  remote_url: http://zalenium:4444\n")
    (envs / "browsers" / "PLAIN.yml").write_text("default_timeout: 5\n")
    (envs / "browsers" / "CHROME-DEBUG.yml").write_text(
        "browser:\n  headless: false\n  capabilities:\n    goog:loggingPrefs: {browser: ALL}\n")
    (envs / "browsers" / "DEBUG.yml").write_text("browser:\n  debug: true\n")
    (envs / "os").mkdir()
    (envs / "os" / "ANY.yml").write_text("browser:\n  os: {}\n")
    (envs / "os" / "LINUX.yml").write_text("browser:\n  os: {platform: linux, name: Linux}\n")
    (envs / "os" / "WINDOWS-11.yml").write_text("browser:\n  os: {platform: windows, name: Windows, version: '11'}\n")
    (envs / "resolutions").mkdir()
    (envs / "resolutions" / "1920x1080.yml").write_text("browser:\n  resolution: 1920x1080\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("WORKSPACE", raising=False)
    return tmp_path


def args(**environ):
    return build_command(environ, PLACES, paths=["scenarios"], platform="linux").args


def error(**environ) -> str:
    with pytest.raises(ParameterError) as excinfo:
        build_command(environ, PLACES)
    return str(excinfo.value)


# --- the mapping of each parameter --------------------------------------------------


def test_an_empty_form_runs_the_paths_in_the_default_browser_with_the_report_options(form):
    assert args() == ["scenarios", *DEFAULT, *REPORT_ARGS]
    assert build_command({}, PLACES).notes == [
        "BROWSER not set: CHROME (envs/browsers/CHROME.yml), the Jenkinsfile's default"]


def test_without_a_default_browser_file_an_empty_form_has_only_the_report_options(form):
    (form / "envs" / "browsers" / "CHROME.yml").unlink()
    assert args() == ["scenarios", *REPORT_ARGS]


def test_empty_and_blank_parameters_are_left_out(form):
    assert args(**{name: "" for name in PARAMETERS}) == ["scenarios", *DEFAULT, *REPORT_ARGS]
    assert args(**{name: "  " for name in PARAMETERS}) == ["scenarios", *DEFAULT, *REPORT_ARGS]


def test_a_browser_with_a_window_runs_headless_when_there_is_no_display(form):
    (form / "envs" / "browsers" / "CHROME.yml").write_text("browser:\n  name: chrome\n")
    command = build_command({}, PLACES, platform="linux")
    assert command.args[:5] == [*DEFAULT, "--splinter-headless"]
    assert command.notes[-1] == "BROWSER: no display (DISPLAY is not set): the browser runs headless"
    assert build_command({"DISPLAY": ":0"}, PLACES, platform="linux").args[:5] == [*DEFAULT, "--junitxml"]
    # On a grid the node has the display.
    assert "--splinter-headless" not in args(SELENIUM_GRID_URL="http://grid:4444")


def test_the_browser_files_are_named_to_pytest_for_the_browser_start_error(form):
    command = build_command({"OS": "LINUX", "RESOLUTION": "1920x1080"}, PLACES, platform="linux")
    assert command.env == {"PYTEST_PLAY_BROWSER_SOURCE": "BROWSER=CHROME (envs/browsers/CHROME.yml, "
                                                         "envs/os/LINUX.yml, envs/resolutions/1920x1080.yml)"}


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("ENVIRONMENT", "DEV", ["--variables", "envs/DEV.yml"]),
    ("BROWSER", "FIREFOX", ["--variables", "envs/browsers/FIREFOX.yml", "--splinter-webdriver", "firefox",
                            "--splinter-headless"]),
    ("OS", "LINUX", [*DEFAULT[:2], "--variables", "envs/os/LINUX.yml", *DEFAULT[2:]]),
    ("RESOLUTION", "1920x1080", [*DEFAULT[:2], "--variables", "envs/resolutions/1920x1080.yml", *DEFAULT[2:]]),
    ("KEYWORDS", "login and not c92411", ["-k", "login and not c92411"]),
    ("MARKERS", "edit and negative", ["-m", "edit and negative"]),
    ("PARALLEL_SESSIONS", "4", ["-n", "4"]),
    ("PARALLEL_SESSIONS", "auto", ["-n", "auto"]),
    ("PARALLEL_SESSIONS", "0", ["-n", "0"]),
    ("COUNT", "10", ["--count", "10"]),
    ("COUNT", " 3 ", ["--count", "3"]),
    ("RANDOM_ENABLE", "false", ["-p", "no:randomly"]),
    ("RANDOM_ENABLE", "true", []),
    ("RANDOM_SEED", "1234", ["--randomly-seed", "1234"]),
    ("RANDOM_SEED", "last", ["--randomly-seed", "last"]),
    ("BLOCK_FIRST_FAILURE", "true", ["-x"]),
    ("BLOCK_FIRST_FAILURE", "false", []),
    ("DEBUG", "false", []),
])
def test_each_parameter_maps_to_its_pytest_options(form, name, value, expected):
    browser = [] if name in ("ENVIRONMENT", "BROWSER", "OS", "RESOLUTION") else DEFAULT
    expected = [*expected, *DEFAULT] if name == "ENVIRONMENT" else expected
    assert args(**{name: value}) == ["scenarios", *browser, *expected, *REPORT_ARGS]


def test_debug_adds_verbose_logs_and_the_debug_files_of_every_browser_and_of_this_one(form):
    assert args(DEBUG="true") == [
        "scenarios", "--variables", "envs/browsers/CHROME.yml", "--variables", "envs/browsers/DEBUG.yml",
        "--variables", "envs/browsers/CHROME-DEBUG.yml", "--splinter-webdriver", "chrome", "--splinter-headless",
        "-vv", "--log-level=DEBUG", "-o", "log_cli=true", *REPORT_ARGS]


def test_a_grid_url_makes_the_browser_remote(form):
    assert args(SELENIUM_GRID_URL="http://grid.example.com:4444/wd/hub") == [
        "scenarios", "--variables", "envs/browsers/CHROME.yml",
        "--splinter-webdriver", "remote", "--splinter-remote-url", "http://grid.example.com:4444/wd/hub",
        *REPORT_ARGS]


def test_an_os_other_than_the_machines_is_refused_for_a_local_browser_and_passed_to_a_grid(form):
    assert error(OS="WINDOWS-11") == (
        "OS=WINDOWS-11: the browser runs on this machine, which is linux, not the windows asked for "
        "(browser.os Windows): choose an OS of this machine (Jenkins: OS=ANY) or run on a grid "
        "(SELENIUM_GRID_URL or browser.remote_url)")
    assert args(OS="WINDOWS-11", SELENIUM_GRID_URL="http://grid:4444")[1:5] == [
        "--variables", "envs/browsers/CHROME.yml", "--variables", "envs/os/WINDOWS-11.yml"]
    assert args(OS="WINDOWS-11", BROWSER="ZALENIUM")[1:5] == [
        "--variables", "envs/browsers/ZALENIUM.yml", "--variables", "envs/os/WINDOWS-11.yml"]
    assert args(OS="ANY")[1:5] == ["--variables", "envs/browsers/CHROME.yml", "--variables", "envs/os/ANY.yml"]


def test_every_declared_parameter_changes_the_command_and_nothing_else_is_read(form):
    valid = {"ENVIRONMENT": "DEV", "BROWSER": "FIREFOX", "OS": "LINUX", "RESOLUTION": "1920x1080",
             "KEYWORDS": "a", "MARKERS": "b", "TESTRAIL_ENABLE": "true",
             "PARALLEL_SESSIONS": "2", "COUNT": "2", "RANDOM_ENABLE": "false", "RANDOM_SEED": "",
             "BLOCK_FIRST_FAILURE": "true", "DEBUG": "true", "SELENIUM_GRID_URL": "http://grid:4444",
             "PLAY": PLAY_LIST}
    assert set(valid) == set(PARAMETERS)
    empty = build_command({}, PLACES, platform="linux")
    for name in PARAMETERS:
        value = valid[name] or "7"
        changed = build_command({**TESTRAIL, name: value}, PLACES, platform="linux")
        assert (changed.args, changed.after) != (empty.args, empty.after), name

    class Recording(dict):
        read = set()

        def get(self, key, default=None):
            self.read.add(key)
            return super().get(key, default)

    environ = Recording({**TESTRAIL, **{k: v for k, v in valid.items() if k != "PLAY"}})
    build_command(environ, PLACES, platform="linux")
    assert environ.read - set(TESTRAIL) - {"BUILD_TAG", "TESTRAIL_TITLE", "TESTRAIL_RUN_ID", "TESTRAIL_KEY",
                                           "DISPLAY", "WAYLAND_DISPLAY"} == set(PARAMETERS)


def test_browser_files_pick_the_webdriver_they_name_unless_a_grid_is_used(form):
    assert args(BROWSER="CHROME")[1:5] == ["--variables", "envs/browsers/CHROME.yml", "--splinter-webdriver", "chrome"]
    # A file with its own grid URL, or no browser name, leaves the choice to the browser driver module.
    assert args(BROWSER="ZALENIUM")[1:] == ["--variables", "envs/browsers/ZALENIUM.yml", *REPORT_ARGS]
    assert args(BROWSER="PLAIN")[1:] == ["--variables", "envs/browsers/PLAIN.yml", "--splinter-headless", *REPORT_ARGS]
    assert args(BROWSER="CHROME", SELENIUM_GRID_URL="https://grid.example.com")[1:] == [
        "--variables", "envs/browsers/CHROME.yml",
        "--splinter-webdriver", "remote", "--splinter-remote-url", "https://grid.example.com", *REPORT_ARGS]


def test_debug_adds_the_browsers_debug_file_and_keeps_a_headless_browser_headless(form):
    assert args(BROWSER="CHROME", DEBUG="true")[1:10] == [
        "--variables", "envs/browsers/CHROME.yml", "--variables", "envs/browsers/DEBUG.yml",
        "--variables", "envs/browsers/CHROME-DEBUG.yml", "--splinter-webdriver", "chrome", "--splinter-headless"]
    # On a grid the node has a display: the debug file may open a window there.
    assert args(BROWSER="CHROME", DEBUG="true", SELENIUM_GRID_URL="http://grid:4444")[1:7] == [
        "--variables", "envs/browsers/CHROME.yml", "--variables", "envs/browsers/DEBUG.yml",
        "--variables", "envs/browsers/CHROME-DEBUG.yml"]
    assert args(BROWSER="FIREFOX", DEBUG="true")[1:7] == [
        "--variables", "envs/browsers/FIREFOX.yml", "--variables", "envs/browsers/DEBUG.yml",
        "--splinter-webdriver", "firefox"]
    assert "envs/browsers/CHROME-DEBUG.yml" not in args(BROWSER="CHROME", DEBUG="false")


def test_debug_files_are_not_browser_choices_of_their_own(form):
    assert jenkins.choices(form / "envs" / "browsers") == ["CHROME", "FIREFOX", "PLAIN", "ZALENIUM"]
    assert error(BROWSER="CHROME-DEBUG") == (
        "BROWSER=CHROME-DEBUG: unknown; valid values: CHROME, FIREFOX, PLAIN, ZALENIUM")


@pytest.mark.parametrize("value", ["true", "True", "TRUE", "yes", "on", "1"])
def test_booleans_accept_what_jenkins_and_people_write(form, value):
    assert args(BLOCK_FIRST_FAILURE=value) == ["scenarios", *DEFAULT, "-x", *REPORT_ARGS]


def test_all_parameters_together_build_one_command_in_a_fixed_order(form):
    command = args(ENVIRONMENT="ALPHA", BROWSER="CHROME", KEYWORDS="login", MARKERS="smoke",
                   PARALLEL_SESSIONS="3", COUNT="5", RANDOM_ENABLE="true", RANDOM_SEED="42",
                   BLOCK_FIRST_FAILURE="true", DEBUG="true", SELENIUM_GRID_URL="http://grid:4444")
    assert command == [
        "scenarios", "--variables", "envs/ALPHA.yml",
        "--variables", "envs/browsers/CHROME.yml", "--variables", "envs/browsers/DEBUG.yml",
        "--variables", "envs/browsers/CHROME-DEBUG.yml",
        "--splinter-webdriver", "remote", "--splinter-remote-url", "http://grid:4444",
        "-k", "login", "-m", "smoke", "-n", "3", "--count", "5", "-x", "--randomly-seed", "42",
        "-vv", "--log-level=DEBUG", "-o", "log_cli=true", *REPORT_ARGS]


def test_reports_go_to_the_workspace_build_directory(form, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("workspace")
    command = build_command({}, Places(Path("envs"), elsewhere / "build"))
    build = elsewhere / "build"
    assert command.args[4:] == ["--junitxml", str(build / "junit.xml"), "-o", "junit_logging=all",
                                "--play-artifacts", str(build / "evidence"), "--html", str(build / "report.html"),
                                "--self-contained-html", "--alluredir", str(build / "allure-results")]


def test_the_html_report_and_allure_results_are_asked_for_only_when_their_plugin_is_installed():
    assert jenkins.output_args(PLACES, installed=lambda name: False) == [
        "--junitxml", "build/junit.xml", "-o", "junit_logging=all", "--play-artifacts", "build/evidence"]
    assert jenkins.output_args(PLACES, installed=lambda name: name == "allure_pytest")[-2:] == [
        "--alluredir", "build/allure-results"]


# --- invalid values -------------------------------------------------------------------


@pytest.mark.parametrize(("environ", "message"), [
    ({"COUNT": "abc"}, "COUNT=abc: expected a whole number >= 1"),
    ({"COUNT": "0"}, "COUNT=0: expected a whole number >= 1"),
    ({"COUNT": "2.5"}, "COUNT=2.5: expected a whole number >= 1"),
    ({"PARALLEL_SESSIONS": "-1"}, "PARALLEL_SESSIONS=-1: expected a whole number >= 0 or 'auto' or 'logical'"),
    ({"PARALLEL_SESSIONS": "two"}, "PARALLEL_SESSIONS=two: expected a whole number >= 0 or 'auto' or 'logical'"),
    ({"RANDOM_SEED": "x"}, "RANDOM_SEED=x: expected a whole number >= 0 or 'last'"),
    ({"RANDOM_SEED": "7", "RANDOM_ENABLE": "false"}, "RANDOM_SEED=7: a seed needs RANDOM_ENABLE=true"),
    ({"RANDOM_ENABLE": "maybe"}, "RANDOM_ENABLE=maybe: expected true or false"),
    ({"DEBUG": "verbose"}, "DEBUG=verbose: expected true or false"),
    ({"BLOCK_FIRST_FAILURE": "2"}, "BLOCK_FIRST_FAILURE=2: expected true or false"),
    ({"SELENIUM_GRID_URL": "grid:4444"},
     "SELENIUM_GRID_URL=grid:4444: expected an http(s) URL such as http://grid.example.com:4444"),
    ({"ENVIRONMENT": "STAGING"}, "ENVIRONMENT=STAGING: unknown; valid values: ALPHA, DEV, QA"),
    ({"ENVIRONMENT": "dev"}, "ENVIRONMENT=dev: unknown; valid values: ALPHA, DEV, QA"),
    ({"ENVIRONMENT": "../envs/DEV"}, "ENVIRONMENT=../envs/DEV: unknown; valid values: ALPHA, DEV, QA"),
    ({"BROWSER": "SAFARI"}, "BROWSER=SAFARI: unknown; valid values: CHROME, FIREFOX, PLAIN, ZALENIUM"),
    ({"OS": "WINDOWS"}, "OS=WINDOWS: unknown; valid values: ANY, LINUX, WINDOWS-11"),
    ({"RESOLUTION": "1024x768"}, "RESOLUTION=1024x768: unknown; valid values: 1920x1080"),
    ({"TESTRAIL_ENABLE": "sure"}, "TESTRAIL_ENABLE=sure: expected true or false"),
    ({"TESTRAIL_ENABLE": "true", "TESTRAIL_HOST": "https://x.testrail.io"},
     "TESTRAIL_ENABLE=true: set TESTRAIL_PROJECT, TESTRAIL_USER, TESTRAIL_PASSWORD or TESTRAIL_KEY "
     "(Jenkins: the testrail credentials, see docs/jenkins.md)"),
    ({"KEYWORDS": "login and"}, "KEYWORDS=login and: not a valid -k expression: at column *"),
    ({"MARKERS": "(smoke"}, "MARKERS=(smoke: not a valid -m expression: at column *"),
])
def test_an_invalid_value_is_an_error_naming_its_parameter(form, environ, message):
    assert re.fullmatch(re.escape(message).replace(r"\*", ".*"), error(**environ))


def test_every_invalid_value_is_reported_at_once(form):
    assert error(COUNT="abc", PARALLEL_SESSIONS="-1", ENVIRONMENT="NOPE").splitlines() == [
        "ENVIRONMENT=NOPE: unknown; valid values: ALPHA, DEV, QA",
        "PARALLEL_SESSIONS=-1: expected a whole number >= 0 or 'auto' or 'logical'",
        "COUNT=abc: expected a whole number >= 1",
    ]


def test_a_missing_envs_directory_says_so(form, tmp_path_factory):
    places = Places(tmp_path_factory.mktemp("empty") / "envs", Path("build"))
    with pytest.raises(ParameterError, match=r"ENVIRONMENT=DEV: unknown; valid values: none: there is no folder "
                                             r".*envs \(run from the project's folder, or give --envs DIR\)"):
        build_command({"ENVIRONMENT": "DEV"}, places)
    places.envs.mkdir()
    with pytest.raises(ParameterError, match=r"ENVIRONMENT=DEV: unknown; valid values: none: "
                                             r".*envs has no .yml files"):
        build_command({"ENVIRONMENT": "DEV"}, places)


# --- PLAY ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "name"), [
    (PLAY_JSON, "test_play.json"),
    (PLAY_LIST, "test_play.json"),
    (PLAY_YAML, "test_play.yml"),
])
def test_play_is_written_verbatim_to_the_workspace_and_run_alone(form, text, name):
    command = build_command({"PLAY": text, "WORKSPACE": str(form), "KEYWORDS": "x", "MARKERS": "y"},
                            PLACES, paths=["scenarios"])
    assert command.args == [*DEFAULT, *REPORT_ARGS, "--play-file", f"build/play/{name}"]
    assert command.notes[-1] == "PLAY is set: KEYWORDS and MARKERS are ignored"
    assert not (form / "build").exists()  # written by a real run only (see the command-line tests)
    assert command.play == ((form / "build" / "play" / name).resolve(), text)


def test_play_pasted_with_windows_line_ends_keeps_its_lines(form):
    command = build_command({"PLAY": PLAY_YAML.replace("\n", "\r\n"), "WORKSPACE": str(form)}, PLACES)
    assert command.play[1] == PLAY_YAML


def test_play_without_a_workspace_goes_to_the_build_folder_of_the_working_directory(form, monkeypatch):
    monkeypatch.delenv("WORKSPACE", raising=False)
    command = build_command({"PLAY": PLAY_LIST}, PLACES)
    assert command.args[-1] == "build/play/test_play.json"  # relative to the working directory
    assert command.play[0] == form.resolve() / "build" / "play" / "test_play.json"


def test_play_runs_under_limits_the_job_may_change_and_a_run_without_play_has_none(form):
    play = {"PLAY": PLAY_LIST, "WORKSPACE": str(form)}
    command = build_command(play, PLACES)
    assert command.limits == Limits(cpu_seconds=300, memory_mb=2048, wall_seconds=600)
    assert command.notes[-1] == "PLAY: limits: CPU 300 s and memory 2048 MB a process, wall clock 600 s"
    command = build_command({**play, "PLAY_CPU_SECONDS": "0", "PLAY_MEMORY_MB": "", "PLAY_WALL_SECONDS": " 30 "},
                            PLACES)
    assert command.notes[-1] == "PLAY: limits: CPU none and memory 2048 MB a process, wall clock 30 s"
    assert build_command({"PLAY_WALL_SECONDS": "x"}, PLACES).limits is None


def test_bad_limits_are_reported_with_the_other_bad_parameters(form):
    assert error(PLAY=PLAY_LIST, WORKSPACE=str(form), COUNT="0", PLAY_CPU_SECONDS="1.5",
                 PLAY_WALL_SECONDS="-3").splitlines() == [
        "COUNT=0: expected a whole number >= 1",
        "PLAY_CPU_SECONDS=1.5: expected a whole number >= 0",
        "PLAY_WALL_SECONDS=-3: expected a whole number >= 0",
    ]


@pytest.mark.parametrize(("text", "message"), [
    ('{"steps": [\n  {"type": "assert", "expression": "True"}\n  {"type": "assert"}\n]}',
     "PLAY line 3: invalid JSON: " + json_message('{"steps": [\n  {"type": "assert", "expression": "True"}\n  {"type": "assert"}\n]}')),
    ("- type: assert\n  expression: 'True'\n- type: asert\n  expression: 'True'\n",
     "PLAY line 3: step 2: unknown command 'asert' (did you mean *'assert'*?)"),
    ("markers: [smoke]\n---\n- type: assert\n  expression: [unclosed\n",
     "PLAY line 5: invalid YAML: *"),
    ("just some words", "PLAY line 1: expected a list of steps or a mapping with 'steps', not a string"),
])
def test_broken_play_is_an_error_naming_the_line_in_the_pasted_text(form, text, message):
    assert re.fullmatch(re.escape(message).replace(r"\*", ".*"), error(PLAY=text, WORKSPACE=str(form)))
    assert not (form / "build" / "play").exists()


# --- the command line -----------------------------------------------------------------


def run_cli(cwd, *cli_args, **environ):
    env = {k: v for k, v in os.environ.items() if k not in PARAMETERS and k != "WORKSPACE"}
    return subprocess.run([sys.executable, "-m", "pytest_play.jenkins", *cli_args], cwd=cwd,
                          env={**env, **environ}, capture_output=True, text=True, timeout=120)


def test_dry_run_prints_the_command_shell_quoted_and_runs_nothing(form):
    (form / "build" / "screenshots").mkdir(parents=True)
    result = run_cli(form, "--dry-run", "scenarios", "--", "--tb=short",
                     ENVIRONMENT="DEV", KEYWORDS="login and not c92411", COUNT="2")
    assert result.returncode == 0, result.stderr
    assert shlex.split(result.stdout) == [
        sys.executable, "-m", "pytest", "scenarios", "--variables", "envs/DEV.yml", *DEFAULT,
        "-k", "login and not c92411", "--count", "2", *REPORT_ARGS, "--tb=short"]
    assert "'login and not c92411'" in result.stdout
    assert (form / "build" / "screenshots").is_dir()  # nothing cleaned either


def test_dry_run_with_play_checks_it_and_writes_nothing(form):
    before = sorted(form.rglob("*"))
    result = run_cli(form, "--dry-run", PLAY=PLAY_YAML)
    assert result.returncode == 0, result.stderr
    assert shlex.split(result.stdout)[-2:] == ["--play-file", "build/play/test_play.yml"]
    assert "pytest_play.jenkins: PLAY: 4 lines for build/play/test_play.yml; only this scenario runs" in \
        result.stderr.splitlines()
    assert sorted(form.rglob("*")) == before


def test_invalid_values_exit_with_a_usage_error_and_no_traceback(form):
    result = run_cli(form, "--dry-run", COUNT="abc", PARALLEL_SESSIONS="-1", PLAY="- type: nope\n")
    assert result.returncode == 4
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "pytest_play.jenkins: PARALLEL_SESSIONS=-1: expected a whole number >= 0 or 'auto' or 'logical'",
        "pytest_play.jenkins: COUNT=abc: expected a whole number >= 1",
        "pytest_play.jenkins: PLAY line 1: step 1: unknown command 'nope'",
    ]


def junit_failures(path: Path) -> list[tuple[str, str]]:
    root = ET.parse(path).getroot()
    return [(case.get("name"), case.find("failure").get("message"))
            for case in root.iter("testcase") if case.find("failure") is not None]


def test_a_build_with_play_runs_only_it_with_the_environment_and_reports_like_a_committed_file(form):
    scenarios = form / "scenarios"
    scenarios.mkdir()
    (scenarios / "test_committed.yml").write_text("- {type: assert, expression: 'False'}\n")
    (form / "build" / "screenshots").mkdir(parents=True)
    (form / "build" / "screenshots" / "old.png").write_text("an earlier build's")

    result = run_cli(form, "scenarios", "--", *INNER, "-p", "no:randomly",
                     ENVIRONMENT="QA", PLAY=PLAY_JSON, WORKSPACE=str(form))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.splitlines()[1] == (
        "pytest_play.jenkins: PLAY: 4 lines for build/play/test_play.json; only this scenario runs")
    assert "--play-file build/play/test_play.json" in result.stdout.splitlines()[0]
    # (pytest-splinter, when installed, adds a deprecation warning on pytest 9.2)
    assert re.search(r"= 1 failed(, \d+ warnings?)? in ", result.stdout) and "test_committed" not in result.stdout
    assert not (form / "build" / "screenshots" / "old.png").exists()
    played = junit_failures(form / "build" / "junit.xml")

    # The same text committed as a scenario file gives the same report.
    (scenarios / "test_play.json").write_text(PLAY_JSON)
    committed = subprocess.run(
        [sys.executable, "-m", "pytest", "scenarios/test_play.json", "--variables", "envs/QA.yml",
         "--junitxml", "committed.xml", *INNER, "-p", "no:randomly"],
        cwd=form, capture_output=True, text=True, timeout=120)
    assert committed.returncode == 1
    assert played == [("test_play", "build/play/test_play.json:3: step 2 (the bug) failed\n"
                                    '  step: {"type": "assert", "expression": "1 + 1 == 3"}\n'
                                    "  assertion is false: 1 + 1 == 3")]
    assert [(name, message.replace("scenarios/", "build/play/"))
            for name, message in junit_failures(form / "committed.xml")] == played


# --- the pytest options, in pytest sessions -----------------------------------------------


@pytest.fixture
def session(pytester, monkeypatch):
    monkeypatch.setenv("WORKSPACE", str(pytester.path))
    pytester.makefile(".yml", test_committed="- {type: assert, expression: 'False'}\n")
    return pytester


def test_play_text_runs_only_the_pasted_scenario(session):
    result = session.runpytest("-p", "no:randomly", "-v", "--play-text", PLAY_LIST)
    result.stdout.fnmatch_lines(["build/play/test_play.json::test_play PASSED*"])
    result.assert_outcomes(passed=1)


def test_play_text_reports_a_failure_exactly_like_the_same_committed_file(session):
    failing = "- type: assert\n  expression: 'True'\n- type: assert\n  comment: the bug\n  expression: 2 < 1\n"
    played = session.runpytest("-p", "no:randomly", "--play-text", failing)
    played.assert_outcomes(failed=1)
    session.makefile(".yml", test_play=failing)
    committed = session.runpytest("-p", "no:randomly", "test_play.yml")
    committed.assert_outcomes(failed=1)

    def failure(result, prefix):
        lines = result.stdout.lines
        start = lines.index(next(line for line in lines if "step 2 (the bug) failed" in line))
        title, *failure_lines = lines[start - 1:start + 3]
        return [title.strip("_ ")] + [line.replace(prefix, "") for line in failure_lines]

    assert failure(played, "build/play/") == failure(committed, "") == [
        "test_play",
        "test_play.yml:3: step 2 (the bug) failed",
        '  step: {"type": "assert", "expression": "2 < 1"}',
        "  assertion is false: 2 < 1",
    ]


def test_play_text_in_parallel_sessions_and_repeated(session):
    result = session.runpytest("-p", "no:randomly", "-n", "2", "--count", "3", "--play-text", PLAY_YAML)
    result.assert_outcomes(passed=3)


@pytest.mark.parametrize(("text", "lines"), [
    ('[\n  {"type": "assert", "expression": "True"},\n  {"type": "assert" "expression": "1"}\n]',
     ["ERROR: --play-text line 3: invalid JSON: "
      + json_message('[\n  {"type": "assert", "expression": "True"},\n  {"type": "assert" "expression": "1"}\n]')]),
    ("- type: asert\n  expression: 'True'\n- type: assert\n  expresion: x\n",
     ["ERROR: --play-text line 1: step 1: unknown command 'asert' (did you mean *'assert'*?)",
      "ERROR: --play-text line 3: step 2: assert: missing parameter 'expression'",
      "ERROR: --play-text line 3: step 2: assert: unknown parameter 'expresion' (did you mean 'expression'?)"]),
])
def test_broken_play_text_stops_before_the_session_naming_its_lines(session, text, lines):
    result = session.runpytest("-p", "no:randomly", "--play-text", text)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(lines)
    assert "Traceback" not in result.stderr.str() + result.stdout.str()
    assert "test session starts" not in result.stdout.str()


def test_play_file_runs_a_file_whatever_its_name(session):
    session.makefile(".json", bug_1234='{"steps": [{"type": "assert", "expression": "True"}]}')
    result = session.runpytest("-p", "no:randomly", "-v", "--play-file", "bug_1234.json")
    result.stdout.fnmatch_lines(["bug_1234.json::bug_1234 PASSED*"])
    result.assert_outcomes(passed=1)


def test_play_file_named_test_star_is_collected_once(session):
    session.makefile(".yml", test_other="- {type: assert, expression: 'True'}\n")
    result = session.runpytest("-p", "no:randomly", "--play-file", "test_other.yml")
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize(("options", "message"), [
    (["--play-file", "missing.yml"], "ERROR: --play-file missing.yml: no such file"),
    (["--play-file", "test_committed.txt"],
     "ERROR: --play-file test_committed.txt: the name must end with .json, .yml, .yaml"),
    (["--play-file", "test_committed.yml", "--play-text", "[]"],
     "ERROR: give either --play-text or --play-file, not both"),
    (["--play-file", "test_broken.yml"], "ERROR: test_broken.yml line 1: step 1: missing 'type'"),
])
def test_play_file_problems_are_usage_errors(session, options, message):
    session.makefile(".txt", test_committed="- {type: assert, expression: 'True'}\n")
    session.makefile(".yml", test_broken="- {expression: 'True'}\n")
    result = session.runpytest("-p", "no:randomly", *options)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_the_options_are_listed_in_the_play_help_group(pytester):
    result = pytester.runpytest("--help")
    result.stdout.fnmatch_lines(["pytest-play scenarios:", "*--play-text=TEXT*", "*--play-file=PATH*"])


def test_the_printed_command_hides_the_access_key_of_a_grid_url(tmp_path):
    import subprocess
    import sys
    env = {"PATH": "/usr/bin:/bin", "WORKSPACE": str(tmp_path),
           "SELENIUM_GRID_URL": "https://qa-user:Acc3ss-Key@grid.example.com/wd/hub"}
    result = subprocess.run([sys.executable, "-m", "pytest_play.jenkins", "--dry-run"], env=env,
                            capture_output=True, text=True, cwd=Path(__file__).resolve().parent.parent)
    assert result.returncode == 0, result.stderr
    assert "https://qa-user:*****@grid.example.com/wd/hub" in result.stdout
    assert "Acc3ss-Key" not in result.stdout + result.stderr
