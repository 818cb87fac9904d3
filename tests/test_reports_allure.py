"""Allure: a real allure-pytest run's result files. Three test_data rows give
three results with distinct history ids, nested steps with parameters and
status, the screenshot and page HTML attached to the failing step, markers as
tags and the scenario's path as the suite; no secret value in any file. The
Allure command line (npm `allure-commandline`, on Java) renders them as three
tests, none a retry of another."""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from test_selenium_provider import run_browser, scenario_text

PASSWORD = "Rd3r-Secret-99"

SCENARIO = scenario_text(f"""
    markers: [login, smoke]
    test_data:
      - {{username: siteadmin, password: Adm1n-Secret-11}}
      - {{username: editor, password: Edit0r-Secret-77}}
      - {{username: reader, password: {PASSWORD}}}
    ---
    - {{type: get, url: "$base_url", comment: visit base url}}
    - {{type: include, path: ../steps/login.yml}}
    - {{type: assertText, locator: {{type: id, value: title}}, text: demo, timeout: 0.5,
        skip_condition: "username == 'reader'", comment: the title}}
    - {{type: assertText, locator: {{type: id, value: title}}, text: Welcome $username, timeout: 0.5,
        skip_condition: "username != 'reader'", comment: expect to be welcomed}}
""")
LOGIN_STEPS = scenario_text("""
    - {type: clickElement, locator: {type: id, value: personaltools-login}, comment: click on login link}
    - {type: setElementText, locator: {type: id, value: __ac_password}, text: $password, comment: provide a password}
""")


def results(folder: Path) -> dict:
    found = {}
    for path in folder.glob("*-result.json"):
        data = json.loads(path.read_text())
        found[data["name"]] = data
    return found


def labels(result: dict, name: str) -> list[str]:
    return sorted(label["value"] for label in result["labels"] if label["name"] == name)


def params(entry: dict) -> dict:
    return {param["name"]: param["value"] for param in entry.get("parameters", [])}


def run(pytester, demo_server, *args):
    (pytester.path / "steps").mkdir()
    (pytester.path / "steps" / "login.yml").write_text(LOGIN_STEPS)
    (pytester.path / "checks").mkdir()
    (pytester.path / "checks" / "test_login.yml").write_text(SCENARIO)
    return run_browser(pytester, demo_server, "--alluredir", "allure", "--play-artifacts", "artifacts", *args)


def check(pytester):
    folder = pytester.path / "allure"
    found = results(folder)
    assert sorted(found) == ["test_login[editor]", "test_login[reader]", "test_login[siteadmin]"]
    assert len({result["historyId"] for result in found.values()}) == 3
    # allure-pytest calls a test "broken" unless its exception is an AssertionError: a
    # failed check (here assertText) raises errors.FailedCheck, which is one.
    assert {name: result["status"] for name, result in found.items()} == {
        "test_login[editor]": "passed", "test_login[reader]": "failed", "test_login[siteadmin]": "passed"}
    reader = found["test_login[reader]"]
    assert params(reader)["scenario"] == "'checks/test_login.yml'"
    assert params(reader)["row"] == "'reader'"
    assert params(reader)["test data"] == repr('{"password": "*****", "username": "reader"}')
    assert labels(reader, "tag") == ["login", "smoke"]
    assert labels(reader, "suite") == ["checks/test_login.yml"]
    assert labels(reader, "parentSuite") == ["checks"]
    steps = reader["steps"]
    assert [(step["name"], step["status"]) for step in steps] == [
        ("1 get: visit base url", "passed"),
        ("2 include", "passed"),
        ("3 assertText: the title", "skipped"),
        ("4 assertText: expect to be welcomed", "failed"),
    ]
    assert [(step["name"], step["status"]) for step in steps[1]["steps"]] == [
        ("2.1 clickElement: click on login link", "passed"),
        ("2.2 setElementText: provide a password", "passed"),
    ]
    assert params(steps[1]["steps"][1]) == {"locator": '{"type": "id", "value": "__ac_password"}',
                                            "text": "$password"}
    failing = steps[3]
    assert "expected the text of id 'title' to match 'Welcome reader'" in failing["statusDetails"]["message"]
    attached = {attachment["name"].split(" ")[0]: attachment for attachment in failing["attachments"]}
    assert sorted(attached) == ["screenshot", "html", "step"] or sorted(attached) == ["html", "screenshot", "step"]
    assert attached["screenshot"]["type"] == "image/png"
    assert (folder / attached["screenshot"]["source"]).read_bytes().startswith(b"\x89PNG")
    assert "personaltools-login" in (folder / attached["html"]["source"]).read_text()
    assert '"text": "*****"' not in (folder / attached["step"]["source"]).read_text()  # its own text
    assert '"text": "Welcome reader"' in (folder / attached["step"]["source"]).read_text()
    assert not [step for step in steps[:3] if step.get("attachments")]
    for path in folder.iterdir():
        data = path.read_bytes()
        for secret in (PASSWORD, "Edit0r-Secret-77", "Adm1n-Secret-11"):
            assert secret.encode() not in data, (path.name, secret)


