"""Start, reset and get rid of a selenium WebDriver: the browser settings, the
options and service, the driver's HTTP timeouts, and the processes it leaves.

Nothing here knows pytest-splinter; `driver` decides *when* these run.

Settings (the `browser:` section of a variables file; every key optional)::

    browser:
      name: chrome             # chrome | firefox (also the remote browserName)
      binary: /usr/bin/chromium
      driver: /usr/bin/chromedriver   # default: found on PATH
      arguments: [--lang=en-US]       # appended last, so they win
      capabilities: {acceptInsecureCerts: true}
      window_size: [1280, 800]        # default 1366x768
      headless: false          # true acts like --play-headless
      remote_url: http://127.0.0.1:4444   # a Selenium Grid: webdriver "remote"
      page_load_timeout: 30    # seconds
      script_timeout: 30       # seconds
      command_timeout: 120     # seconds per driver HTTP call
      start_timeout: 60        # seconds a new browser may take to load its first
                               # page (at least command_timeout); a remote one
                               # also to start (selenium gives a local one 120)
      os: {platform: windows, name: Windows, version: "11"}   # an OS choice (envs/os/)
      resolution: 1920x1080    # a RESOLUTION choice (envs/resolutions/): the window size
      grid_capabilities: {platformName: "{os[name]} {os[version]}"}   # on a grid only
      debug: false             # screenshot after every browser step, console log
      debug_capabilities: {"se:recordVideo": true}   # on a grid, with debug

`grid_capabilities` and `debug_capabilities` are how a browser file speaks to
its grid vendor: their string values are templates of `{os[KEY]}` (the OS
choice's keys), `{resolution}`, `{width}` and `{height}`; a value naming
something not chosen (no OS, no RESOLUTION) is left out, and so is a mapping
left empty. Locally, `os.platform` (linux, windows or mac) must be this
machine's, and `resolution` replaces `window_size`. `KEYS` documents each key
(docs/jenkins.md shows it as a table).

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
import re
import shutil
import signal
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import NoSuchWindowException, UnexpectedAlertPresentException, WebDriverException
from selenium.webdriver.remote import remote_connection
from selenium.webdriver.remote.client_config import ClientConfig

LOGGER = logging.getLogger(__name__)

# Every key of the `browser:` section and what it does: the reference table of
# docs/jenkins.md is generated from it (tests/test_jenkins_docs.py).
KEYS = {
    "name": "`chrome` or `firefox`: the local webdriver, and the `browserName` on a grid (default chrome)",
    "binary": "the browser executable (default: chromium, google-chrome... found on PATH)",
    "driver": "the driver executable, chromedriver or geckodriver (default: found on PATH)",
    "arguments": "browser command-line arguments, added last so they win",
    "capabilities": "W3C capabilities, local and remote",
    "window_size": "`[width, height]` of the window (default 1366x768)",
    "headless": "`true`: no window (`--play-headless` does the same)",
    "remote_url": "a Selenium Grid (or cloud vendor) URL: the browser runs there",
    "page_load_timeout": "seconds a page may take to load (default 30)",
    "script_timeout": "seconds a script may run (default 30)",
    "command_timeout": "seconds a driver HTTP call may take (default 120)",
    "start_timeout": "seconds a new browser may take to start and load a first page (default 60)",
    "os": "the OS choice (`envs/os/NAME.yml`): `platform` (linux, windows, mac) checked locally; "
          "every key usable as `{os[KEY]}` in the capability templates",
    "resolution": "`WIDTHxHEIGHT` (`envs/resolutions/`): the window size, and `{resolution}`, "
                  "`{width}`, `{height}` in the capability templates",
    "grid_capabilities": "capabilities added on a grid only, as templates: a vendor's OS and screen "
                         "resolution, e.g. `sauce:options: {screenResolution: \"{resolution}\"}`",
    "debug": "`true` (DEBUG): a screenshot after every browser step and the browser console log, as evidence",
    "debug_capabilities": "capabilities added on a grid when `debug` is true: a vendor's video and "
                          "verbose logs, e.g. `se:recordVideo: true`",
}
SETTINGS_KEYS = frozenset(KEYS)
PLATFORMS = {"linux": "linux", "windows": "win32", "mac": "darwin"}  # os.platform -> sys.platform
RESOLUTION = re.compile(r"(?P<width>[1-9][0-9]{2,4})x(?P<height>[1-9][0-9]{2,4})")
# Set by `python -m pytest_play.jenkins`: which BROWSER and file the settings came from.
SOURCE_VARIABLE = "PYTEST_PLAY_BROWSER_SOURCE"
DEFAULTS = {"name": "chrome", "arguments": [], "capabilities": {}, "start_timeout": 60,
            "page_load_timeout": 30, "script_timeout": 30, "command_timeout": 120,
            "window_size": (1366, 768)}
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


class BrowserSetupError(Exception):
    """The browser settings or the machine can't give a browser; the message says what to do."""


