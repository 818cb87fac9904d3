"""JUnit XML for Jenkins: `[[ATTACHMENT|/abs/path]]` lines in system-out for the
evidence of failing steps (verify steps too), step durations as properties after
the scenario's own, and the run summary at the end of the terminal output."""

import xml.etree.ElementTree as ET
from pathlib import Path

from test_selenium_provider import run_browser, scenario_text

from pytest_play.reporting import junit

SCENARIO = scenario_text("""
    - {type: get, url: "$base_url"}
    - {type: record_property, name: build, expression: "'b42'"}
    - {type: verifyTitle, title: Nope, timeout: 0.2}
    - {type: include, path: part.yml}
    - {type: assertText, locator: {type: id, value: title}, text: Nope, timeout: 0.2}
""")


def cases_in(path: Path) -> dict:
    return {case.get("name"): case for case in ET.parse(path).getroot().iter("testcase")}


def properties(case) -> list[tuple[str, str]]:
    return [(prop.get("name"), prop.get("value")) for prop in case.iter("property")]


def run(pytester, demo_server, *args):
    pytester.makefile(".yml", part="- {type: assert, expression: 'True'}\n")
    pytester.makefile(".yml", test_fails=SCENARIO, test_passes="- {type: get, url: \"$base_url\"}\n")
    return run_browser(pytester, demo_server, "--junitxml", "junit.xml", "-o", "junit_logging=system-out",
                       "--play-artifacts", "artifacts", *args)


def test_failing_steps_name_their_evidence_as_attachments_and_steps_give_their_durations(pytester, demo_server):
    result = run(pytester, demo_server)
    result.assert_outcomes(passed=1, failed=1)
    cases = cases_in(pytester.path / "junit.xml")
    failing = cases["test_fails"]
    shown = properties(failing)
    assert shown[0] == ("build", "b42")  # the scenario's own property first, as before
    assert [name for name, _ in shown[1:]] == ["step 1 get", "step 2 record_property", "step 3 verifyTitle",
                                               "step 4 include", "step 4.1 assert", "step 5 assertText"]
    assert all(float(value) >= 0 for _, value in shown[1:])
    assert float(dict(shown)["step 5 assertText"]) >= 0.2  # it waited its timeout
    out = failing.find("system-out").text
    attachments = [line for line in out.splitlines() if line.startswith("[[ATTACHMENT|")]
    folder = (pytester.path / "artifacts").resolve()
    assert attachments == [f"[[ATTACHMENT|{folder / name}]]" for name in (
        "test_fails.yml__test_fails-step3.png", "test_fails.yml__test_fails-step3.html",
        "test_fails.yml__test_fails-step5.png", "test_fails.yml__test_fails-step5.html")]
    assert all(Path(line[len("[[ATTACHMENT|"):-2]).is_file() for line in attachments)
    passing = cases["test_passes"]
    assert properties(passing) == [("step 1 get", properties(passing)[0][1])]
    assert passing.find("system-out") is None or "[[ATTACHMENT|" not in (passing.find("system-out").text or "")
    result.stdout.fnmatch_lines([
        "*- pytest-play summary -*",
        "vars.yml, chrome: 1 passed, 1 failed",
        "slowest steps:",
        "  * s  test_*.yml:* step *",
        "JUnit XML: " + str(pytester.path / "junit.xml"),
        f"evidence: 4 files in {folder}",
    ])


def test_step_properties_stop_at_the_limit_and_count_the_rest(pytester, monkeypatch):
    monkeypatch.setattr(junit, "MAX_PROPERTIES", 3)
    pytester.makefile(".yml", test_many="".join("- {type: assert, expression: 'True'}\n" for _ in range(5)))
    result = pytester.runpytest_inprocess("-p", "no:randomly", "--junitxml", "junit.xml")
    result.assert_outcomes(passed=1)
    shown = properties(cases_in(pytester.path / "junit.xml")["test_many"])
    assert [name for name, _ in shown] == ["step 1 assert", "step 2 assert", "step 3 assert", "steps not listed"]
    assert shown[-1] == ("steps not listed", "2")