def test_three_rows_give_three_allure_results_with_nested_steps_and_the_screenshot_on_the_failing_step(
        pytester, demo_server):
    result = run(pytester, demo_server)
    result.assert_outcomes(passed=2, failed=1)
    check(pytester)


def test_the_allure_results_are_the_same_under_two_xdist_workers(pytester, demo_server):
    result = run(pytester, demo_server, "-n", "2")
    result.assert_outcomes(passed=2, failed=1)
    check(pytester)


@pytest.fixture(scope="session")
def allure_cli(request) -> str:
    """The `allure` command: on PATH, else npm's allure-commandline installed once into pytest's cache."""
    found = shutil.which("allure")
    if found:
        return found
    if not (shutil.which("npm") and shutil.which("java")):
        pytest.skip("the Allure command line needs npm (to install it) and Java")
    cache = getattr(request.config, "cache", None)  # None with -p no:cacheprovider
    folder = cache.mkdir("allure-commandline") if cache else request.getfixturevalue("tmp_path_factory").mktemp("allure")
    command = folder / "node_modules" / ".bin" / "allure"
    if not command.exists():
        done = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(folder),
                               "allure-commandline@2"], capture_output=True, text=True, timeout=300)
        if done.returncode:
            pytest.skip(f"npm could not install allure-commandline: {done.stderr.strip()[-300:]}")
    return str(command)


def test_the_allure_command_line_renders_three_tests_none_a_retry(pytester, demo_server, allure_cli):
    result = run(pytester, demo_server)
    result.assert_outcomes(passed=2, failed=1)
    out = pytester.path / "allure-report"
    subprocess.run([allure_cli, "generate", str(pytester.path / "allure"), "-o", str(out)],
                   check=True, capture_output=True, timeout=300)
    summary = json.loads((out / "widgets" / "summary.json").read_text())
    assert summary["statistic"] == {"failed": 1, "broken": 0, "skipped": 0, "passed": 2, "unknown": 0, "total": 3}
    cases = [json.loads(path.read_text()) for path in (out / "data" / "test-cases").glob("*.json")]
    assert sorted(case["name"] for case in cases) == ["test_login[editor]", "test_login[reader]",
                                                       "test_login[siteadmin]"]
    assert all(not case.get("retriesCount") for case in cases)
    reader = next(case for case in cases if case["name"] == "test_login[reader]")
    failing = reader["testStage"]["steps"][3]
    assert failing["name"] == "4 assertText: expect to be welcomed" and failing["status"] == "failed"
    assert sorted(attachment["type"] for attachment in failing["attachments"]) == [
        "application/json", "image/png", "text/html"]


def test_scenarios_of_one_name_in_json_and_yaml_and_skipped_rows_have_their_own_history_ids(pytester):
    pytester.makefile(".yml", test_same="test_data:\n  - {user: ann}\n  - {user: bob}\nskip: later\n---\n"
                                         "- {type: assert, expression: 'True'}\n")
    pytester.makefile(".json", test_same='{"test_data": [{"user": "ann"}, {"user": "bob"}],'
                                         ' "steps": [{"type": "assert", "expression": "True"}]}')
    result = pytester.runpytest("-p", "no:randomly", "--alluredir", "allure")
    result.assert_outcomes(passed=2, skipped=2)
    found = [json.loads(path.read_text()) for path in (pytester.path / "allure").glob("*-result.json")]
    assert sorted((result["name"], result["status"], params(result)["scenario"], params(result)["row"])
                  for result in found) == [
        ("test_same[ann]", "passed", "'test_same.json'", "'ann'"),
        ("test_same[ann]", "skipped", "'test_same.yml'", "'ann'"),
        ("test_same[bob]", "passed", "'test_same.json'", "'bob'"),
        ("test_same[bob]", "skipped", "'test_same.yml'", "'bob'"),
    ]
    assert len({result["historyId"] for result in found}) == 4
