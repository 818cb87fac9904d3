"""pytest-splinter is optional: browser scenarios run without it, with it, and
in projects that turn every warning into an error.

Real pytest processes with plugin autoloading on, headless Debian Chromium.
"""

import importlib.util
import json
import shutil

import pytest

pytestmark = pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                                reason="needs chromium and chromedriver")
needs_splinter_plugin = pytest.mark.skipif(importlib.util.find_spec("pytest_splinter") is None,
                                           reason="pytest-splinter is not installed")

PAGE = "data:text/html,<title>t</title><p id=p>hello</p>"
SCENARIO = f"""\
- {{type: get, url: "{PAGE}"}}
- {{type: assertText, locator: {{type: id, value: p}}, text: hello}}
"""
# A Python test beside the scenarios: which browser does `browser` give it?
RECORDING_TEST = """
import json, os
from pathlib import Path

def test_python(browser, request):
    browser.visit("data:text/html,<p>python</p>")
    assert browser.is_text_present("python")
    Path("records").mkdir(exist_ok=True)
    Path("records", "python.json").write_text(json.dumps({
        "session": browser.driver.session_id,
        "splinter_loaded": request.config.pluginmanager.has_plugin("pytest-splinter"),
        "class": type(browser).__mro__[1].__module__}))
"""
FAILING = f"""\
- {{type: get, url: "{PAGE}"}}
- {{type: assertText, locator: {{type: id, value: p}}, text: goodbye, timeout: 0.2}}
"""


@pytest.fixture
def project(pytester):
    pytester.makefile(".yml", test_page=SCENARIO)
    return pytester


def test_browser_scenarios_run_with_pytest_splinter_disabled_using_its_option_names(project):
    result = project.runpytest_subprocess("-p", "no:pytest-splinter", "-p", "no:randomly",
                                          "--splinter-webdriver", "chrome", "--splinter-headless")
    result.assert_outcomes(passed=1)


def test_browser_scenarios_run_with_pytest_splinter_disabled_using_play_options(project):
    project.makepyfile(test_python=RECORDING_TEST)
    result = project.runpytest_subprocess("-p", "no:pytest-splinter", "-p", "no:randomly",
                                          "--play-browser", "chrome", "--play-headless")
    result.assert_outcomes(passed=2)
    record = json.loads((project.path / "records" / "python.json").read_text())
    assert record["splinter_loaded"] is False
    assert record["class"].startswith("splinter.")


def test_the_help_lists_the_splinter_options_pytest_play_reads_when_pytest_splinter_is_absent(pytester):
    result = pytester.runpytest_subprocess("-p", "no:pytest-splinter", "--help")
    result.stdout.fnmatch_lines(["*--play-browser*", "*--splinter-webdriver=*", "*--splinter-headless*",
                                 "*--splinter-screenshot-dir=DIR*"])


@needs_splinter_plugin
def test_with_pytest_splinter_active_python_tests_and_scenarios_share_our_browser(project):
    project.makepyfile(test_python=RECORDING_TEST)
    project.makeconftest("""
        import json
        from pathlib import Path
        import pytest

        @pytest.fixture(autouse=True)
        def record_sessions(request, play_browser_pool):
            yield
            Path("records").mkdir(exist_ok=True)
            Path("records", request.node.name + ".session").write_text(
                play_browser_pool.current.driver.session_id)
    """)
    project.makefile(".yml", test_page="markers: [page]\n---\n" + SCENARIO)
    result = project.runpytest_subprocess("-p", "no:randomly", "--splinter-webdriver", "chrome",
                                          "--splinter-headless", "-v")
    result.assert_outcomes(passed=2)
    record = json.loads((project.path / "records" / "python.json").read_text())
    assert record["splinter_loaded"] is True
    sessions = {path.stem: path.read_text() for path in (project.path / "records").glob("*.session")}
    assert sessions == {"test_page": record["session"], "test_python": record["session"]}


@needs_splinter_plugin
@pytest.mark.parametrize("splinter", ["active", "disabled"])
def test_the_seeds_splinter_options_keep_working(project, splinter):
    project.makefile(".yml", test_broken=FAILING, test_again=SCENARIO)
    disable = ["-p", "no:pytest-splinter"] if splinter == "disabled" else []
    result = project.runpytest_subprocess(
        *disable, "-p", "no:randomly", "--splinter-webdriver", "chrome", "--splinter-headless",
        "--splinter-screenshot-dir", "shots", "--splinter-session-scoped-browser", "false")
    result.assert_outcomes(passed=2, failed=1)
    assert sorted(path.suffix for path in (project.path / "shots").iterdir()) == [".html", ".png"]
    result = project.runpytest_subprocess(
        *disable, "-p", "no:randomly", "--splinter-webdriver", "chrome", "--splinter-headless",
        "--splinter-screenshot-dir", "quiet", "--splinter-make-screenshot-on-failure", "false")
    result.assert_outcomes(passed=2, failed=1)
    assert not (project.path / "quiet").exists()


def test_a_project_that_turns_every_warning_into_an_error_runs_browser_scenarios(project):
    project.makeini("[pytest]\nfilterwarnings =\n    error\n")
    result = project.runpytest_subprocess("-p", "no:pytest-splinter", "--splinter-webdriver", "chrome",
                                          "--splinter-headless")
    result.assert_outcomes(passed=1)


@needs_splinter_plugin
def test_with_pytest_splinter_installed_a_strict_project_needs_only_the_documented_filter(project):
    project.makeini("[pytest]\nfilterwarnings =\n    error\n"
                    "    ignore:@pytest.yield_fixture is deprecated:pytest.PytestDeprecationWarning\n")
    result = project.runpytest_subprocess("--splinter-webdriver", "chrome", "--splinter-headless")
    result.assert_outcomes(passed=1)
