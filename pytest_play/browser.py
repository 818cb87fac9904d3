"""Start and configure the browser behind pytest-splinter's ``browser`` fixture.

pytest-splinter 3.3 + splinter 0.21 + selenium 4 cannot start a browser on a
Debian CI box as root: splinter passes ``executable_path`` (selenium 4 rejects
it), Chromium needs ``--no-sandbox`` as root, selenium-manager goes online and
the remote driver still sends ``desired_capabilities``.  This plugin keeps
pytest-splinter's ``browser`` fixture, pool and screenshots, and replaces how
the browser is built.

Registration: load the module any way (``-p pytest_play.browser``, a
``pytest11`` entry point, ``pytest_plugins``).  Its fixtures live on
:class:`BrowserFixtures`, which :func:`pytest_configure` registers once all
plugins are loaded: the *last registered* plugin wins a fixture name, entry
points load in arbitrary order and ``-p`` plugins load first.  conftest.py
fixtures still override them.

Variables file (pytest-variables ``--variables FILE``; every key optional)::

    browser:
      name: chrome             # chrome | firefox (also the remote browserName)
      binary: /usr/bin/chromium
      driver: /usr/bin/chromedriver   # default: found on PATH
      arguments: [--lang=en-US]       # appended last, so they win
      capabilities: {acceptInsecureCerts: true}
      window_size: [1280, 800]        # default 1366x768
      headless: false          # true acts like --splinter-headless
      remote_url: http://127.0.0.1:4444   # a Selenium Grid: webdriver "remote"
      page_load_timeout: 30    # seconds
      script_timeout: 30       # seconds
      command_timeout: 120     # seconds per driver HTTP call, default
                               # --splinter-socket-timeout
      start_timeout: 60        # seconds a new browser may take to load its first
                               # page (at least command_timeout); a remote one
                               # also to start (selenium gives a local one 120)

Command-line options win over the file.  The webdriver is
``--splinter-webdriver`` if given, else ``remote`` when a remote URL is known
(``--splinter-remote-url`` or ``remote_url``), else ``name``, else chrome.

A local Chromium also gets ``--headless=new`` when headless, ``--no-sandbox``
as root and CI flags; a remote one only gets headless, window size and the
file's arguments (the grid node owns the rest).  After each test the session
browser's extra windows, cookies and storage are cleared; a browser that died
or hung is replaced.  A local driver runs with a private directory of the
session as ``TMPDIR`` (its browser profile goes there) and as
``PYTEST_PLAY_BROWSER_DIR``, which its processes inherit: whatever survives
``quit()`` (Chromium after chromedriver was killed) is killed.
"""
import contextlib
import copy
import functools
import logging
import os
import shutil
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from selenium.common.exceptions import NoSuchWindowException, UnexpectedAlertPresentException
from selenium.webdriver import ChromeOptions, FirefoxOptions
from selenium.webdriver.chrome.service import Service as ChromeService
from selenium.webdriver.firefox.service import Service as FirefoxService
from selenium.webdriver.remote import remote_connection
from selenium.webdriver.remote.client_config import ClientConfig
from splinter.driver.webdriver import remote_connection as splinter_connection

LOGGER = logging.getLogger(__name__)

SETTINGS_KEYS = {
    "name", "binary", "driver", "arguments", "capabilities", "window_size",
    "headless", "remote_url", "page_load_timeout", "script_timeout",
    "command_timeout", "start_timeout",
}
DEFAULT_TIMEOUT = 30
START_TIMEOUT = 60  # seconds a new browser may take to start, by default
DEFAULT_REMOTE_URL = "http://127.0.0.1:4444"
CHROME_BINARIES = ("/usr/bin/chromium", "chromium", "chromium-browser",
                   "google-chrome", "google-chrome-stable")
DRIVERS = {"chrome": ("chromedriver", "/usr/bin/chromedriver"),
           "firefox": ("geckodriver", "/usr/bin/geckodriver")}
# Unattended Chromium in a container: small /dev/shm, no updater or first-run UI.
CHROME_CI_ARGUMENTS = ("--disable-dev-shm-usage", "--disable-background-networking",
                       "--disable-component-update", "--no-first-run")
ENV_TAG = "PYTEST_PLAY_BROWSER_DIR"
CLEAR_STORAGE_JS = ("try { localStorage.clear(); } catch (e) {}"
                    "try { sessionStorage.clear(); } catch (e) {}")


def pytest_configure(config):
    # Selenium-manager would try to download drivers: we always name them.
    os.environ.setdefault("SE_OFFLINE", "true")
    # pytest-splinter calls this deprecated selenium API before every test.
    config.addinivalue_line(
        "filterwarnings",
        r"ignore:set_timeout\(\) in RemoteConnection is deprecated:DeprecationWarning")
    if not config.pluginmanager.has_plugin(BrowserFixtures.NAME):
        config.pluginmanager.register(BrowserFixtures(), BrowserFixtures.NAME)


