"""Each test data row is its own test: a distinct, stable node id with `[row]`
brackets that selection, reruns, reports, artifacts and xdist all see.

pytest 9.2 builds node ids from `originalname` and the callspec; these tests run
under whichever pytest the CI leg installed (8.0 up to the newest)."""

import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

ROWS = """\
test_data:
  - {id: a, v: 1}
  - {id: b, v: 2}
  - {id: c, v: 3}
---
- {type: assert, provider: python, expression: "$v != 2"}
"""


@pytest.fixture
def rows(pytester):
    pytester.makefile(".yml", test_rows=ROWS)
    return pytester


def test_the_seed_ini_rows_get_one_id_each_even_where_username_equals_password(pytester):
    shutil.copy(REPO / "scenarios" / "test_login.json", pytester.path)
    shutil.copy(REPO / "scenarios" / "test_login.ini", pytester.path)
    result = pytester.runpytest("--collect-only", "-q", "-p", "no:randomly")
    result.stdout.fnmatch_lines([
        "test_login.json::test_login[[]siteadmin[]]",
        "test_login.json::test_login[[]editor[]]",
        "test_login.json::test_login[[]reader[]]",
        "3 tests collected*",
    ])


def test_verbose_lines_and_junit_names_are_distinct(rows):
    result = rows.runpytest("-v", "-p", "no:randomly", "--junitxml", "junit.xml")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "test_rows.yml::test_rows[[]a[]] PASSED*",
        "test_rows.yml::test_rows[[]b[]] FAILED*",
        "test_rows.yml::test_rows[[]c[]] PASSED*",
    ])
    names = [case.get("name") for case in ET.parse(rows.path / "junit.xml").iter("testcase")]
    assert names == ["test_rows[a]", "test_rows[b]", "test_rows[c]"]


def test_last_failed_reruns_exactly_the_row_that_failed_when_a_later_row_passed(rows):
    rows.runpytest("-p", "no:randomly").assert_outcomes(passed=2, failed=1)
    result = rows.runpytest("--lf", "-v", "-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["run-last-failure: rerun previous 1 failure*",
                                 "test_rows.yml::test_rows[[]b[]] FAILED*"])
    assert "test_rows[a]" not in result.stdout.str()


def test_new_first_runs_a_new_row_before_the_known_ones(rows):
    rows.runpytest("-p", "no:randomly").assert_outcomes(passed=2, failed=1)
    rows.makefile(".yml", test_rows=ROWS.replace("  - {id: c, v: 3}\n", "  - {id: c, v: 3}\n  - {id: d, v: 4}\n"))
    result = rows.runpytest("--nf", "-v", "-p", "no:randomly")
    ran = re.findall(r"test_rows\[(\w)\] (?:PASSED|FAILED)", result.stdout.str())
    assert ran == ["d", "a", "b", "c"]


def test_stepwise_resumes_at_the_failing_row(rows):
    rows.runpytest("--sw", "-p", "no:randomly").assert_outcomes(passed=1, failed=1)
    result = rows.runpytest("--sw", "-v", "-p", "no:randomly")
    result.assert_outcomes(failed=1, deselected=1)
    result.stdout.fnmatch_lines(["test_rows.yml::test_rows[[]b[]] FAILED*"])


def test_rows_are_selected_by_id_keyword_and_deselect(rows):
    rows.runpytest("test_rows.yml::test_rows[c]").assert_outcomes(passed=1)
    rows.runpytest("--deselect", "test_rows.yml::test_rows[b]").assert_outcomes(passed=2, deselected=1)
    rows.runpytest("-k", "b").assert_outcomes(failed=1, deselected=2)


def test_xdist_schedules_every_row(rows):
    result = rows.runpytest("-n", "2", "-v", "-p", "no:randomly")
    result.assert_outcomes(passed=2, failed=1)
    ran = sorted(re.findall(r"\[gw\d\] \[ *\d+%\] (?:PASSED|FAILED) test_rows\.yml::test_rows\[(\w)\]", result.stdout.str()))
    assert ran == ["a", "b", "c"]


def test_repeated_rows_keep_their_row_and_repetition_apart(rows):
    result = rows.runpytest("--count", "2", "--collect-only", "-q", "-p", "no:randomly")
    result.stdout.fnmatch_lines(["test_rows.yml::test_rows[[]a-1-2[]]", "test_rows.yml::test_rows[[]a-2-2[]]",
                                 "test_rows.yml::test_rows[[]b-1-2[]]", "*6 tests collected*"])
