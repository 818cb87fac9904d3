"""The browser settings: the `browser:` section of a variables file, checked, and the
capabilities a grid gets from it. Nothing here starts a browser (`launch` does).

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
"""

from __future__ import annotations

import re
import sys

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
DRIVERS = {"chrome": ("chromedriver", "/usr/bin/chromedriver"),
           "firefox": ("geckodriver", "/usr/bin/geckodriver")}


class BrowserSetupError(Exception):
    """The browser settings or the machine can't give a browser; the message says what to do."""


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
