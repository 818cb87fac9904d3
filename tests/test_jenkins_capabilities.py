"""OS, RESOLUTION and DEBUG as capabilities: the repository's browser files
(Selenium Grid, BrowserStack, Sauce Labs) merged with its OS and resolution
files, as pytest-variables merges them, then read by the launch code."""

from pathlib import Path

import pytest
import yaml

from pytest_play.providers.selenium.launch import LaunchPlan
from pytest_play.providers.selenium.settings import (BrowserSetupError, check_platform, load_settings,
                                                     remote_capabilities)

ENVS = Path(__file__).resolve().parents[1] / "envs"


def settings(*files: str, **extra) -> dict:
    """The `browser:` sections of envs/ files merged in order (mappings merge), then checked."""
    merged: dict = {}
    for name in files:
        section = yaml.safe_load((ENVS / name).read_text())["browser"]
        for key, value in section.items():
            merged[key] = {**merged[key], **value} if isinstance(value, dict) and isinstance(merged.get(key), dict) \
                else value
    return load_settings({"browser": {**merged, **extra}})


def grid(*files: str, **extra) -> dict:
    capabilities = remote_capabilities(settings(*files, **extra))
    shared = ("acceptInsecureCerts", "goog:loggingPrefs")  # the files' own, local and remote
    return {key: value for key, value in capabilities.items() if key not in shared}


def test_selenium_grid_gets_the_platform_and_screen_resolution():
    assert grid("browsers/CHROME.yml", "os/WINDOWS-11.yml", "resolutions/1920x1080.yml") == {
        "platformName": "Windows 11", "se:screenResolution": "1920x1080"}
    assert grid("browsers/CHROME.yml", "os/LINUX.yml") == {"platformName": "Linux"}


def test_nothing_chosen_asks_nothing_of_the_grid():
    assert grid("browsers/CHROME.yml") == {}
    assert grid("browsers/CHROME.yml", "os/ANY.yml", "resolutions/DEFAULT.yml") == {}


def test_browserstack_gets_its_options_and_debug_adds_its_video_and_logs():
    assert grid("browsers/BROWSERSTACK-CHROME.yml", "os/MACOS-14.yml", "resolutions/2560x1440.yml") == {
        "bstack:options": {"os": "OS X", "osVersion": "Sonoma", "resolution": "2560x1440"}}
    assert grid("browsers/BROWSERSTACK-CHROME.yml", "os/WINDOWS-10.yml", "browsers/DEBUG.yml") == {
        "bstack:options": {"os": "Windows", "osVersion": "10", "debug": True, "video": True,
                           "consoleLogs": "verbose", "networkLogs": True}}


def test_sauce_labs_gets_the_platform_name_and_its_screen_resolution():
    assert grid("browsers/SAUCE-CHROME.yml", "os/WINDOWS-11.yml", "resolutions/1280x800.yml") == {
        "platformName": "Windows 11", "sauce:options": {"screenResolution": "1280x800"}}
    assert grid("browsers/SAUCE-CHROME.yml", "browsers/DEBUG.yml")["sauce:options"] == {
        "recordVideo": True, "recordLogs": True, "extendedDebugging": True}


def test_debug_on_selenium_grid_records_video_and_without_debug_it_does_not():
    assert grid("browsers/CHROME.yml", "browsers/DEBUG.yml") == {"se:recordVideo": True}
    assert "se:recordVideo" not in grid("browsers/CHROME.yml")


def test_a_vendor_is_only_data():
    vendor = {"grid_capabilities": {"acme:options": {"screen": "{width}*{height}", "system": "{os[name]}"}},
              "os": {"name": "Plan9"}, "resolution": "800x600"}
    assert remote_capabilities(load_settings({"browser": vendor}))["acme:options"] == {
        "screen": "800*600", "system": "Plan9"}


def test_resolution_replaces_the_window_size_and_a_bad_one_is_refused():
    assert settings("browsers/CHROME.yml", "resolutions/1366x768.yml")["window_size"] == (1366, 768)
    assert settings("browsers/CHROME.yml")["window_size"] == [1280, 800]
    with pytest.raises(BrowserSetupError, match=r"^variables: browser.resolution must be WIDTHxHEIGHT such as "
                                                r"1920x1080, not '1920 x 1080'$"):
        load_settings({"browser": {"resolution": "1920 x 1080"}})


def test_a_bad_template_names_its_capability():
    with pytest.raises(BrowserSetupError, match=r"browser capability 'platformName': bad template '\{os\[name\}'"):
        remote_capabilities(load_settings({"browser": {"grid_capabilities": {"platformName": "{os[name}"},
                                                       "os": {"name": "Linux"}}}))


@pytest.mark.parametrize(("platform", "wanted", "ok"), [
    ("linux", "linux", True), ("linux", "windows", False), ("win32", "windows", True), ("darwin", "mac", True),
    ("darwin", "linux", False), ("linux", "any", True), ("linux", "", True),
])
def test_a_local_browser_must_ask_for_the_machines_os(platform, wanted, ok):
    chosen = {"os": {"platform": wanted, "name": wanted}}
    if ok:
        check_platform(chosen, platform)
    else:
        with pytest.raises(BrowserSetupError, match=f"the browser runs on this machine, which is "
                                                    f"{'linux' if platform == 'linux' else 'mac'}, not the {wanted}"):
            check_platform(chosen, platform)


def test_a_remote_browser_may_ask_for_any_os_and_an_unknown_platform_is_refused():
    windows = settings("browsers/CHROME.yml", "os/WINDOWS-11.yml")
    LaunchPlan(webdriver="remote", settings=windows, headless=True, remote_url="http://grid:4444",
               driver_path=None, command_timeout=10)
    with pytest.raises(BrowserSetupError, match="the browser runs on this machine"):
        LaunchPlan(webdriver="chrome", settings=windows, headless=True, remote_url=None,
                   driver_path="/usr/bin/chromedriver", command_timeout=10)
    with pytest.raises(BrowserSetupError, match=r"browser.os.platform must be one of linux, windows, mac \(or any\)"):
        check_platform({"os": {"platform": "beos"}})


def test_a_browser_that_cannot_start_with_a_window_and_no_display_is_told_to_run_headless(monkeypatch, tmp_path):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    monkeypatch.setenv("PYTEST_PLAY_BROWSER_SOURCE", "BROWSER=CHROME (envs/browsers/CHROME.yml)")
    plan = LaunchPlan(webdriver="chrome", settings=load_settings({"browser": {"binary": "/bin/false"}}),
                      headless=False, remote_url=None, driver_path="/usr/bin/chromedriver", command_timeout=30)
    with pytest.raises(BrowserSetupError) as excinfo:
        plan.start(tmp_path)
    message = str(excinfo.value)
    assert message.startswith("the browser did not start: chrome /bin/false with driver /usr/bin/chromedriver "
                              "(with a window), settings from BROWSER=CHROME (envs/browsers/CHROME.yml): ")
    assert message.endswith("Check browser.binary and browser.driver there, or run headless (--play-headless): "
                            "there is no display, or pick another browser (Jenkins: BROWSER)")
    assert list(tmp_path.iterdir()) == []  # its profile directory is gone
