"""The fixtures of browser steps: `browser` (a splinter browser; `.driver` is
the selenium WebDriver), `browser_settings`, `browser_launch_plan` and
`play_browser_pool`. `driver` registers this module after every plugin, so its
`browser` wins over pytest-splinter's."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from .launch import LaunchPlan, find_executable
from .settings import DRIVERS, BrowserSetupError, load_settings
from .pool import BrowserPool

NAME = "pytest_play.browser.fixtures"
WEBDRIVERS = ("chrome", "firefox", "remote")


@pytest.fixture(scope="session")
def browser_settings(request: pytest.FixtureRequest) -> dict:
    """The variables file's `browser:` section with defaults."""
    try:
        variables = request.getfixturevalue("variables")
    except pytest.FixtureLookupError:  # pytest-variables not loaded
        variables = {}
    try:
        return load_settings(variables)
    except BrowserSetupError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def browser_launch_plan(request: pytest.FixtureRequest, browser_settings: dict) -> LaunchPlan:
    """What browser to start; a conftest may wrap it (e.g. to count or slow down launches)."""
    try:
        return launch_plan(request.config, browser_settings)
    except BrowserSetupError as error:
        pytest.fail(str(error), pytrace=False)


@pytest.fixture(scope="session")
def play_browser_pool(request: pytest.FixtureRequest, browser_launch_plan: LaunchPlan):
    # In the system's temporary directory, not pytest's: Chromium refuses
    # to start when the path of its profile's socket exceeds 107 bytes.
    scoped = request.config.getoption("splinter_session_scoped_browser", "true") != "false"
    pool = BrowserPool(browser_launch_plan, profiles_dir=Path(tempfile.mkdtemp(prefix="pytest-play-")),
                       session_scoped=scoped)
    yield pool
    pool.close()


@pytest.fixture
def browser(request: pytest.FixtureRequest, play_browser_pool: BrowserPool):
    """The splinter browser of this test (`.driver`: the selenium WebDriver)."""
    return play_browser_pool.acquire(request).splinter()


def launch_plan(config: pytest.Config, settings: dict) -> LaunchPlan:
    """The browser to start, from the options (which win) and the settings."""
    option = config.getoption
    remote_url = option("play_remote_url") or option("splinter_remote_url", None) or settings.get("remote_url")
    webdriver = (option("play_browser") or option("splinter_webdriver", None)
                 or ("remote" if remote_url else settings["name"]))
    if webdriver not in WEBDRIVERS:
        raise BrowserSetupError(f"pytest-play starts chrome, firefox or remote browsers, not {webdriver!r}")
    return LaunchPlan(
        webdriver=webdriver, settings=settings, remote_url=remote_url,
        headless=bool(option("play_headless") or option("splinter_headless", False) or settings.get("headless")),
        driver_path=_driver_path(config, settings, webdriver),
        command_timeout=float(settings.get("command_timeout")
                              or option("splinter_webdriver_socket_timeout", None) or 120))


def _driver_path(config: pytest.Config, settings: dict, webdriver: str) -> str | None:
    if webdriver not in DRIVERS:
        return None
    given = config.getoption("splinter_webdriver_executable", None) or settings.get("driver")
    path = os.path.abspath(given) if given else find_executable(DRIVERS[webdriver])
    if not path or not os.access(path, os.X_OK):
        raise BrowserSetupError(
            f"{DRIVERS[webdriver][0]} not found ({given or 'PATH'}): install it, set browser.driver "
            "in the variables file or pass --splinter-webdriver-executable")
    return path