def _find(candidates):
    """First candidate (absolute path or name on PATH) that is an executable."""
    for candidate in candidates:
        path = candidate if os.path.isabs(candidate) else shutil.which(candidate)
        if path and os.access(path, os.X_OK):
            return path
    return None


def load_settings(variables):
    """The ``browser:`` section of the variables, checked and with defaults."""
    section = (variables or {}).get("browser") or {}
    if not isinstance(section, dict):
        pytest.fail("variables: 'browser' must be a mapping", pytrace=False)
    unknown = sorted(set(section) - SETTINGS_KEYS)
    if unknown:
        pytest.fail(f"variables: unknown browser keys {unknown}; "
                    f"known: {sorted(SETTINGS_KEYS)}", pytrace=False)
    settings = {"name": "chrome", "arguments": [], "capabilities": {},
                "start_timeout": START_TIMEOUT, "page_load_timeout": DEFAULT_TIMEOUT,
                "script_timeout": DEFAULT_TIMEOUT, **section}
    if settings["name"] not in ("chrome", "firefox"):
        pytest.fail(f"variables: browser.name must be chrome or firefox, "
                    f"not {settings['name']!r}", pytrace=False)
    return settings


def _options(options, settings, arguments):
    """Fill selenium Options from our flags, then the file's (which win)."""
    for argument in [*arguments, *settings["arguments"]]:
        options.add_argument(argument)
    # W3C timeouts capability: applies from session start, also on a grid.
    options.timeouts = {"pageLoad": int(settings["page_load_timeout"] * 1000),
                        "script": int(settings["script_timeout"] * 1000)}
    for name, value in settings["capabilities"].items():
        options.set_capability(name, value)
    if settings.get("binary"):
        options.binary_location = settings["binary"]
    return options


def _chrome_arguments(headless, window_size, local):
    arguments = []
    if local:
        arguments += CHROME_CI_ARGUMENTS
        if os.geteuid() == 0:  # Chromium's sandbox refuses to start as root
            arguments.append("--no-sandbox")
    if headless:
        arguments.append("--headless=new")
    if window_size:  # pytest-splinter never resizes Chrome
        arguments.append("--window-size={},{}".format(*window_size))
    return arguments


@dataclass
class Launcher:
    """Replacement for pytest-splinter's browser class: builds the selenium
    Options/Service itself instead of using pytest-splinter's ``get_args``."""

    settings: dict
    driver_path: str
    headless: bool
    window_size: tuple
    remote_url: str
    command_timeout: float
    profiles_dir: Path
    extra_kwargs: dict

    def __call__(self, driver_name, *, visit_condition, visit_condition_timeout,
                 wait_time, **splinter_kwargs):
        profile = None
        kwargs = splinter_kwargs  # e.g. django/flask clients: nothing to fix
        if driver_name in ("chrome", "firefox"):
            profile = Path(tempfile.mkdtemp(prefix=driver_name + "-", dir=self.profiles_dir))
            kwargs = getattr(self, "_" + driver_name)(profile, splinter_kwargs)
        elif driver_name == "remote":
            kwargs = self._remote()
        # Imported late: importing it here first would stop pytest from
        # assertion-rewriting pytest-splinter when it is loaded after us.
        from pytest_splinter import plugin as splinter_plugin

        browser = splinter_plugin.Browser(
            driver_name, visit_condition=visit_condition,
            visit_condition_timeout=visit_condition_timeout,
            wait_time=wait_time, retry_count=1, **{**kwargs, **self.extra_kwargs})
        browser.pytest_play_profile = profile
        # A new browser is slow to load its first page on a busy machine: the
        # fixture tightens this to command_timeout once it is prepared.
        _own_connection(browser, self.start_timeout)
        return browser

    @property
    def start_timeout(self):
        return max(self.command_timeout, self.settings["start_timeout"])

    def _service_kwargs(self, profile):
        # The driver makes the browser profile in its TMPDIR: ours, so it is
        # deleted at session end even if the driver was killed.  (A
        # --user-data-dir of our own would make Chromium open its new-tab
        # page, which slows the first navigation and quit() down.)
        return {"executable_path": self.driver_path,
                "env": {**os.environ, ENV_TAG: str(profile), "TMPDIR": str(profile)}}

    def _browser_options(self, name, local):
        if name == "firefox":
            return _options(FirefoxOptions(), self.settings, ["-headless"] if self.headless else [])
        arguments = _chrome_arguments(self.headless, self.window_size, local)
        return _options(ChromeOptions(), self.settings, arguments)

    def _chrome(self, profile, _):
        options = self._browser_options("chrome", local=True)
        options.binary_location = options.binary_location or _find(CHROME_BINARIES) or ""
        return {"options": options, "service": ChromeService(**self._service_kwargs(profile))}

    def _firefox(self, profile, splinter_kwargs):
        options = self._browser_options("firefox", local=True)
        return {"options": options, "service": FirefoxService(**self._service_kwargs(profile)),
                # pytest-splinter's download directory preferences
                "profile_preferences": splinter_kwargs.get("profile_preferences")}

    def _remote(self):
        name = self.settings["name"]
        options = self._browser_options(name, local=False)
        url = self.remote_url or DEFAULT_REMOTE_URL
        return {"browser": name, "command_executor": url, "options": options,
                "client_config": ClientConfig(
                    remote_server_addr=url, timeout=self.start_timeout)}


