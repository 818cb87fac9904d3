"""Where browser steps get their browser: the `browser` fixture, one browser a
session (or a test), started on the first browser step, reset between tests and
replaced when it died or hung.

This module is also the one seam to pytest-splinter, which is optional
(`pip install pytest-play[splinter]`) and unmaintained. Nothing else in
pytest-play imports it or uses its fixtures:

- without it, this module adds the `--splinter-*` options that pytest-play
  reads, so command lines written for pytest-splinter keep working;
- with it, its options are read, and this `browser` fixture replaces its own
  (it is registered after every plugin, and the last registered wins), so
  Python tests that use `browser` get the same browser as the scenarios.

Options: `--play-browser chrome|firefox|remote` (or `--splinter-webdriver`),
`--play-headless` (`--splinter-headless`), `--play-remote-url`
(`--splinter-remote-url`), `--splinter-webdriver-executable`,
`--splinter-socket-timeout`, `--splinter-session-scoped-browser false` (a new
browser for each test), `--splinter-make-screenshot-on-failure false` (no
evidence files), `--splinter-screenshot-dir` (see `evidence`). Each wins over
the `browser:` section of the variables file (see `launch`).

The `browser` fixture is a splinter browser (`browser.visit(...)`,
`browser.driver` is the selenium WebDriver).
"""

from __future__ import annotations

import functools
import logging
import os
import shutil
import tempfile
from pathlib import Path

import pytest

from .launch import (DRIVERS, BrowserSetupError, LaunchPlan, find_executable, kill_tagged_processes,
                     load_settings, quit_driver, reset_browser_state, set_command_timeout)

LOGGER = logging.getLogger(__name__)
SPLINTER_PLUGIN = "pytest_splinter.plugin"
WEBDRIVERS = ("chrome", "firefox", "remote")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("play", "pytest-play scenarios")
    group.addoption("--play-browser", choices=WEBDRIVERS, default=None,
                    help="the browser of browser steps (default: --splinter-webdriver, else remote "
                         "when a remote URL is known, else the variables' browser.name, else chrome)")
    group.addoption("--play-headless", action="store_true", default=False,
                    help="run the browser headless (also --splinter-headless)")
    group.addoption("--play-remote-url", metavar="URL", default=None,
                    help="a Selenium Grid for browser steps (also --splinter-remote-url)")


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser) -> None:
    # Every installed plugin is loaded by now, conftest files not yet: the
    # moment to know whether pytest-splinter brings its options.
    if not splinter_loaded(early_config.pluginmanager):
        add_splinter_options(parser)


def pytest_configure(config: pytest.Config) -> None:
    # Selenium-manager would try to download drivers: we always name them.
    os.environ.setdefault("SE_OFFLINE", "true")
    if not config.pluginmanager.has_plugin(BrowserFixtures.NAME):
        config.pluginmanager.register(BrowserFixtures(), BrowserFixtures.NAME)


def splinter_loaded(pluginmanager) -> bool:
    """pytest-splinter is registered (as an entry point, `-p` or `pytest_plugins`)."""
    return any(getattr(plugin, "__name__", None) == SPLINTER_PLUGIN for plugin in pluginmanager.get_plugins())


def add_splinter_options(parser: pytest.Parser) -> None:
    """pytest-splinter's options that pytest-play reads, with its names, defaults and types."""
    group = parser.getgroup("splinter", "browser options of pytest-splinter, read by pytest-play")
    group.addoption("--splinter-webdriver", dest="splinter_webdriver", choices=WEBDRIVERS, default=None,
                    metavar="DRIVER", help="chrome, firefox or remote (like --play-browser)")
    group.addoption("--splinter-remote-url", dest="splinter_remote_url", metavar="URL", default=None,
                    help="remote webdriver URL (like --play-remote-url)")
    group.addoption("--splinter-headless", dest="splinter_headless", action="store_true",
                    help="run the browser headless (like --play-headless)")
    group.addoption("--splinter-webdriver-executable", dest="splinter_webdriver_executable",
                    metavar="PATH", default="", help="the driver binary (default: found on PATH)")
    group.addoption("--splinter-socket-timeout", dest="splinter_webdriver_socket_timeout", type=int,
                    metavar="SECONDS", default=120, help="seconds a driver call may take")
    group.addoption("--splinter-session-scoped-browser", dest="splinter_session_scoped_browser",
                    choices=["false", "true"], default="true", metavar="false|true",
                    help="one browser for the session (default) or one for each test")
    group.addoption("--splinter-make-screenshot-on-failure", dest="splinter_make_screenshot_on_failure",
                    choices=["false", "true"], default="true", metavar="false|true",
                    help="save a screenshot and the page HTML of a failed browser step")
    group.addoption("--splinter-screenshot-dir", dest="splinter_screenshot_dir", metavar="DIR", default=".",
                    help="where evidence files go (default: the current directory; --play-artifacts wins)")


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


