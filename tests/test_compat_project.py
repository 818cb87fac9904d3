"""A cookiecutter-qa-shaped pytest-play 2.x project (tests/compat/cookiecutter_qa) runs as it is.

Its files are copied unchanged; only the addresses in its variables file are
filled in with the demo app and the Mosquitto broker this session started. It
runs in a pytest subprocess, in headless Chromium, twice: as a fresh checkout
(no old plugins) and with its requirements installed (the five real pytest-play
2.x plugins, pytest-statsd and statsd) and `--stats-d` pointed at a UDP listener.
"""

import shutil
from pathlib import Path

import pytest

from compat_packages import PINS, legacy_site, python_path
from test_compat_statsd import Listener

PROJECT = Path(__file__).resolve().parent / "compat" / "cookiecutter_qa"
RUN = ("-p", "no:randomly", "-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:cacheprovider",
       "--variables", "variables.yml", "--splinter-webdriver", "chrome", "--splinter-headless", "-v")
SCENARIOS = 6


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


def test_the_project_passes_as_is_without_the_old_plugins(pytester, project):
    result = pytester.runpytest_subprocess(*RUN)
    passed_unchanged(result, project)
    assert "is served by" not in result.stdout.str()


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
