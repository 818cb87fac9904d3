"""The browser fixture (pytest_play.providers.selenium.driver) in real pytest
sessions with headless Debian Chromium.

Each test writes a small test module into a pytester directory and runs it in
a subprocess.  Unless a test is about entry points, plugin autoloading is off
and pytest-splinter is not loaded: the driver module brings the `--splinter-*`
options itself.
"""
import functools
import http.server
import inspect
import json
import os
import shutil
import socket
import subprocess
import textwrap
import threading
import time
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import yaml

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[1]
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
DRIVER_MODULE = "pytest_play.providers.selenium.driver"
PLUGINS = ("-p", DRIVER_MODULE, "-p", "pytest_variables.plugin", "-p", "no:randomly")
# Extra options for every inner session, e.g. INNER_EXTRA="-o log_cli=true".
EXTRA = os.environ.get("INNER_EXTRA", "").split()
PAGE = "data:text/html,<title>t</title><p>hello</p>"

pytestmark = pytest.mark.skipif(
    not (os.access(CHROMEDRIVER, os.X_OK) and shutil.which("chromium")),
    reason="needs chromium and chromedriver")


def processes_mentioning(text):
    """Live processes whose command line or environment contain text."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            data = (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
        except OSError:
            continue
        if text.encode() in data:
            found.append(int(entry.name))
    return found


def wait_for_no_processes(text, timeout=5.0):
    """Killed processes take a moment to go: poll instead of sleeping."""
    deadline = time.monotonic() + timeout
    while processes_mentioning(text) and time.monotonic() < deadline:
        time.sleep(0.1)
    return processes_mentioning(text)


def children_of(pid):
    children = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_bytes().rsplit(b")", 1)[1].split()[1]) == pid:
                children.append(int(stat.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    return children


# Shared by the inner sessions (every inner process inherits HOME=<pytester
# dir> from pytester: the marker the process checks look for).
INNER_HELPERS = "\n".join([
    "import os, time",
    "from pathlib import Path",
    inspect.getsource(processes_mentioning),
    inspect.getsource(wait_for_no_processes),
    inspect.getsource(children_of),
])
INNER_CONFTEST = """
import json, os, pytest
from pathlib import Path

@pytest.fixture
def record(request):
    \"\"\"Save data for the outer test as records/<worker>-<test>.json.\"\"\"
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    def write(**data):
        path = Path(os.environ["HOME"]) / "records" / f"{worker}-{request.node.name}.json"
        path.parent.mkdir(exist_ok=True)
        old = json.loads(path.read_text()) if path.exists() else {}
        path.write_text(json.dumps({**old, **data}))
    return write
"""


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def run(pytester, monkeypatch):
    """Run inner test source in a pytest subprocess; returns the result."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    monkeypatch.delenv("SE_OFFLINE", raising=False)
    for name in ("PYTEST_XDIST_WORKER", "PYTEST_XDIST_WORKER_COUNT", "PYTEST_XDIST_TESTRUNUID"):
        monkeypatch.delenv(name, raising=False)  # when this file runs under xdist
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(inner_helpers=INNER_HELPERS)

    def run_(source, *args, plugins=PLUGINS, timeout=90):
        pytester.makepyfile(test_inner="from inner_helpers import *\n" + textwrap.dedent(source))
        return pytester.runpytest_subprocess(*plugins, *args, *EXTRA, timeout=timeout)

    return run_


@pytest.fixture
def records(pytester):
    def read():
        folder = pytester.path / "records"
        return {p.stem: json.loads(p.read_text()) for p in folder.glob("*.json")}
    return read


@pytest.fixture
def variables_file(pytester):
    def write(name, data):
        path = pytester.path / f"{name}.yml"
        path.write_text(yaml.safe_dump(data))
        return str(path)
    return write


@pytest.fixture
def site(pytester):
    """A loopback HTTP server serving page.html from the pytester directory."""
    (pytester.path / "page.html").write_text("<title>page</title><p>hello</p>")
    handler = functools.partial(QuietHandler, directory=str(pytester.path))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.server_port
    server.shutdown()
    server.server_close()