class PooledBrowser:
    """One started browser: the WebDriver, its private directory, and whether it still answers."""

    def __init__(self, driver, profile: Path | None, name: str):
        self.driver = driver
        self.profile = profile
        self.name = name
        self.broken = False
        self._splinter = None

    def splinter(self):
        """The splinter browser around the driver (made on first use: splinter imports slowly)."""
        if self._splinter is None:
            from splinter.driver.webdriver import BaseWebDriver

            class PlayBrowser(BaseWebDriver):
                driver_name = {"chrome": "Chrome", "firefox": "Firefox"}.get(self.name, self.name)

            self._splinter = PlayBrowser(self.driver)
        return self._splinter


class BrowserPool:
    """The browser of one session (or xdist worker)."""

    def __init__(self, plan: LaunchPlan, *, session_scoped: bool, profiles_dir: Path):
        self.plan = plan
        self.session_scoped = session_scoped
        self.profiles_dir = profiles_dir
        self.current: PooledBrowser | None = None
        self.launches = 0

    def acquire(self, request: pytest.FixtureRequest) -> PooledBrowser:
        if self.current is None or self.current.broken:
            self._discard_current()
            self.current = self._start()
        browser = self.current
        request.addfinalizer(functools.partial(self.release, browser))
        return browser

    def release(self, browser: PooledBrowser) -> None:
        """After a test: reset the browser for the next one, or get rid of it."""
        if browser is not self.current:
            return
        if not self.session_scoped:
            self._discard_current()
            return
        try:
            reset_browser_state(browser.driver)
        except Exception:
            LOGGER.warning("The browser did not answer; the next test gets a new one", exc_info=True)
            browser.broken = True
            self._discard_current()

    def close(self) -> None:
        self._discard_current()
        kill_tagged_processes(str(self.profiles_dir) + os.sep)
        shutil.rmtree(self.profiles_dir, ignore_errors=True)

    def _start(self) -> PooledBrowser:
        """A new browser that has answered once within `start_timeout`; one that
        hangs (a busy or broken machine) is replaced once more."""
        for attempt in (1, 2):
            self.launches += 1
            driver, profile = self.plan.start(self.profiles_dir)
            try:
                driver.get("about:blank")
            except Exception:
                quit_driver(driver, profile)
                if attempt == 2:
                    raise
                LOGGER.warning("A new browser did not answer; starting another one", exc_info=True)
                continue
            set_command_timeout(driver, self.plan.command_timeout)
            return PooledBrowser(driver, profile, self.plan.webdriver)
        raise AssertionError("unreachable")

    def _discard_current(self) -> None:
        if self.current is not None:
            quit_driver(self.current.driver, self.current.profile)
            self.current = None


class BrowserFixtures:
    """The fixtures of browser steps (registered by pytest_configure, after every plugin)."""

    NAME = "pytest_play.browser.fixtures"

    @pytest.fixture(scope="session")
    def browser_settings(self, request: pytest.FixtureRequest) -> dict:
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
    def browser_launch_plan(self, request: pytest.FixtureRequest, browser_settings: dict) -> LaunchPlan:
        """What browser to start; a conftest may wrap it (e.g. to count or slow down launches)."""
        try:
            return launch_plan(request.config, browser_settings)
        except BrowserSetupError as error:
            pytest.fail(str(error), pytrace=False)

    @pytest.fixture(scope="session")
    def play_browser_pool(self, request: pytest.FixtureRequest, browser_launch_plan: LaunchPlan):
        # In the system's temporary directory, not pytest's: Chromium refuses
        # to start when the path of its profile's socket exceeds 107 bytes.
        pool = BrowserPool(browser_launch_plan, profiles_dir=Path(tempfile.mkdtemp(prefix="pytest-play-")),
                           session_scoped=request.config.getoption("splinter_session_scoped_browser",
                                                                   "true") != "false")
        yield pool
        pool.close()

    @pytest.fixture
    def browser(self, request: pytest.FixtureRequest, play_browser_pool: BrowserPool):
        """The splinter browser of this test (`.driver`: the selenium WebDriver)."""
        return play_browser_pool.acquire(request).splinter()
