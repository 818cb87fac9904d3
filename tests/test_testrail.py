"""TESTRAIL_ENABLE: case ids on the tests, the JUnit `test_id` property, and a
real `trcli parse_junit` run after pytest against a stand-in TestRail server
(tests/testrail_server.py: no TestRail instance is reachable from CI)."""

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from pytest_play.jenkins import PARAMETERS
from testrail_server import FAILED, PASSED, StandIn, server

PASSWORD = "s3cret-Tr-pw"
LOGIN = "testrail: C93466\n---\n- {type: assert, expression: '1 == 1'}\n"
LOGOUT = "- {type: assert, expression: '1 == 2', comment: the bug}\n"
PYTHON_TEST = """
import pytest

@pytest.mark.testrail("C92411", 4)
def test_search():
    pass

def test_without_a_case():
    pass
"""


def properties(junit: Path) -> dict[str, list[tuple[str, str]]]:
    return {case.get("name"): [(p.get("name"), p.get("value")) for p in case.iter("property")
                               if p.get("name") == "test_id"]
            for case in ET.parse(junit).getroot().iter("testcase")}


@pytest.fixture
def rail():
    data = StandIn()
    httpd = server(data)
    data.url = httpd.url
    yield data
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def workspace(tmp_path):
    scenarios = tmp_path / "scenarios"
    scenarios.mkdir()
    (scenarios / "test_login.yml").write_text(LOGIN)
    (scenarios / "test_logout_c93467.yml").write_text(LOGOUT)
    return tmp_path


def build(cwd: Path, *args: str, **form: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in PARAMETERS and not k.startswith(("TESTRAIL_", "TR_CLI"))}
    return subprocess.run([sys.executable, "-m", "pytest_play.jenkins", *args, "--", "-p", "no:randomly",
                           "-p", "no:cacheprovider"], cwd=cwd, env={**env, **form},
                          capture_output=True, text=True, timeout=300)


def test_case_ids_come_from_the_metadata_key_a_marker_or_the_name_and_reach_junit(pytester):
    pytester.makefile(".yml", test_login=LOGIN, test_logout_c93467=LOGOUT,
                      test_several="testrail: [c1, 2]\n---\n- {type: assert, expression: '1'}\n")
    pytester.makepyfile(test_python=PYTHON_TEST)
    result = pytester.runpytest("--junitxml", "junit.xml", "-p", "no:randomly")
    result.assert_outcomes(passed=4, failed=1)
    assert properties(pytester.path / "junit.xml") == {
        "test_login": [("test_id", "C93466")], "test_logout_c93467": [("test_id", "C93467")],
        "test_several": [("test_id", "C1,C2")], "test_search": [("test_id", "C92411,C4")],
        "test_without_a_case": []}


def test_a_bad_case_id_in_the_metadata_is_a_file_line_error(pytester):
    pytester.makefile(".yml", test_bad="markers: [smoke]\ntestrail: T-12\n---\n- {type: assert, expression: '1'}\n")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*test_bad.yml:1: 'testrail' must be a case id such as C93466, or a list of them, "
                                 "not 'T-12'*"])


def test_testrail_enable_sends_two_scenarios_results_with_their_case_ids_through_trcli(workspace, rail):
    result = build(workspace, "scenarios", TESTRAIL_ENABLE="true", TESTRAIL_HOST=rail.url, TESTRAIL_PROJECT="Demo",
                   TESTRAIL_USER="qa@example.com", TESTRAIL_PASSWORD=PASSWORD, BUILD_TAG="jenkins-demo-42")
    assert result.returncode == 1, result.stdout[-3000:] + result.stderr  # pytest's: one scenario fails
    assert "Submitted 2 test results" in result.stdout
    added = [call for call in rail.calls if call.endpoint.startswith("add_run/")]
    assert [call.body["case_ids"] for call in added] == [[93466, 93467]]
    assert added[0].body["name"] == "pytest-play jenkins-demo-42"
    assert sorted((r["case_id"], r["status_id"]) for r in rail.results) == [(93466, PASSED), (93467, FAILED)]
    assert "the bug" in next(r["comment"] for r in rail.results if r["case_id"] == 93467)
    # The credentials arrive, as basic auth; the password is written nowhere.
    assert {(call.user, call.password) for call in rail.calls} == {("qa@example.com", PASSWORD)}
    assert PASSWORD not in result.stdout + result.stderr
    assert not [path for path in workspace.rglob("*") if path.is_file() and PASSWORD.encode() in path.read_bytes()]
    assert f"pytest_play.jenkins: TESTRAIL_ENABLE: after the run, trcli sends the results to {rail.url} " \
           "(project 'Demo', user qa@example.com)" in result.stderr.splitlines()


def test_the_build_fails_when_trcli_cannot_send_the_results(workspace, rail):
    (workspace / "scenarios" / "test_logout_c93467.yml").write_text("- {type: assert, expression: '1'}\n")
    result = build(workspace, "scenarios", TESTRAIL_ENABLE="true", TESTRAIL_HOST=rail.url,
                   TESTRAIL_PROJECT="No such project", TESTRAIL_USER="qa@example.com", TESTRAIL_KEY=PASSWORD)
    assert "2 passed" in result.stdout
    assert result.stderr.splitlines()[-1].startswith("pytest_play.jenkins: TESTRAIL_ENABLE: trcli failed (exit code ")
    assert result.stderr.splitlines()[-1].endswith("): the results are not in TestRail")
    assert result.returncode != 0
    assert not rail.results


def test_dry_run_prints_the_trcli_call_without_the_password(workspace):
    result = build(workspace, "--dry-run", "scenarios", TESTRAIL_ENABLE="true", TESTRAIL_HOST="https://x.testrail.io",
                   TESTRAIL_PROJECT="Demo", TESTRAIL_USER="qa@example.com", TESTRAIL_PASSWORD=PASSWORD)
    assert result.returncode == 0, result.stderr
    trcli = result.stdout.splitlines()[1].split()
    assert trcli[0].endswith("trcli") and trcli[1:] == [
        "-y", "--host", "https://x.testrail.io", "--project", "Demo", "--username", "qa@example.com", "parse_junit",
        "--file", "build/junit.xml", "--case-matcher", "property", "--title", "'pytest-play", "run'"]
    assert PASSWORD not in result.stdout + result.stderr
    assert not (workspace / "build").exists()
