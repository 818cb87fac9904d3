"""A cookiecutter-qa-shaped pytest-play 2.x project (tests/compat/cookiecutter_qa) runs as it is.

Issue 16's "done when": with its one ini line (`play_unknown_keys = warn`), the
project passes with no edits to its scenario files; without the line its
unknown 2.x keys fail at file:line; after `python -m pytest_play.migrate` they
pass without it.

Its files are copied unchanged; only the addresses in its variables file are
filled in with the demo app and the Mosquitto broker this session started. It
runs in a pytest subprocess, in headless Chromium, twice: as a fresh checkout
(no old plugins) and with its requirements installed (the five real pytest-play
2.x plugins, pytest-statsd and statsd) and `--stats-d` pointed at a UDP listener.
"""

import shutil
import sys
from pathlib import Path

import pytest

from compat_packages import PINS, legacy_site, python_path
from test_compat_statsd import Listener

PROJECT = Path(__file__).resolve().parent / "compat" / "cookiecutter_qa"
RUN = ("-p", "no:randomly", "-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:cacheprovider",
       "--variables", "variables.yml", "--splinter-webdriver", "chrome", "--splinter-headless", "-v")
SCENARIOS = 7
UNKNOWN_KEYS_LINE = "play_unknown_keys = warn\n"


@pytest.fixture
def project(pytester, demo_server, mosquitto_server, monkeypatch):
    """The project copied into the pytester folder; its scenario files' bytes, to check they stay as they were."""
    monkeypatch.setenv("SE_OFFLINE", "true")
    shutil.copytree(PROJECT, pytester.path, dirs_exist_ok=True)
    variables = pytester.path / "variables.yml"
    variables.write_text(variables.read_text().format(
        demo_url=demo_server.url, ws_url=demo_server.ws_url, mqtt_host=mosquitto_server.host,
        mqtt_port=mosquitto_server.port))
    return {path: path.read_bytes() for path in pytester.path.glob("tests/test_*.yml")}


def passed_unchanged(result, project):
    result.assert_outcomes(passed=SCENARIOS)
    assert len(project) == SCENARIOS
    assert all(path.read_bytes() == text for path, text in project.items())


def test_the_requirements_are_the_packages_the_tests_install():
    listed = [line for line in (PROJECT / "requirements.txt").read_text().split() if "==" in line]
    assert listed == list(PINS)


def test_without_its_ini_line_the_unknown_keys_fail_at_file_line_until_migrate_renames_them(pytester, project):
    ini = pytester.path / "pytest.ini"
    assert UNKNOWN_KEYS_LINE in ini.read_text()  # the project's one ini line for pytest-play 3
    ini.write_text(ini.read_text().replace(UNKNOWN_KEYS_LINE, ""))
    without_browser = (*RUN, "-m", "not browser")
    result = pytester.runpytest_subprocess(*without_browser)
    result.assert_outcomes(passed=SCENARIOS - 2, failed=1)
    result.stdout.fnmatch_lines(["tests/test_categories_api.yml:6: step 1: GET: unknown parameter 'expression' *"])
    migrated = pytester.run(sys.executable, "-m", "pytest_play.migrate", "tests")
    assert migrated.ret == 0, migrated.stdout.str()
    migrated.stdout.fnmatch_lines(["tests/test_categories_api.yml:9: step 1: GET: renamed 'expression' to 'assertion'"])
    pytester.runpytest_subprocess(*without_browser).assert_outcomes(passed=SCENARIOS - 1)


def test_the_project_passes_as_is_without_the_old_plugins(pytester, project):
    result = pytester.runpytest_subprocess(*RUN)
    passed_unchanged(result, project)
    assert "is served by" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*tests/test_categories_api.yml:6: UnknownKeyWarning: step 1: GET: unknown "
                                 "parameter 'expression' ignored*"])


def test_the_project_passes_as_is_with_the_five_old_plugins_installed_and_statsd_on(
        pytester, project, monkeypatch, request):
    monkeypatch.setenv("PYTHONPATH", python_path(legacy_site(request.config)))
    listener = Listener()
    try:
        result = pytester.runpytest_subprocess(*RUN, "--stats-d", "--stats-host", "127.0.0.1",
                                               "--stats-port", str(listener.port), "--stats-prefix", "qa")
        lines = listener.lines()
    finally:
        listener.sock.close()
    passed_unchanged(result, project)
    ours = r"pytest-play 3.*"
    result.stdout.fnmatch_lines_random([
        f"play provider 'selenium' is served by {ours} (built-in; it replaces play-selenium 0.0.3, a pytest-play "
        "2.x plugin also installed; to use it: play_providers = selenium = play-selenium)",
        f"play provider 'play_requests' is served by {ours} (built-in; it replaces play-requests 0.0.5, *)",
        f"play provider 'play_sql' is served by {ours} (built-in; it replaces play-sql 0.0.3, *)",
        f"play provider 'mqtt' is served by {ours} (built-in; it replaces play-mqtt 0.0.5, *"
        "to use it: play_providers = mqtt = play-mqtt)",
        f"play provider 'play_websocket' is served by {ours} (built-in; it replaces play-websocket 0.0.2, *)",
        "plugins: *statsd-1.1.6*",
    ])
    timing = [line for line in lines if line.startswith("qa.login_time:")]
    assert len(timing) == 1 and timing[0].endswith("|ms"), lines
    assert "qa.logins:1|g" in lines, lines
    assert f"qa.passed:{SCENARIOS}|g" in lines and "qa.failed:0|g" in lines
