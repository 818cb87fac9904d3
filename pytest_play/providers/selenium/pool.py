"""The browser of one session (or xdist worker): started on first use, reset
after each test, replaced when it no longer answers."""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import shutil
import signal
import threading
from pathlib import Path

import pytest

from .launch import LaunchPlan, kill_tagged_processes, quit_driver, reset_browser_state, set_command_timeout

LOGGER = logging.getLogger(__name__)


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
            with scenario_clock_paused():
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


@contextlib.contextmanager
def scenario_clock_paused():
    """Stop the scenario timeout's clock (a SIGALRM timer) while a browser
    starts: the start of a shared browser is not the time of the scenario that
    happens to come first, and a start interrupted halfway would leave a
    browser behind. The start has its own bound (start_timeout)."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return
    remaining, interval = signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        yield
    finally:
        if remaining:
            signal.setitimer(signal.ITIMER_REAL, remaining, interval)
