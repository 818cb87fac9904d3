"""Rows c (the login scenario against a hand-written selenium test), d (browser
start-up) and g (20 logins in one session against 20 by hand on one driver).

Both drive Debian's headless Chromium against the demo app, started here on a
free port. Ours runs `--splinter-webdriver chrome --splinter-headless`; the
floor builds its webdriver itself with the same binary, driver and flags, and
waits the way a careful hand-written test does (explicit waits polling every
0.1 s, as our provider does). Each side is one pytest run that starts the
browser, logs in and quits.

Row g runs the login scenario with 20 test data rows (20 tests, one browser,
reset between tests by the plugin) against one hand-written test that logs in
20 times on one driver, clearing cookies between logins.

Row d runs 1 and 20 login scenarios (and 20 under `-n 2`) with a small plugin
that counts WebDriver sessions started in each process.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

from .harness import (
    REPO,
    WORK,
    BenchmarkError,
    Timing,
    clean_env,
    fresh_dir,
    interleaved,
    pytest_command,
    run_once,
    warm_up_command,
)
from .report import Check, Row, add_check
from .servers import demo_app

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
OURS_FLAGS = ("--splinter-webdriver", "chrome", "--splinter-headless")
USER = "siteadmin"

LOGIN_STEPS = [
    {"type": "get", "url": "$base_url"},
    {"type": "clickElement", "locator": {"type": "css", "value": "#personaltools-login"}},
    {"type": "setElementText", "locator": {"type": "css", "value": "#__ac_name"}, "text": "$username"},
    {"type": "setElementText", "locator": {"type": "css", "value": "#__ac_password"}, "text": "$password"},
    {"type": "clickElement", "locator": {"type": "css", "value": ".pattern-modal-buttons > input[name=submit]"}},
    {"type": "waitForElementVisible", "locator": {"type": "css", "value": ".icon-user"}},
    {"type": "verifyText", "locator": {"type": "css", "value": ".icon-user"}, "text": "$username"},
]

FLOOR_TEST = f'''"""The login scenario written by hand with selenium: the floor of row c."""
import json
import pathlib

from selenium import webdriver
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

ARGUMENTS = ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-background-networking",
             "--disable-component-update", "--no-first-run"]


def test_login():
    variables = json.loads(pathlib.Path("vars.json").read_text())
    options = Options()
    options.binary_location = "{CHROMIUM}"
    for argument in ARGUMENTS:
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service("{CHROMEDRIVER}"))
    try:
        wait = WebDriverWait(driver, 10, poll_frequency=0.1)
        css = By.CSS_SELECTOR
        driver.get(variables["base_url"])
        wait.until(EC.element_to_be_clickable((css, "#personaltools-login"))).click()
        wait.until(EC.visibility_of_element_located((css, "#__ac_name"))).send_keys(variables["username"])
        wait.until(EC.visibility_of_element_located((css, "#__ac_password"))).send_keys(variables["password"])
        wait.until(EC.element_to_be_clickable((css, ".pattern-modal-buttons > input[name=submit]"))).click()
        wait.until(EC.visibility_of_element_located((css, ".icon-user")))
        assert wait.until(EC.text_to_be_present_in_element((css, ".icon-user"), variables["username"]))
    finally:
        driver.quit()
'''

LOGINS_FLOOR_TEST = FLOOR_TEST.replace(
    '''    try:
        wait = WebDriverWait(driver, 10, poll_frequency=0.1)''',
    '''    try:
      for login in range(LOGINS):
        driver.delete_all_cookies()
        wait = WebDriverWait(driver, 10, poll_frequency=0.1)''').replace(
    "def test_login():", "LOGINS = {logins}\n\n\ndef test_logins():").replace(
    '"""The login scenario written by hand with selenium: the floor of row c."""',
    '"""{logins} logins written by hand with selenium on one driver: the floor of row g."""')

COUNTER_PLUGIN = '''"""Counts WebDriver sessions started in this process (loaded with -p count_browsers)."""
import os

from selenium.webdriver.remote.webdriver import WebDriver

STARTS = 0
_start_session = WebDriver.start_session


def _counting_start_session(self, *args, **kwargs):
    global STARTS
    STARTS += 1
    return _start_session(self, *args, **kwargs)


WebDriver.start_session = _counting_start_session


def pytest_unconfigure(config):
    with open("browser_starts.txt", "a") as log:
        log.write(f"{os.getpid()} {STARTS}\\n")
'''


def _check_tools() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if missing:
        raise BenchmarkError(f"not installed: {', '.join(missing)}")
    if not (REPO / "pytest_play" / "providers" / "selenium" / "__init__.py").exists():
        raise BenchmarkError("the selenium provider (pytest_play/providers/selenium/) does not exist yet")


def _browser_env() -> dict:
    return clean_env({"SE_OFFLINE": "true"})


def _write_scenario(path: Path) -> None:
    path.write_text(json.dumps({"steps": LOGIN_STEPS}, indent=1))


def _write_vars(root: Path, base_url: str) -> None:
    (root / "vars.json").write_text(json.dumps({"base_url": base_url, "username": USER, "password": USER}))


def row_c(repeats: int, log=print) -> Row:
    row = Row("c", "Browser: the login scenario (headless Chromium)")
    _check_tools()
    root = fresh_dir(WORK / "c-browser")
    (root / "ours").mkdir()
    _write_scenario(root / "ours" / "test_login.json")
    (root / "floor").mkdir()
    (root / "floor" / "test_login_by_hand.py").write_text(FLOOR_TEST)
    env = _browser_env()
    with demo_app() as base_url:
        _write_vars(root, base_url)
        runs = {
            "ours": (pytest_command("-q", "--variables", "vars.json", *OURS_FLAGS, "ours"), root, env),
            "hand-written selenium test": (pytest_command("-q", "floor"), root, env),
        }
        timings = interleaved(runs, repeats)
    for label, timing in timings.items():
        if "1 passed" not in timing.output:
            raise BenchmarkError(f"{label}: expected 1 passed, got {timing.output.strip().splitlines()[-3:]}")
    row.timings = list(timings.values())
    add_check(row, "time of the hand-written selenium test", "ours", "hand-written selenium test", "<=", 1.2)
    row.notes.append("Both runs start Chromium, log in on the demo app (a modal appears ~150 ms after the "
                     "click; the user icon ~400 ms after submitting) and quit. The floor polls its explicit "
                     "waits every 0.1 s, as our provider does.")
    return row


def row_d(scenarios: int, repeats: int, log=print) -> Row:
    row = Row("d", f"Browser: {scenarios} scenarios, browser start paid once per worker")
    _check_tools()
    root = fresh_dir(WORK / "d-browser-start")
    (root / "count_browsers.py").write_text(COUNTER_PLUGIN)
    for folder, count in (("one", 1), ("many", scenarios)):
        (root / folder).mkdir()
        for index in range(count):
            _write_scenario(root / folder / f"test_login_{index:02d}.json")
    env = _browser_env()
    base = ("-q", "-p", "count_browsers", "--variables", "vars.json", *OURS_FLAGS)
    variants = {
        "1 scenario": (pytest_command(*base, "one"), 1, 1),
        f"{scenarios} scenarios": (pytest_command(*base, "many"), scenarios, 1),
        f"{scenarios} scenarios, -n 2": (pytest_command(*base, "-n", "2", "many"), scenarios, 2),
    }
    starts: dict[str, list[int]] = {label: [] for label in variants}
    timings = {label: Timing(label) for label in variants}
    log_file = root / "browser_starts.txt"
    with demo_app() as base_url:
        _write_vars(root, base_url)
        for command, _, _ in variants.values():
            run_once(warm_up_command(command), root, env)
        for _ in range(repeats):
            for label, (command, count, _) in variants.items():
                log_file.unlink(missing_ok=True)
                timings[label].add(*run_once(command, root, env))
                if f"{count} passed" not in timings[label].output:
                    raise BenchmarkError(f"{label}: expected {count} passed, got "
                                         f"{timings[label].output.strip().splitlines()[-3:]}")
                starts[label].append(_starts(log_file))
    row.timings = list(timings.values())
    one, many = timings["1 scenario"], timings[f"{scenarios} scenarios"]
    per_extra = (many.median - one.median) / (scenarios - 1)
    for label, (_, _, workers) in variants.items():
        observed = max(starts[label]) if starts[label] else None
        row.checks.append(Check(f"browser starts per run, {label}", observed, "<=", workers,
                                aim=f"{workers} worker{'s' if workers > 1 else ''}", left=label, unit=""))
    row.notes.append("Each scenario is the login scenario of row c. Browser starts counted per run (sum over "
                     "the controller and its workers): " + "; ".join(f"{k}: {v}" for k, v in starts.items()) + ".")
    row.notes.append(f"Each scenario after the first adds {per_extra:.2f} s (median {scenarios} scenarios minus "
                     f"median 1 scenario, over {scenarios - 1}); the first one, browser start included, takes "
                     f"{one.median:.2f} s in all (pytest start-up included).")
    return row


def _starts(log_file: Path) -> int:
    """Browser starts of one run: one line per process (the xdist controller and each worker)."""
    if not log_file.exists():
        raise BenchmarkError("the browser-counting plugin wrote nothing")
    return sum(int(m.group(1)) for m in re.finditer(r"^\d+ (\d+)$", log_file.read_text(), re.MULTILINE))


def row_g(logins: int, repeats: int, log=print) -> Row:
    row = Row("g", f"Browser: {logins} logins in one session")
    _check_tools()
    root = fresh_dir(WORK / "g-browser-logins")
    (root / "ours").mkdir()
    rows = [{"id": f"user{index:02d}"} for index in range(logins)]
    (root / "ours" / "test_logins.json").write_text(json.dumps({"test_data": rows, "steps": LOGIN_STEPS}, indent=1))
    (root / "floor").mkdir()
    (root / "floor" / "test_logins_by_hand.py").write_text(LOGINS_FLOOR_TEST.format(logins=logins))
    env = _browser_env()
    with demo_app() as base_url:
        _write_vars(root, base_url)
        runs = {
            "ours": (pytest_command("-q", "--variables", "vars.json", *OURS_FLAGS, "ours"), root, env),
            "hand-written selenium test": (pytest_command("-q", "floor"), root, env),
        }
        timings = interleaved(runs, repeats)
    for label, expected in (("ours", logins), ("hand-written selenium test", 1)):
        if f"{expected} passed" not in timings[label].output:
            raise BenchmarkError(f"{label}: expected {expected} passed, got "
                                 f"{timings[label].output.strip().splitlines()[-3:]}")
    row.timings = list(timings.values())
    add_check(row, "time of the hand-written selenium test", "ours", "hand-written selenium test", "<=", 1.1)
    row.notes.append(f"Ours: one scenario with {logins} test data rows, so {logins} tests on one browser that "
                     "the plugin resets after each test (extra windows closed, cookies and web storage of every "
                     f"origin cleared). The floor: one test, one driver, {logins} logins with "
                     "delete_all_cookies() before each.")
    return row
