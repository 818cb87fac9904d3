"""The form's choices BROWSER, OS and RESOLUTION: every bad one is reported in one
run (a bad OS used to hide a bad RESOLUTION, a bad BROWSER both), as the README
promises ("every bad field at once"); the real command line, --dry-run."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent


def dry_run(**fields):
    environ = {key: value for key, value in os.environ.items() if key not in (
        "BROWSER", "OS", "RESOLUTION", "COUNT", "PLAY", "SELENIUM_GRID_URL", "DEBUG", "TESTRAIL_ENABLE")}
    return subprocess.run([sys.executable, "-m", "pytest_play.jenkins", "--dry-run"], cwd=ROOT,
                          env={**environ, "ENVIRONMENT": "local", **fields}, capture_output=True, text=True,
                          timeout=60)


def test_a_bad_browser_os_and_resolution_are_all_reported():
    done = dry_run(BROWSER="SAFARI", OS="WINDOWS", RESOLUTION="800x600", COUNT="x")
    assert done.returncode == 4
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0].startswith("pytest_play.jenkins: BROWSER=SAFARI: unknown; valid values: ")
    assert "CHROME" in lines[0]
    assert lines[1] == ("pytest_play.jenkins: OS=WINDOWS: unknown; valid values: "
                        "ANY, LINUX, MACOS-14, WINDOWS-10, WINDOWS-11")
    assert lines[2] == ("pytest_play.jenkins: RESOLUTION=800x600: unknown; valid values: "
                        "1280x800, 1366x768, 1920x1080, 2560x1440, DEFAULT")
    assert lines[3] == "pytest_play.jenkins: COUNT=x: expected a whole number >= 1"
    assert len(lines) == 4


def test_good_choices_still_give_their_variables_files():
    done = dry_run(BROWSER="CHROME", OS="LINUX", RESOLUTION="1366x768")
    assert done.returncode == 0, done.stderr
    assert ("--variables envs/browsers/CHROME.yml --variables envs/os/LINUX.yml "
            "--variables envs/resolutions/1366x768.yml") in done.stdout
