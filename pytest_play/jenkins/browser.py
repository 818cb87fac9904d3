"""BROWSER, OS, RESOLUTION, SELENIUM_GRID_URL and DEBUG's browser part: which
variables files describe the browser, and where it runs.

Each choice is a file whose `browser:` section pytest-variables deep-merges, in
this order: `envs/browsers/BROWSER.yml`, `envs/os/OS.yml`,
`envs/resolutions/RESOLUTION.yml`, and with DEBUG `envs/browsers/DEBUG.yml`
then `envs/browsers/BROWSER-DEBUG.yml`. What the merged keys do is
`pytest_play.providers.selenium.settings.KEYS`.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from ..providers.selenium.settings import SOURCE_VARIABLE, BrowserSetupError, check_platform
from .values import DEBUG_FILE, DEBUG_SUFFIX, TRUE, Command, ParameterError, Places, browser_section, choose, \
    read, shown

DEFAULT_BROWSER = "CHROME"  # the Jenkinsfile's first (default) choice; tests/test_jenkinsfile.py checks it
DISPLAY_VARIABLES = ("DISPLAY", "WAYLAND_DISPLAY")


def browser_args(environ: Mapping[str, str], places: Places, command: Command,
                 platform: str = sys.platform) -> list[str]:
    """The browser's variables files, the local webdriver it names, headless without a display."""
    # BROWSER, OS and RESOLUTION each checked, so that every bad one of them is reported.
    problems: list[str] = []
    chosen: dict[str, Path | None] = {}
    for name, directory, default in (("BROWSER", places.browsers, DEFAULT_BROWSER), ("OS", places.systems, ""),
                                     ("RESOLUTION", places.resolutions, "")):
        try:
            chosen[name] = choose(environ, name, directory, default=default)
        except ParameterError as error:
            problems.append(str(error))
    if problems:
        raise ParameterError("\n".join(problems))
    path = chosen["BROWSER"]
    if path is None:
        return []
    if not read(environ, "BROWSER"):
        command.notes.append(f"BROWSER not set: {DEFAULT_BROWSER} ({shown(path)}), the Jenkinsfile's default")
    files = [("BROWSER", path)]
    settings = browser_section(path, "BROWSER")
    local = not settings.get("remote_url") and not read(environ, "SELENIUM_GRID_URL")
    files += [(name, chosen[name]) for name in ("OS", "RESOLUTION") if chosen[name] is not None]
    if read(environ, "DEBUG").lower() in TRUE:
        # Deep-merged over the others: debug evidence, console logs, devtools, a grid's video...
        files += [("DEBUG", p) for p in (path.with_name(f"{DEBUG_FILE}.yml"),
                                         path.with_name(f"{path.stem}{DEBUG_SUFFIX}.yml")) if p.is_file()]
    for name, file in files[1:]:
        settings = {**settings, **browser_section(file, name)}
    if local:
        check_os(environ, settings, platform, path)
    args = [arg for _, file in files for arg in ("--variables", shown(file))]
    if settings.get("name") and local:
        args += ["--splinter-webdriver", str(settings["name"])]
    if local and not settings.get("headless") and not any(environ.get(v) for v in DISPLAY_VARIABLES):
        args.append("--splinter-headless")
        command.notes.append("BROWSER: no display (DISPLAY is not set): the browser runs headless")
    command.env[SOURCE_VARIABLE] = f"BROWSER={path.stem} ({', '.join(shown(file) for _, file in files)})"
    return args


def check_os(environ: Mapping[str, str], settings: dict, platform: str, browser: Path) -> None:
    """A local browser can only run on this machine's OS (asked by OS, or by the browser file itself)."""
    try:
        check_platform(settings, platform)
    except BrowserSetupError as error:
        field = f"OS={read(environ, 'OS')}" if read(environ, "OS") else f"BROWSER={browser.stem}"
        raise ParameterError(f"{field}: {error}") from None


def grid_args(environ: Mapping[str, str]) -> list[str]:
    url = read(environ, "SELENIUM_GRID_URL")
    if not url:
        return []
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ParameterError(f"SELENIUM_GRID_URL={url}: expected an http(s) URL such as http://grid.example.com:4444")
    return ["--splinter-webdriver", "remote", "--splinter-remote-url", url]
