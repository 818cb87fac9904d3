"""Start, reset and get rid of a selenium WebDriver: the options and service, the
driver's HTTP timeouts, and the processes it leaves.

Nothing here knows pytest-splinter; `driver` decides *when* these run.

The settings come from `settings` (the `browser:` section of a variables file).

A local Chromium also gets `--headless=new` when headless, `--no-sandbox` as
root and flags for unattended machines; a remote one only headless, the window
size and the file's arguments (the grid node owns the rest). A local driver
runs with a private directory as `TMPDIR` (its browser profile goes there) and
as `PYTEST_PLAY_BROWSER_DIR`, which its processes inherit: whatever survives
`quit()` (Chromium after chromedriver was killed) is found and killed.
"""

from __future__ import annotations

import contextlib
import copy
import logging
import os
import shutil
import signal
import tempfile
from dataclasses import dataclass
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import NoSuchWindowException, UnexpectedAlertPresentException, WebDriverException
from selenium.webdriver.remote import remote_connection
from selenium.webdriver.remote.client_config import ClientConfig

from .settings import SOURCE_VARIABLE, BrowserSetupError, check_platform, remote_capabilities

LOGGER = logging.getLogger(__name__)

DEFAULT_REMOTE_URL = "http://127.0.0.1:4444"
CHROME_BINARIES = ("/usr/bin/chromium", "chromium", "chromium-browser",
                   "google-chrome", "google-chrome-stable")
# Unattended Chromium in a container: small /dev/shm, no updater or first-run UI.
CHROME_CI_ARGUMENTS = ("--disable-dev-shm-usage", "--disable-background-networking",
                       "--disable-component-update", "--no-first-run")
ENV_TAG = "PYTEST_PLAY_BROWSER_DIR"
CLEAR_STORAGE_JS = ("try { localStorage.clear(); } catch (e) {}"
                    "try { sessionStorage.clear(); } catch (e) {}")


def find_executable(candidates) -> str | None:
    """First candidate (absolute path or name on PATH) that is an executable."""
    for candidate in candidates:
        path = candidate if os.path.isabs(candidate) else shutil.which(candidate)
        if path and os.access(path, os.X_OK):
            return path
    return None


@dataclass(frozen=True)
class LaunchPlan:
    """Everything needed to start one kind of browser, decided once per session."""

    webdriver: str           # chrome | firefox | remote
    settings: dict
    headless: bool
    remote_url: str | None
    driver_path: str | None  # local browsers only
    command_timeout: float

    def __post_init__(self):
        if self.webdriver != "remote":
            check_platform(self.settings)

    @property
    def start_timeout(self) -> float:
        return max(self.command_timeout, self.settings["start_timeout"])

    def start(self, profiles_dir: Path):
        """A new WebDriver whose HTTP calls time out after `start_timeout`;
        returns (driver, private directory or None)."""
        if self.webdriver == "remote":
            driver, profile = self._remote(), None
        else:
            profile = Path(tempfile.mkdtemp(prefix=self.webdriver + "-", dir=profiles_dir))
            try:
                driver = self._local(profile)
            except BaseException as error:
                kill_tagged_processes(str(profile) + "\0")
                shutil.rmtree(profile, ignore_errors=True)
                if isinstance(error, WebDriverException):
                    raise BrowserSetupError(self.start_failure(error)) from None
                raise
        own_connection(driver, self.start_timeout)
        return driver, profile

    def start_failure(self, error: WebDriverException) -> str:
        """What a tester needs when a local browser does not start: which settings, binary and driver."""
        name = self.settings["name"]
        binary = self.settings.get("binary") or (find_executable(CHROME_BINARIES) if name == "chrome" else None)
        source = os.environ.get(SOURCE_VARIABLE) or "the browser: section of the --variables files"
        # selenium's first sentence (it appends a link to its troubleshooting page)
        reason = " ".join((error.msg or type(error).__name__).split(";")[0].split())[:300]
        windowless = not self.headless and not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
        return (f"the browser did not start: {name} {binary or '(binary: found by the driver)'} with driver "
                f"{self.driver_path}{' (headless)' if self.headless else ' (with a window)'}, settings from "
                f"{source}: {type(error).__name__}: {reason}. Check browser.binary and browser.driver there"
                + (", or run headless (--play-headless): there is no display" if windowless else "")
                + ", or pick another browser (Jenkins: BROWSER)")

    def _options(self, name: str, local: bool):
        settings = self.settings
        if name == "firefox":
            options, arguments = webdriver.FirefoxOptions(), ["-headless"] if self.headless else []
        else:
            options, arguments = webdriver.ChromeOptions(), self._chrome_arguments(local)
        for argument in [*arguments, *settings["arguments"]]:
            options.add_argument(argument)
        # W3C timeouts capability: applies from session start, also on a grid.
        options.timeouts = {"pageLoad": int(settings["page_load_timeout"] * 1000),
                            "script": int(settings["script_timeout"] * 1000)}
        capabilities = settings["capabilities"] if local else remote_capabilities(settings)
        for capability, value in capabilities.items():
            options.set_capability(capability, value)
        if settings.get("binary"):
            options.binary_location = settings["binary"]
        elif name == "chrome" and local:
            options.binary_location = find_executable(CHROME_BINARIES) or ""
        return options

    def _chrome_arguments(self, local: bool) -> list[str]:
        arguments = []
        if local:
            arguments += CHROME_CI_ARGUMENTS
            if os.geteuid() == 0:  # Chromium's sandbox refuses to start as root
                arguments.append("--no-sandbox")
        if self.headless:
            arguments.append("--headless=new")
        arguments.append("--window-size={},{}".format(*self.settings["window_size"]))
        return arguments

    def _local(self, profile: Path):
        # The driver makes the browser profile in its TMPDIR: ours, so it is
        # deleted at session end even if the driver was killed.  (A
        # --user-data-dir of our own would make Chromium open its new-tab
        # page, which slows the first navigation and quit() down.)
        env = {**os.environ, ENV_TAG: str(profile), "TMPDIR": str(profile)}
        options = self._options(self.webdriver, local=True)
        if self.webdriver == "firefox":
            driver = webdriver.Firefox(options=options, service=webdriver.FirefoxService(
                executable_path=self.driver_path, env=env))
            driver.set_window_size(*self.settings["window_size"])
            return driver
        return webdriver.Chrome(options=options, service=webdriver.ChromeService(
            executable_path=self.driver_path, env=env))

    def _remote(self):
        url = self.remote_url or DEFAULT_REMOTE_URL
        return webdriver.Remote(command_executor=url, options=self._options(self.settings["name"], local=False),
                                client_config=ClientConfig(remote_server_addr=url, timeout=self.start_timeout))