def use_entry_points(pytester, monkeypatch):
    """Turn plugin autoloading back on.  Without the project's own pytest11
    entry point for the driver module (an old install), fake one that is found
    *before* pytest-splinter's (PYTHONPATH precedes site-packages) and block the
    rest of pytest_play, which may register the module a second way.  Returns
    the extra -p options."""
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    ours = [ep for ep in entry_points(group="pytest11") if ep.value.startswith("pytest_play")]
    if any(ep.value == DRIVER_MODULE for ep in ours):
        return ["-p", "no:randomly"]
    dist = pytester.path / "ep" / "pytest_play_browser_ep-0.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: pytest-play-browser-ep\nVersion: 0\n")
    (dist / "entry_points.txt").write_text(f"[pytest11]\nplay-browser = {DRIVER_MODULE}\n")
    monkeypatch.setenv("PYTHONPATH", f"{dist.parent}{os.pathsep}{os.environ['PYTHONPATH']}")
    return [arg for ep in ours for arg in ("-p", f"no:{ep.name}")] + ["-p", "no:randomly"]


def test_plain_splinter_options_start_debian_chromium_as_root_from_an_entry_point_plugin(
        run, pytester, monkeypatch, records):
    plugins = use_entry_points(pytester, monkeypatch)
    result = run(f"""
        import os

        def test_chromium(browser, request, record):
            browser.visit("{PAGE}")
            assert browser.is_text_present("hello")
            driver = browser.driver
            browser_cmdlines = [Path(f"/proc/{{pid}}/cmdline").read_bytes().split(b"\\0")
                                for pid in children_of(driver.service.process.pid)]
            names = [name for name, _ in request.config.pluginmanager.list_name_plugin()]
            record(binary=driver.options.binary_location,
                   driver=driver.service.path, offline=os.environ["SE_OFFLINE"],
                   agent=driver.execute_script("return navigator.userAgent"),
                   timeouts=[driver.timeouts.page_load, driver.timeouts.script],
                   command_timeout=driver.command_executor.client_config.timeout,
                   cmdline=[a.decode() for a in browser_cmdlines[0]], names=names)
    """, "--splinter-webdriver", "chrome", "--splinter-headless", plugins=plugins)
    result.assert_outcomes(passed=1)
    data = records()["main-test_chromium"]
    assert data["binary"] == "/usr/bin/chromium"
    assert data["driver"] == CHROMEDRIVER
    assert data["cmdline"][0].startswith("/usr/lib/chromium/")
    for flag in ("--headless=new", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update"):
        assert flag in data["cmdline"]
    assert ("--no-sandbox" in data["cmdline"]) == (os.geteuid() == 0)
    assert "HeadlessChrome" in data["agent"]
    assert data["offline"] == "true"
    assert data["timeouts"] == [30, 30]
    assert data["command_timeout"] == 120
    # Whatever the entry point order, the fixtures come after pytest-splinter's.
    names = data["names"]
    if "pytest-splinter" in names:
        assert names.index("pytest_play.browser.fixtures") > names.index("pytest-splinter")


def test_an_explicit_se_offline_value_is_left_alone(run, monkeypatch):
    monkeypatch.setenv("SE_OFFLINE", "false")
    result = run("""
        import os
        def test_env():
            assert os.environ["SE_OFFLINE"] == "false"
    """)
    result.assert_outcomes(passed=1)


def test_browser_settings_come_from_a_second_variables_file(run, variables_file, records):
    env = variables_file("env", {"base_url": "http://example.invalid"})
    browser = variables_file("chrome", {"browser": {
        "name": "chrome", "headless": True, "window_size": [1024, 700],
        "arguments": ["--user-agent=pytest-play-agent/1.0"],
        "capabilities": {"acceptInsecureCerts": True},
        "page_load_timeout": 12, "script_timeout": 7, "command_timeout": 45}})
    result = run(f"""
        def test_settings(browser, variables, record):
            browser.visit("{PAGE}")
            driver = browser.driver
            record(driver=browser.driver_name, base_url=variables["base_url"],
                   width=driver.execute_script("return window.innerWidth"),
                   agent=driver.execute_script("return navigator.userAgent"),
                   insecure=driver.capabilities["acceptInsecureCerts"],
                   timeouts=[driver.timeouts.page_load, driver.timeouts.script],
                   command_timeout=driver.command_executor.client_config.timeout,
                   args=driver.options.arguments)
    """, "--variables", env, "--variables", browser)
    result.assert_outcomes(passed=1)
    data = records()["main-test_settings"]
    assert data["driver"] == "Chrome" and data["base_url"] == "http://example.invalid"
    assert data["width"] == 1024
    assert data["agent"] == "pytest-play-agent/1.0"
    assert data["insecure"] is True
    assert data["timeouts"] == [12, 7] and data["command_timeout"] == 45
    assert "--headless=new" in data["args"]


def test_one_browser_serves_the_session_with_cookies_storage_and_popups_cleared_between_tests(
        run, site, records):
    result = run(f"""
        ORIGINS = ["http://127.0.0.1:{site}/page.html", "http://localhost:{site}/page.html"]
        STATE = "return [localStorage.length, sessionStorage.length, document.cookie]"

        def test_1_dirty(browser, record):
            for url in ORIGINS:
                browser.visit(url)
                browser.driver.execute_script(
                    "localStorage.setItem('k', 'v'); sessionStorage.setItem('s', 'v');"
                    "document.cookie = 'c=v; max-age=3600'")
                assert browser.driver.execute_script(STATE) == [1, 1, "c=v"]
            for url in ORIGINS:  # two popups, then close the current window
                browser.driver.execute_script("window.open(arguments[0])", url)
            browser.driver.close()
            record(session=browser.driver.session_id)

        def test_2_clean(browser, record):
            windows = len(browser.driver.window_handles)
            states = []
            for url in ORIGINS:
                browser.visit(url)
                states.append(browser.driver.execute_script(STATE))
            record(session=browser.driver.session_id, windows=windows, states=states)
    """, "--splinter-headless")
    result.assert_outcomes(passed=2)
    data = records()
    assert data["main-test_1_dirty"]["session"] == data["main-test_2_clean"]["session"]
    assert data["main-test_2_clean"]["windows"] == 1
    assert data["main-test_2_clean"]["states"] == [[0, 0, ""], [0, 0, ""]]


def test_each_xdist_worker_has_its_own_browser(run, pytester, records):
    result = run("""
        def test_a(browser, record):
            record(session=browser.driver.session_id)

        def test_b(browser, record):
            record(session=browser.driver.session_id)
    """, "-p", "xdist.plugin", "-n", "2", "--dist", "each", "--splinter-headless")
    result.assert_outcomes(passed=4)
    sessions = {name: data["session"] for name, data in records().items()}
    assert sessions["gw0-test_a"] == sessions["gw0-test_b"]
    assert sessions["gw1-test_a"] == sessions["gw1-test_b"]
    assert sessions["gw0-test_a"] != sessions["gw1-test_a"]
    assert wait_for_no_processes(str(pytester.path)) == []


@pytest.mark.parametrize("option, outcomes", [
    ("--tb=short", {"passed": 2, "failed": 1}),
    ("-x", {"passed": 1, "failed": 1}),
], ids=["failing-run", "exitfirst"])
def test_no_browser_process_outlives_a_failing_session(run, pytester, records, option, outcomes):
    result = run(f"""
        import os

        def test_1(browser, record):
            browser.visit("{PAGE}")
            record(processes=len(processes_mentioning(os.environ["HOME"])))

        def test_2_fails(browser):
            browser.visit("{PAGE}")
            assert False

        def test_3(browser):
            browser.visit("{PAGE}")
    """, "--splinter-headless", option)
    result.assert_outcomes(**outcomes)
    assert records()["main-test_1"]["processes"] >= 3  # driver, browser, renderer...
    assert wait_for_no_processes(str(pytester.path)) == []


def test_a_killed_or_hung_browser_is_replaced_for_the_next_test(
        run, pytester, variables_file, records):
    settings = variables_file("browser", {"browser": {"command_timeout": 3}})
    result = run(f"""
        import os, signal, time, pytest

        def profile(browser):
            return browser.driver.capabilities["chrome"]["userDataDir"]

        def check(browser, record):
            browser.visit("{PAGE}")
            assert browser.is_text_present("hello")
            record(session=browser.driver.session_id, profile=profile(browser))

        def test_1_kill_chromedriver(browser, record):
            check(browser, record)
            os.kill(browser.driver.service.process.pid, signal.SIGKILL)

        def test_2_works(browser, record):
            check(browser, record)

        def test_3_kill_chromium(browser, record):
            check(browser, record)
            for pid in children_of(browser.driver.service.process.pid):
                os.kill(pid, signal.SIGKILL)

        def test_4_works(browser, record):
            check(browser, record)

        def test_5_hang_chromedriver(browser, record):
            check(browser, record)
            os.kill(browser.driver.service.process.pid, signal.SIGSTOP)
            start = time.monotonic()
            with pytest.raises(Exception):
                browser.driver.execute_script("return 1")
            record(seconds=time.monotonic() - start)

        def test_6_works(browser, record):
            check(browser, record)
            record(leftovers=[wait_for_no_processes(p) for p in PROFILES[:-1]])

        def test_7_kill_chromedriver_last(browser):
            os.kill(browser.driver.service.process.pid, signal.SIGKILL)  # Chromium stays

        PROFILES = []
        @pytest.fixture(autouse=True)
        def remember_profile(browser):
            PROFILES.append(profile(browser))
    """, "--splinter-headless", "--variables", settings)
    result.assert_outcomes(passed=7)
    data = records()
    sessions = [data[f"main-test_{n}"]["session"] for n in ("1_kill_chromedriver", "2_works",
                                                              "3_kill_chromium", "4_works")]
    assert sessions[0] != sessions[1] and sessions[1] == sessions[2] != sessions[3]
    assert data["main-test_6_works"]["session"] != data["main-test_4_works"]["session"]
    assert data["main-test_5_hang_chromedriver"]["seconds"] < 10
    assert data["main-test_6_works"]["leftovers"] == [[]] * 5  # old browsers killed
    assert wait_for_no_processes(str(pytester.path)) == []  # even after test_7
    profiles = [Path(data[f"main-test_{name}"]["profile"]) for name in ("1_kill_chromedriver", "6_works")]
    assert all(p.parent.parent.name.startswith("pytest-play-") for p in profiles)
    assert not any(p.parent.parent.exists() for p in profiles)  # removed, killed drivers' too


def test_a_slow_or_hung_replacement_browser_is_waited_for_then_replaced(
        run, pytester, variables_file, records):
    """A busy machine: the browser started after a crash answers late at first
    (given start_timeout, not command_timeout), or never (replaced again)."""
    settings = variables_file("browser", {"browser": {"command_timeout": 3,
                                                      "start_timeout": 10}})
    result = run(f"""
        import os, signal, threading, pytest

        LAUNCHES = []

        class Unreliable:
            # Starts browsers like the real plan, then stops some drivers.
            def __init__(self, plan):
                self.plan = plan

            def __getattr__(self, name):
                return getattr(self.plan, name)

            def start(self, profiles_dir):
                driver, profile = self.plan.start(profiles_dir)
                LAUNCHES.append(driver.session_id)
                pid = driver.service.process.pid
                if len(LAUNCHES) == 2:  # slow for 5 s
                    os.kill(pid, signal.SIGSTOP)
                    threading.Timer(5, os.kill, (pid, signal.SIGCONT)).start()
                elif len(LAUNCHES) == 3:  # hung for good
                    os.kill(pid, signal.SIGSTOP)
                return driver, profile

        @pytest.fixture(scope="session")
        def browser_launch_plan(browser_launch_plan):
            return Unreliable(browser_launch_plan)

        def check(browser, record):
            browser.visit("{PAGE}")
            assert browser.is_text_present("hello")
            record(launch=LAUNCHES.index(browser.driver.session_id) + 1,
                   timeout=browser.driver.command_executor.client_config.timeout)

        def test_1(browser, record):
            check(browser, record)
            os.kill(browser.driver.service.process.pid, signal.SIGKILL)

        def test_2_slow_replacement(browser, record):
            check(browser, record)
            os.kill(browser.driver.service.process.pid, signal.SIGKILL)

        def test_3_hung_replacement(browser, record):
            check(browser, record)
    """, "--splinter-headless", "--variables", settings)
    result.assert_outcomes(passed=3)
    data = records()
    assert [data[f"main-test_{name}"] for name in ("1", "2_slow_replacement",
                                                   "3_hung_replacement")] == [
        {"launch": 1, "timeout": 3}, {"launch": 2, "timeout": 3},
        {"launch": 4, "timeout": 3}]
    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    assert wait_for_no_processes(str(pytester.path)) == []  # the hung one too


@pytest.fixture
def webdriver_endpoint(pytester):
    """chromedriver on a free port: a stand-in for a Selenium Grid."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    process = subprocess.Popen([CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    process.kill()
    process.wait()


def test_remote_url_from_a_variables_file_drives_a_remote_webdriver(
        run, pytester, variables_file, records, webdriver_endpoint):
    sandbox = ["--no-sandbox"] if os.geteuid() == 0 else []
    settings = variables_file("remote", {"browser": {
        "name": "chrome", "remote_url": webdriver_endpoint, "binary": "/usr/bin/chromium",
        "headless": True, "window_size": [900, 600],
        "arguments": [*sandbox, "--disable-dev-shm-usage",
                      f"--user-data-dir={pytester.path / 'remote-profile'}"],
        "capabilities": {"acceptInsecureCerts": True}}})
    result = run(f"""
        def test_remote(browser, record):
            browser.visit("{PAGE}")
            driver = browser.driver
            record(driver=browser.driver_name, insecure=driver.capabilities["acceptInsecureCerts"],
                   width=driver.execute_script("return window.innerWidth"),
                   url=driver.command_executor.client_config.remote_server_addr,
                   timeouts=[driver.timeouts.page_load, driver.timeouts.script])
    """, "--variables", settings)
    result.assert_outcomes(passed=1)
    data = records()["main-test_remote"]
    assert data == {"driver": "remote", "insecure": True, "width": 900,
                    "url": webdriver_endpoint, "timeouts": [30, 30]}


@pytest.mark.skipif(shutil.which("geckodriver") is not None, reason="geckodriver installed")
def test_firefox_without_geckodriver_fails_with_a_clear_message(run):
    result = run("""
        def test_firefox(browser):
            pass
    """, "--splinter-webdriver", "firefox")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*geckodriver not found*"])


@pytest.mark.parametrize("path", sorted((REPO / "envs" / "browsers").glob("*.yml")),
                         ids=lambda path: path.name)
def test_the_example_browser_files_are_valid_settings(path):
    from pytest_play.providers.selenium.settings import load_settings

    settings = load_settings(yaml.safe_load(path.read_text()))
    assert settings["name"] in ("chrome", "firefox")


def test_the_example_chrome_file_starts_headless_chromium(run, records):
    result = run(f"""
        def test_example(browser, record):
            browser.visit("{PAGE}")
            driver = browser.driver
            record(width=driver.execute_script("return window.innerWidth"),
                   agent=driver.execute_script("return navigator.userAgent"),
                   insecure=driver.capabilities["acceptInsecureCerts"])
    """, "--variables", str(REPO / "envs" / "browsers" / "CHROME.yml"))
    result.assert_outcomes(passed=1)
    data = records()["main-test_example"]
    assert data["width"] == 1280 and data["insecure"] is True
    assert "HeadlessChrome" in data["agent"]