def _executor(browser):
    executor = getattr(getattr(browser, "driver", None), "command_executor", None)
    return executor if isinstance(executor, remote_connection.RemoteConnection) else None


def _own_connection(browser, seconds):
    """Time out each driver HTTP call of a new browser after ``seconds``, once.

    splinter retries failed calls 3 times (3x the wait on a hung driver), so
    the connection uses selenium's plain request.  It also gets a ClientConfig
    of its own: selenium shares the newest connection's as a class attribute,
    which pytest-splinter's ``set_timeout()`` changes before every test.
    """
    executor = _executor(browser)
    if executor is not None:
        executor._client_config = copy.copy(executor.client_config)
        executor._request = functools.partial(splinter_connection.old_request, executor)
        _set_command_timeout(browser, seconds)


def _set_command_timeout(browser, seconds):
    executor = _executor(browser)
    if executor is not None:
        executor.client_config.timeout = seconds


def _proc_table():
    """{pid: (ppid, environ bytes)} of live processes, from /proc (Linux)."""
    table = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            with contextlib.suppress(OSError, ValueError, IndexError):
                with open(f"/proc/{entry.name}/stat", "rb") as stat:
                    ppid = int(stat.read().rsplit(b")", 1)[1].split()[1])
                with open(f"/proc/{entry.name}/environ", "rb") as environ:
                    table[int(entry.name)] = (ppid, environ.read())
    return table


def kill_tagged_processes(profile_prefix):
    """Kill the driver/browser processes started for profiles under
    ``profile_prefix`` and their descendants (Chromium's zygote, renderers and
    GPU processes drop our environment variable)."""
    table = _proc_table()
    needle = f"{ENV_TAG}={profile_prefix}".encode()
    pids = {pid for pid, (_, env) in table.items() if needle in env}
    stack = list(pids)
    while stack:
        parent = stack.pop()
        children = {pid for pid, (ppid, _) in table.items() if ppid == parent}
        stack.extend(children - pids)
        pids |= children
    pids.discard(os.getpid())
    for pid in pids:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    return pids


def _discard(browser):
    """Get rid of a dead or hung browser: kill its processes first, so that
    quit() (which releases selenium's Service) fails fast instead of hanging."""
    if getattr(browser, "pytest_play_profile", None):
        kill_tagged_processes(str(browser.pytest_play_profile) + "\0")
    with contextlib.suppress(Exception):
        browser.quit()


def reset_browser_state(browser):
    """Close extra windows and clear cookies and web storage of every origin."""
    driver = getattr(browser, "driver", None)
    if driver is None:
        return
    try:
        # A POST first: a hung driver fails it after one timeout (urllib3
        # retries GETs).  A closed window or an alert (dismissed) is no reason
        # to give up.
        with contextlib.suppress(NoSuchWindowException, UnexpectedAlertPresentException):
            driver.execute_script(CLEAR_STORAGE_JS)
        handles = driver.window_handles
        for handle in handles[1:]:
            driver.switch_to.window(handle)
            driver.close()
        driver.switch_to.window(handles[0])
        driver.execute_script(CLEAR_STORAGE_JS)
        driver.delete_all_cookies()  # current domain only: hence CDP below
        if hasattr(driver, "execute_cdp_cmd"):
            driver.execute_cdp_cmd("Storage.clearDataForOrigin",
                                   {"origin": "*", "storageTypes": "all"})
    except Exception:  # the next test's prepare step replaces a dead browser
        LOGGER.warning("Could not reset the browser state", exc_info=True)