def own_connection(driver, seconds: float) -> None:
    """Give the driver's connection a ClientConfig of its own (selenium shares
    the newest connection's as a class attribute) and selenium's plain request
    (splinter, once imported, retries every failed call 3 times: 3x the wait
    on a hung driver)."""
    executor = _executor(driver)
    if executor is None:
        return
    executor._client_config = copy.copy(executor.client_config)
    original = _unpatched_request()
    if original is not None:
        executor._request = original.__get__(executor)
    set_command_timeout(driver, seconds)


def _unpatched_request():
    with contextlib.suppress(ImportError):
        from splinter.driver.webdriver import remote_connection as splinter_connection
        return splinter_connection.old_request
    return None


def set_command_timeout(driver, seconds: float) -> None:
    executor = _executor(driver)
    if executor is not None:
        executor.client_config.timeout = seconds


def _executor(driver):
    executor = getattr(driver, "command_executor", None)
    return executor if isinstance(executor, remote_connection.RemoteConnection) else None


def reset_browser_state(driver) -> None:
    """Close extra windows and clear cookies and web storage of every origin.
    Raises when the browser does not answer: it must then be replaced."""
    # A POST first: a hung driver fails it after one timeout (urllib3 retries
    # GETs).  A closed window or an alert (dismissed) is no reason to give up.
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
        driver.execute_cdp_cmd("Storage.clearDataForOrigin", {"origin": "*", "storageTypes": "all"})


def quit_driver(driver, profile: Path | None) -> None:
    """Quit a browser; one that does not answer is killed first, so that
    quit() (which releases selenium's Service) fails fast instead of hanging."""
    if profile is not None:
        kill_tagged_processes(str(profile) + "\0")
    with contextlib.suppress(Exception), _retries_unlogged(profile is not None):
        driver.quit()  # after the kill, its DELETE session meets a closed port
    _release_service(driver)
    if profile is not None:
        shutil.rmtree(profile, ignore_errors=True)


@contextlib.contextmanager
def _retries_unlogged(quiet: bool):
    """Without urllib3's `Retrying (...) after connection broken` warnings: quit()
    of a driver we killed tries its closed port three times, and each failing
    browser test's report showed the three lines under its teardown log."""
    if not quiet:
        yield
        return
    pool_logger = logging.getLogger("urllib3.connectionpool")

    def drop(record) -> bool:
        return False

    pool_logger.addFilter(drop)
    try:
        yield
    finally:
        pool_logger.removeFilter(drop)


def _release_service(driver) -> None:
    """Close the driver process's pipes and reap it.  selenium's Service.stop()
    does so only for a process still running, and the one killed above is not:
    its stdin pipe was left to the garbage collector (a ResourceWarning)."""
    process = getattr(getattr(driver, "service", None), "process", None)
    if process is None:
        return
    for stream in (process.stdin, process.stdout, process.stderr):
        if stream is not None:
            with contextlib.suppress(OSError):
                stream.close()
    with contextlib.suppress(Exception):
        process.wait(10)


def _proc_table() -> dict:
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


def kill_tagged_processes(profile_prefix: str) -> set[int]:
    """Kill the driver/browser processes started for profiles under
    `profile_prefix` and their descendants (Chromium's zygote, renderers and
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