def find_executable(candidates) -> str | None:
    """First candidate (absolute path or name on PATH) that is an executable."""
    for candidate in candidates:
        path = candidate if os.path.isabs(candidate) else shutil.which(candidate)
        if path and os.access(path, os.X_OK):
            return path
    return None


def load_settings(variables) -> dict:
    """The `browser:` section of the variables, checked and with defaults."""
    section = (variables or {}).get("browser") or {}
    if not isinstance(section, dict):
        raise BrowserSetupError("variables: 'browser' must be a mapping")
    unknown = sorted(set(section) - SETTINGS_KEYS)
    if unknown:
        raise BrowserSetupError(f"variables: unknown browser keys {unknown}; known: {sorted(SETTINGS_KEYS)}")
    settings = {**DEFAULTS, **{key: value for key, value in section.items() if value is not None}}
    if settings["name"] not in DRIVERS:
        raise BrowserSetupError(f"variables: browser.name must be chrome or firefox, not {settings['name']!r}")
    resolution = settings.get("resolution")
    if resolution is not None:
        match = RESOLUTION.fullmatch(str(resolution))
        if not match:
            raise BrowserSetupError(f"variables: browser.resolution must be WIDTHxHEIGHT such as 1920x1080, "
                                    f"not {resolution!r}")
        settings["window_size"] = (int(match["width"]), int(match["height"]))
    for key in ("os", "grid_capabilities", "debug_capabilities"):
        if not isinstance(settings.get(key, {}), dict):
            raise BrowserSetupError(f"variables: browser.{key} must be a mapping")
    return settings


def check_platform(settings: dict, platform: str = sys.platform) -> None:
    """A local browser runs on this machine: the OS asked for must be its OS."""
    wanted = str((settings.get("os") or {}).get("platform") or "").lower()
    if not wanted or wanted == "any":
        return
    if wanted not in PLATFORMS:
        raise BrowserSetupError(f"variables: browser.os.platform must be one of {', '.join(PLATFORMS)} "
                                f"(or any), not {wanted!r}")
    if not platform.startswith(PLATFORMS[wanted]):
        here = next((name for name, prefix in PLATFORMS.items() if platform.startswith(prefix)), platform)
        raise BrowserSetupError(
            f"the browser runs on this machine, which is {here}, not the {wanted} asked for "
            f"(browser.os {settings['os'].get('name', wanted)!s}): choose an OS of this machine "
            "(Jenkins: OS=ANY) or run on a grid (SELENIUM_GRID_URL or browser.remote_url)")


def template_values(settings: dict) -> dict:
    """What `{...}` in grid_capabilities and debug_capabilities may name (only what was chosen)."""
    values = {}
    if settings.get("os"):
        values["os"] = {key: "" if value is None else value for key, value in settings["os"].items()}
    if settings.get("resolution"):
        values["resolution"] = str(settings["resolution"])
        values["width"], values["height"] = settings["window_size"]
    return values


def render_capabilities(templates: dict, values: dict) -> dict:
    """Capabilities from templates; a value naming something not chosen is left out, as is an empty mapping."""
    rendered = {}
    for key, template in templates.items():
        if isinstance(template, dict):
            value = render_capabilities(template, values)
            if not value:
                continue
        elif isinstance(template, str):
            try:
                value = " ".join(template.format_map(values).split())
            except (KeyError, IndexError):
                continue
            except (ValueError, AttributeError) as error:
                raise BrowserSetupError(f"variables: browser capability {key!r}: bad template "
                                        f"{template!r} ({error}); write {{os[name]}}, {{resolution}}...") from None
        else:
            value = template
        rendered[key] = value
    return rendered


def merged(base: dict, extra: dict) -> dict:
    """Capabilities `extra` over `base`; mappings (vendor options) merge."""
    result = dict(base)
    for key, value in extra.items():
        result[key] = merged(result[key], value) if isinstance(value, dict) and isinstance(result.get(key), dict) \
            else value
    return result


def remote_capabilities(settings: dict) -> dict:
    """The capabilities a grid gets: `capabilities`, then the vendor's templates (and debug ones with debug)."""
    values = template_values(settings)
    capabilities = merged(settings["capabilities"], render_capabilities(settings.get("grid_capabilities") or {},
                                                                        values))
    if settings.get("debug"):
        capabilities = merged(capabilities, render_capabilities(settings.get("debug_capabilities") or {}, values))
    return capabilities


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
    with contextlib.suppress(Exception):
        driver.quit()
    if profile is not None:
        shutil.rmtree(profile, ignore_errors=True)


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