class BrowserFixtures:
    """Fixtures overriding pytest-splinter's (registered by pytest_configure)."""

    NAME = "pytest_play.browser.fixtures"

    @pytest.fixture(scope="session")
    def browser_settings(self, request):
        """The variables file's ``browser:`` section with defaults."""
        try:
            variables = request.getfixturevalue("variables")
        except pytest.FixtureLookupError:  # pytest-variables not loaded
            variables = {}
        return load_settings(variables)

    @pytest.fixture(scope="session")
    def splinter_remote_url(self, request, browser_settings):
        return request.config.option.splinter_remote_url or browser_settings.get("remote_url")

    @pytest.fixture(scope="session")
    def splinter_webdriver(self, request, browser_settings, splinter_remote_url):
        explicit = request.config.option.splinter_webdriver
        return explicit or ("remote" if splinter_remote_url else browser_settings["name"])

    @pytest.fixture(scope="session")
    def splinter_headless(self, request, browser_settings):
        return bool(request.config.option.splinter_headless or browser_settings.get("headless"))

    @pytest.fixture(scope="session")
    def splinter_make_screenshot_on_failure(self):
        """Off: the selenium provider saves a screenshot and the page HTML of the failing
        step itself and names them in the report. pytest-splinter's own capture expects
        a Python traceback in the report and leaves folders in the working directory."""
        return False

    @pytest.fixture(scope="session")
    def splinter_window_size(self, browser_settings):
        return tuple(browser_settings.get("window_size") or (1366, 768))

    @pytest.fixture(scope="session")
    def splinter_selenium_socket_timeout(self, request, browser_settings):
        """Per-call driver HTTP timeout; pytest-splinter re-applies it per test."""
        return browser_settings.get("command_timeout",
                                    request.config.option.splinter_webdriver_socket_timeout)

    @pytest.fixture(scope="session")
    def splinter_webdriver_executable(self, request, browser_settings, splinter_webdriver):
        """The driver binary for a local chrome/firefox, None otherwise."""
        if splinter_webdriver not in DRIVERS:
            return None
        given = request.config.option.splinter_webdriver_executable or browser_settings.get("driver")
        path = os.path.abspath(given) if given else _find(DRIVERS[splinter_webdriver])
        if not path or not os.access(path, os.X_OK):
            pytest.fail(f"{DRIVERS[splinter_webdriver][0]} not found ({given or 'PATH'}): "
                        "install it, set browser.driver in the variables file or "
                        "pass --splinter-webdriver-executable", pytrace=False)
        return path

    @pytest.fixture(scope="session")
    def browser_profiles_dir(self):
        """Parent of every browser profile of this session (or xdist worker).
        In the system's temporary directory, not pytest's: Chromium refuses to
        start when the path of its profile's socket exceeds 107 bytes."""
        return Path(tempfile.mkdtemp(prefix="pytest-play-"))

    @pytest.fixture(scope="session")
    def splinter_browser_class(self, browser_settings, splinter_webdriver_executable,
                               splinter_headless, splinter_window_size,
                               splinter_remote_url, splinter_selenium_socket_timeout,
                               splinter_driver_kwargs, browser_profiles_dir):
        return Launcher(browser_settings, splinter_webdriver_executable, splinter_headless,
                        splinter_window_size, splinter_remote_url,
                        splinter_selenium_socket_timeout, browser_profiles_dir,
                        dict(splinter_driver_kwargs or {}))

    @pytest.fixture(scope="session")
    def browser_pool(self, browser_pool, browser_profiles_dir, splinter_close_browser):
        """pytest-splinter's pool, plus a kill of whatever survived quit(),
        and the removal of the session's browser profiles."""
        yield browser_pool
        if splinter_close_browser:
            for browser in list(browser_pool.values()):
                with contextlib.suppress(Exception):
                    browser.quit()
            browser_pool.clear()
            kill_tagged_processes(str(browser_profiles_dir) + os.sep)
            shutil.rmtree(browser_profiles_dir, ignore_errors=True)

    @pytest.fixture(scope="session")
    def browser_instance_getter(self, browser_instance_getter, browser_pool,
                                splinter_selenium_socket_timeout):
        """Wrap pytest-splinter's getter: replace a browser it could not revive,
        kill replaced ones, and reset state after each test."""
        splinter_prepare = browser_instance_getter

        def prepare(request, parent):
            key = id(parent)
            old = browser_pool.get(key)
            try:
                browser = splinter_prepare(request, parent)
            except Exception:
                # pytest-splinter replaces a browser it lost, but some errors
                # escape it: urllib3's read timeout of a hung driver, or of
                # the replacement it has just started.  One more try.
                current = browser_pool.pop(key, None)
                if current is None:  # no browser could be started at all
                    raise
                LOGGER.warning("Browser unusable, starting a new one", exc_info=True)
                _discard(current)
                if current is old:
                    old = None
                browser = splinter_prepare(request, parent)
            if old is not None and old is not browser:
                _discard(old)  # its Chromium may outlive a killed chromedriver
            # Started and answering: from now on each command gets its own bound.
            _set_command_timeout(browser, splinter_selenium_socket_timeout)
            if request.scope == "function" and browser_pool.get(key) is browser:
                request.addfinalizer(functools.partial(reset_browser_state, browser))
            return browser

        return prepare
