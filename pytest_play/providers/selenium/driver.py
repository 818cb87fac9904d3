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

import os

import pytest

from . import fixtures
from .fixtures import WEBDRIVERS

SPLINTER_PLUGIN = "pytest_splinter.plugin"


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
    # Registered after every plugin: the last registered wins a fixture name.
    if not config.pluginmanager.has_plugin(fixtures.NAME):
        config.pluginmanager.register(fixtures, fixtures.NAME)


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
