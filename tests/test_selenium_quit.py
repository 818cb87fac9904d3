"""quit_driver releases the driver process: its pipes closed and the process reaped,
with no urllib3 retry warnings.

It kills the tagged processes before quit(), so selenium's Service.stop() sees no
running process and leaves its pipes alone; the old leg (selenium 4.40) then showed
`ResourceWarning: unclosed file <_io.BufferedWriter ...>` from the driver's stdin.
"""

import gc
import logging
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from pytest_play.providers.selenium.launch import LaunchPlan, quit_driver
from pytest_play.providers.selenium.settings import load_settings


def test_quit_driver_closes_the_driver_pipes_and_reaps_it(caplog):
    os.environ.setdefault("SE_OFFLINE", "true")
    plan = LaunchPlan(webdriver="chrome", settings=load_settings({}), headless=True, remote_url=None,
                      driver_path=shutil.which("chromedriver") or "/usr/bin/chromedriver", command_timeout=60)
    profiles = Path(tempfile.mkdtemp(prefix="pytest-play-quit-"))
    try:
        driver, profile = plan.start(profiles)
        process = driver.service.process
        with caplog.at_level(logging.DEBUG):
            quit_driver(driver, profile)
        # quit() after the kill retried the closed port: three urllib3 warnings in every failing test's report
        assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
        assert process.stdin.closed
        assert process.returncode is not None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ResourceWarning)
            del driver, process
            gc.collect()
        assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []
    finally:
        shutil.rmtree(profiles, ignore_errors=True)
