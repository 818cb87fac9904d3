"""DEBUG's evidence in a real headless Chromium session: a screenshot after
every browser step and the browser console log, named to each step (the step
events' evidence) and to the JUnit output, masked; none without debug."""

import json
import re
import xml.etree.ElementTree as ET

import pytest

PAGE = ("data:text/html,<title>debug</title><p id=greeting>hello</p>"
        "<script>console.warn('token is ' + 'S3CRET-t0ken'); console.error('page broke')</script>")
SCENARIO = f"""- {{type: get, url: "{PAGE}"}}
- {{type: assertText, locator: {{type: id, value: greeting}}, text: hello}}
- {{type: assert, expression: "'$api_token' != ''"}}
"""
BROWSER = """browser:
  name: chrome
  headless: true
  capabilities:
    goog:loggingPrefs: {browser: ALL}
"""
RECORDER = """
import json

def pytest_play_step_finish(item, step, outcome):
    with open("events.jsonl", "a") as out:
        out.write(json.dumps([step.index, step.provider, outcome.status,
                              [[kind, str(path)] for kind, path in outcome.evidence]]) + "\\n")
"""


@pytest.fixture
def debug_session(pytester):
    pytester.makefile(".yml", test_page=SCENARIO)
    pytester.makefile(".yml", browser=BROWSER, debug="browser:\n  debug: true\n",
                      secrets="api_token: S3CRET-t0ken\n")
    pytester.makeconftest(RECORDER)
    return pytester


def run(pytester, *files):
    variables = [arg for name in files for arg in ("--variables", f"{name}.yml")]
    return pytester.runpytest_subprocess("test_page.yml", *variables, "--play-artifacts", "evidence",
                                         "--junitxml", "junit.xml", "-o", "junit_logging=all", "-p", "no:randomly",
                                         "--html", "report.html", "--self-contained-html",
                                         "--alluredir", "allure")


def events(pytester):
    return [json.loads(line) for line in (pytester.path / "events.jsonl").read_text().splitlines()]


def test_debug_saves_a_screenshot_after_every_browser_step_and_the_console_log_masked(debug_session):
    result = run(debug_session, "browser", "secrets", "debug")
    result.assert_outcomes(passed=1)
    evidence = debug_session.path / "evidence"
    assert sorted(p.name for p in evidence.iterdir()) == [
        "test_page.yml__test_page-console.log", "test_page.yml__test_page-step1-debug.png",
        "test_page.yml__test_page-step2-debug.png"]
    for png in evidence.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    console = (evidence / "test_page.yml__test_page-console.log").read_text()
    assert re.search(r"WARNING .*token is \*+", console) and re.search(r"SEVERE .*page broke", console)
    assert "S3CRET-t0ken" not in console
    # Each browser step names its files as its evidence; the python step has none.
    screenshot, log = str(evidence / "test_page.yml__test_page-step1-debug.png"), str(
        evidence / "test_page.yml__test_page-console.log")
    assert events(debug_session) == [
        ["1", "selenium", "passed", [["screenshot", screenshot], ["log", log]]],
        ["2", "selenium", "passed", [["screenshot", screenshot.replace("step1", "step2")]]],
        ["3", "python", "passed", []]]
    out = ET.parse(debug_session.path / "junit.xml").getroot().find(".//testcase/system-out").text
    assert f"[[ATTACHMENT|{screenshot}]]" in out and f"[[ATTACHMENT|{log}]]" in out
    assert out.count("[[ATTACHMENT|") == 3  # each file once
    # The reports show them too: two embedded screenshots and the log in the HTML
    # report, three attachments of the passed steps in Allure.
    html = (debug_session.path / "report.html").read_text()
    assert html.count("screenshot test_page.yml__test_page-step") == 2
    assert "log test_page.yml__test_page-console.log" in html
    assert "S3CRET-t0ken" not in html
    result_file, = (debug_session.path / "allure").glob("*-result.json")
    steps = json.loads(result_file.read_text())["steps"]
    assert [[a["name"] for a in step.get("attachments", [])] for step in steps] == [
        ["screenshot test_page.yml__test_page-step1-debug.png", "log test_page.yml__test_page-console.log"],
        ["screenshot test_page.yml__test_page-step2-debug.png"], []]


def test_without_debug_a_passing_scenario_leaves_no_evidence(debug_session):
    result = run(debug_session, "browser", "secrets")
    result.assert_outcomes(passed=1)
    assert not (debug_session.path / "evidence").exists()
    assert all(files == [] for *_, files in events(debug_session))
