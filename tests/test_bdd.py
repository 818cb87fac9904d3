"""Gherkin features under real pytest-bdd, with pytest-play steps: the YAML step
library (no Python), Python step definitions calling `play`, and the errors of both.

These run core steps only (no browser, no server); tests/test_bdd_demo_app.py runs
the login and API features against the demo app in headless Chromium.
"""

import json
import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("pytest_bdd")

INI = """
[pytest]
addopts = -p no:hypothesispytest -p no:benchmark -p no:randomly
play_bdd_features = features
"""

CALC_FEATURE = """
@calc
Feature: Calculator
  Scenario Outline: Adding two numbers
    Given the number <a>
    When I add <b>
    Then the total is <total>

    Examples:
      | a | b | total |
      | 1 | 2 | 3     |
      | 2 | 5 | 7     |

  @smoke
  Scenario: Starting from zero
    Given the number 0
    Then the total is 0
"""

CALC_STEPS = """
- given: the number {a:d}
  steps:
    - {type: store_variable, name: total, expression: a}
- when: I add {b:d}
  steps:
    - {type: store_variable, name: total, expression: total + b}
- then: the total is {expected:d}
  steps:
    - comment: the sum
      type: assert
      expression: total == expected
"""


def project(pytester, files: dict, ini: str = INI):
    pytester.makeini(ini)
    for name, text in files.items():
        path = pytester.path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip())


def test_a_feature_runs_with_only_a_yaml_step_library(pytester):
    project(pytester, {"features/calc.feature": CALC_FEATURE, "features/steps/calc.yml": CALC_STEPS})
    result = pytester.runpytest("-v", "--cucumberjson=cucumber.json")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines([
        "features/calc.feature::test_adding_two_numbers[[]1-2-3[]] PASSED*",
        "features/calc.feature::test_adding_two_numbers[[]2-5-7[]] PASSED*",
        "features/calc.feature::test_starting_from_zero PASSED*",
    ])
    report = json.loads((pytester.path / "cucumber.json").read_text())
    steps = [(step["keyword"], step["name"], step["result"]["status"])
             for scenario in report[0]["elements"] for step in scenario["steps"]]
    assert steps[:3] == [("Given", "the number 1", "passed"), ("When", "I add 2", "passed"),
                         ("Then", "the total is 3", "passed")]


def test_gherkin_tags_select_scenarios_with_m_and_names_with_k(pytester):
    project(pytester, {"features/calc.feature": CALC_FEATURE, "features/steps/calc.yml": CALC_STEPS})
    by_tag = pytester.runpytest("-m", "smoke", "--strict-markers", "-W", "error::pytest.PytestUnknownMarkWarning")
    by_tag.assert_outcomes(passed=1, deselected=2)
    by_feature_tag = pytester.runpytest("-m", "calc and not smoke", "--strict-markers")
    by_feature_tag.assert_outcomes(passed=2, deselected=1)
    by_name = pytester.runpytest("-k", "adding and 2-5-7")
    by_name.assert_outcomes(passed=1, deselected=2)


def test_outline_examples_are_variables_even_when_no_step_names_them(pytester):
    project(pytester, {
        "features/greet.feature": """
            Feature: Greeting
              Scenario Outline: Greeting a user
                Given a greeting
                Then it greets <who> with "<word>"

                Examples:
                  | who   | word  | mood  |
                  | alice | hello | happy |
                  | bob   | hi    | sleepy |
            """,
        "features/steps/greet.yml": """
            - given: a greeting
              steps:
                - {type: assert, expression: "mood in ('happy', 'sleepy') and who in ('alice', 'bob')"}
            - then: it greets {name} with "{word}"
              steps:
                - {type: assert, expression: "name == who and word in ('hello', 'hi')"}
                - {type: assert, expression: "variables['mood'] == {'alice': 'happy', 'bob': 'sleepy'}[who]"}
            """,
    })
    pytester.runpytest().assert_outcomes(passed=2)


def test_variables_files_reach_the_steps_and_the_steps_variables_persist(pytester):
    project(pytester, {
        "env.yml": "greeting: hello\n",
        "features/persist.feature": """
            Feature: Persisting
              Scenario: A value stored by one step is read by the next
                Given I remember "blue"
                Then I still know it
            """,
        "features/steps/persist.yml": """
            - given: I remember "{colour}"
              steps:
                - {type: store_variable, name: remembered, expression: "greeting + ' ' + colour"}
            - then: I still know it
              steps:
                - {type: assert, expression: "remembered == 'hello blue'"}
            """,
    })
    pytester.runpytest("--variables", "env.yml").assert_outcomes(passed=1)
    pytester.runpytest().assert_outcomes(failed=1)  # greeting comes only from the variables file


def test_a_failing_yaml_step_reports_the_feature_line_and_the_yaml_step_line(pytester):
    project(pytester, {"features/calc.feature": CALC_FEATURE.replace("| 2 | 5 | 7     |", "| 2 | 5 | 8     |"),
                       "features/steps/calc.yml": CALC_STEPS})
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "*_ test_adding_two_numbers[[]2-5-8[]] _*",
        "features/calc.feature:6: 'Then the total is 8' failed",
        "features/steps/calc.yml:9: step 1 (the sum) failed",
        '  step: {"type": "assert", "expression": "total == expected"}',
        "  assertion is false: total == expected",
        "    total = 7",
        "    expected = 8",
        "FAILED features/calc.feature::test_adding_two_numbers[[]2-5-8[]] - features/calc*",
    ])
    assert "Traceback" not in result.stdout.str()
    pytester.runpytest("--lf").assert_outcomes(failed=1)


def test_a_step_with_no_definition_fails_at_its_feature_line_naming_the_closest_patterns(pytester):
    project(pytester, {
        "features/calc.feature": """
            Feature: Calculator
              Scenario: A typo
                Given the numbr 3
                Then the total is 3
            """,
        "features/steps/calc.yml": CALC_STEPS,
    })
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "features/calc.feature:3: no step definition matches 'Given the numbr 3'",
        "  closest patterns of the step library:",
        "    given 'the number {a:d}' (features/steps/calc.yml:1)",
    ])
    assert "StepDefinitionNotFoundError" not in result.stdout.str()


def test_a_step_with_nothing_close_says_so_and_what_to_add(pytester):
    project(pytester, {
        "features/calc.feature": """
            Feature: Calculator
              Scenario: Something else
                When the moon rises over the hills
            """,
        "features/steps/calc.yml": CALC_STEPS,
    })
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "features/calc.feature:3: no step definition matches 'When the moon rises over the hills'",
        "  no pattern of the step library (features/steps/calc.yml) is close",
        "  add an entry: '- when: the moon rises over the hills' with its steps",
    ])


def test_a_step_two_library_entries_match_is_an_error_at_collection_and_other_features_run(pytester):
    project(pytester, {
        "features/calc.feature": """
            Feature: Calculator
              Scenario: Ambiguous
                Given the number 3
            """,
        "features/other.feature": """
            Feature: Other
              Scenario: Fine
                Given the number five
            """,
        "features/steps/calc.yml": CALC_STEPS,
        "features/steps/more.yml": """
            - given: the number {text}
              steps:
                - {type: store_variable, name: total, expression: "0"}
            """,
    })
    result = pytester.runpytest("--collect-only", "-q")
    result.stdout.fnmatch_lines(["features/calc.feature::calc.feature", "features/other.feature::test_fine"])
    result = pytester.runpytest()
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines([
        "features/calc.feature:3: step 'Given the number 3' matches 2 step library entries: "
        "given 'the number {a:d}' (features/steps/calc.yml:1), "
        "given 'the number {text}' (features/steps/more.yml:1); make the patterns differ",
    ])


def test_the_same_pattern_twice_in_the_library_is_an_error_at_collection(pytester):
    project(pytester, {
        "features/calc.feature": CALC_FEATURE,
        "features/steps/calc.yml": CALC_STEPS,
        "features/steps/copy.yml": """
            - step: the total is {expected:d}
              steps: []
            """,
    })
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "features/steps/copy.yml:1: step 'the total is {expected:d}' is already defined at "
        "features/steps/calc.yml:7",
    ])


def test_library_problems_are_reported_as_file_line(pytester):
    project(pytester, {
        "features/calc.feature": CALC_FEATURE,
        "features/steps/calc.yml": """
            - given: the number {a:d}
              stpes: []
            - when: I add {}
              steps:
                - {type: store_variabel, name: total, expression: "1"}
            - then: the total is {play}
              given: twice
              steps: []
            - then: the total is {n:zz}
              steps: []
            """,
    })
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "features/steps/calc.yml:1: unknown key 'stpes' (did you mean 'steps'*",
        "features/steps/calc.yml:1: given 'the number {a:d}': missing 'steps' list",
        "features/steps/calc.yml:3: when 'I add {}': every field needs a name, e.g. {user}*",
        "features/steps/calc.yml:5: step 1: unknown command 'store_variabel'*did you mean 'store_variable'*",
        "features/steps/calc.yml:6: an entry needs exactly one of given, when, then or step (found given and then)",
        "features/steps/calc.yml:9: then 'the total is {n:zz}': not a valid parse pattern: format spec 'zz' not recognised",
    ])


def test_a_broken_feature_file_is_one_failing_item(pytester):
    project(pytester, {
        "features/broken.feature": "Feature: Broken\n  Scenario: One\n    Given the number 1\nFeature: Twice\n",
        "features/fine.feature": "Feature: Fine\n  Scenario: Fine\n    Given the number 1\n",
        "features/steps/calc.yml": CALC_STEPS,
    })
    result = pytester.runpytest()
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["features/broken.feature:4: invalid Gherkin: Multiple features are not allowed "
                                 "in a single feature file."])
    assert "INTERNALERROR" not in result.stdout.str()


def test_library_files_come_from_steps_folders_up_the_tree_and_the_ini_option(pytester):
    project(pytester, {
        "features/shop/cart.feature": """
            Feature: Cart
              Scenario: Shared and local steps
                Given the number 2
                When I double it
                Then the total is 4
            """,
        "features/steps/calc.yml": CALC_STEPS,
        "shared/double.yml": """
            - when: I double it
              steps:
                - {type: store_variable, name: total, expression: total * 2}
            """,
    }, ini=INI + "play_bdd_steps = shared\n")
    pytester.runpytest().assert_outcomes(passed=1)


def test_a_secret_in_a_failing_yaml_step_is_masked(pytester):
    project(pytester, {
        "env.yml": "api_password: s3cr3t-value\n",
        "features/secret.feature": """
            Feature: Secrets
              Scenario: A failing step that shows a password
                Then the password is "wrong"
            """,
        "features/steps/secret.yml": """
            - then: the password is "{guess}"
              steps:
                - {type: assert, expression: "api_password == guess", comment: "$api_password"}
            """,
    })
    result = pytester.runpytest("--variables", "env.yml")
    result.assert_outcomes(failed=1)
    assert "s3cr3t-value" not in result.stdout.str()
    result.stdout.fnmatch_lines(["*api_password = '*****'*"])


PYTHON_STEPS = '''
from pytest_bdd import given, parsers, scenarios, then, when

scenarios("features/calc.feature")


@given(parsers.parse("the number {a:d}"))
def _(play, a):
    play.execute([{"type": "store_variable", "name": "total", "expression": "a"}], {"a": a})


@when(parsers.parse("I add {b:d}"))
def _(play, b):
    play.execute_raw("- {type: store_variable, name: total, expression: total + b}", {"b": b})


@then(parsers.parse("the total is {expected:d}"))
def _(play, expected):
    play.execute_raw("""
- comment: the sum
  type: assert
  expression: total == expected
""", {"expected": expected})
    assert play.variables["total"] == expected
'''

PYTHON_INI = """
[pytest]
addopts = -p no:hypothesispytest -p no:benchmark -p no:randomly
markers =
    calc
    smoke
"""


def test_python_step_definitions_share_play_variables_across_a_scenarios_steps(pytester):
    project(pytester, {"features/calc.feature": CALC_FEATURE, "test_calc.py": PYTHON_STEPS}, ini=PYTHON_INI)
    result = pytester.runpytest("-v", "--strict-markers")
    result.assert_outcomes(passed=3)
    result.stdout.fnmatch_lines(["test_calc.py::test_adding_two_numbers[[]1-2-3[]] PASSED*"])
    pytester.runpytest("-m", "smoke").assert_outcomes(passed=1, deselected=2)


def test_outline_examples_are_play_variables_for_python_step_definitions(pytester):
    project(pytester, {
        "features/calc.feature": CALC_FEATURE,
        "test_calc.py": PYTHON_STEPS + '''

@then("the example is known")
def _(play):
    assert play.variables["total"] == play.variables["a"] + play.variables["b"]
''',
    }, ini=PYTHON_INI)
    feature = pytester.path / "features/calc.feature"
    feature.write_text(feature.read_text().replace("Then the total is <total>",
                                                   "Then the total is <total>\n    And the example is known"))
    pytester.runpytest("-k", "adding").assert_outcomes(passed=2, deselected=1)


def test_a_failing_play_step_fails_the_python_step_with_the_feature_and_play_lines(pytester):
    feature = CALC_FEATURE.replace("| 2 | 5 | 7     |", "| 2 | 5 | 8     |")
    project(pytester, {"features/calc.feature": feature, "test_calc.py": PYTHON_STEPS}, ini=PYTHON_INI)
    result = pytester.runpytest()
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "features/calc.feature:6: 'Then the total is 8' failed",
        "<text>:2: step 1 (the sum) failed",
        '  step: {"type": "assert", "expression": "total == expected"}',
        "  assertion is false: total == expected",
        "    total = 7",
    ])
    assert "Traceback" not in result.stdout.str()


def test_a_python_steps_own_assertion_keeps_pytests_report(pytester):
    project(pytester, {
        "features/calc.feature": "Feature: F\n  Scenario: S\n    Given the number 1\n",
        "test_calc.py": PYTHON_STEPS.replace('play.execute([{"type": "store_variable"',
                                             'assert a == 2, "a python assertion"\n    play.execute([{"type": "store_variable"'),
    }, ini=PYTHON_INI)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*AssertionError: a python assertion*"])


def test_features_are_not_collected_without_the_ini_option(pytester):
    project(pytester, {"features/calc.feature": CALC_FEATURE, "features/steps/calc.yml": CALC_STEPS},
            ini="[pytest]\naddopts = -p no:hypothesispytest -p no:benchmark\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_the_ini_option_without_pytest_bdd_is_a_usage_error(pytester):
    project(pytester, {"features/calc.feature": CALC_FEATURE, "features/steps/calc.yml": CALC_STEPS})
    result = pytester.runpytest("-p", "no:pytest-bdd")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([
        "ERROR: play_bdd_features is set but pytest-bdd is not installed (or is disabled with "
        "-p no:pytest-bdd): pip install 'pytest-play[bdd]'",
    ])


def test_without_pytest_bdd_python_tests_and_scenarios_run_as_before(pytester, monkeypatch):
    project(pytester, {"test_plain.yml": "- {type: assert, expression: 'True'}\n",
                       "test_plain.py": "def test_it(play):\n    play.execute([{'type': 'assert', 'expression': 'True'}])\n",
                       "features/calc.feature": CALC_FEATURE,
                       # As if pytest-bdd were not installed: importing it fails.
                       "hidden/pytest_bdd/__init__.py": "raise ImportError('pytest-bdd is not installed')\n"},
            ini="[pytest]\naddopts = -p no:hypothesispytest -p no:benchmark\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(pytester.path / "hidden"), os.environ["PYTHONPATH"]]))
    result = pytester.runpytest_subprocess("-p", "no:pytest-bdd", "-v", "--ignore=hidden")
    result.assert_outcomes(passed=2)
    assert "calc.feature" not in result.stdout.str()


def test_features_run_under_xdist_with_junit_and_html_reports(pytester):
    project(pytester, {"features/calc.feature": CALC_FEATURE.replace("| 2 | 5 | 7     |", "| 2 | 5 | 8     |"),
                       "features/steps/calc.yml": CALC_STEPS})
    result = pytester.runpytest_subprocess("-n", "2", "--junitxml=junit.xml", "--html=report.html",
                                           "--self-contained-html")
    result.assert_outcomes(passed=2, failed=1)
    junit = (pytester.path / "junit.xml").read_text()
    assert 'classname="features.calc.feature"' in junit
    assert "features/calc.feature:6: 'Then the total is 8' failed" in junit
    assert "features/steps/calc.yml:9: step 1 (the sum) failed" in junit
    html = (pytester.path / "report.html").read_text()
    assert "test_adding_two_numbers[2-5-8]" in html and "features/steps/calc.yml:9" in html


def test_a_steps_data_table_and_doc_string_are_variables(pytester):
    project(pytester, {
        "features/table.feature": '''
            Feature: Tables
              Scenario: A table and a text
                Given these users
                  | name  | role   |
                  | alice | admin  |
                  | bob   | reader |
                Then the note says
                  """
                  two users
                  """
            ''',
        "features/steps/table.yml": """
            - given: these users
              steps:
                - {type: assert, expression: "datatable == [['name', 'role'], ['alice', 'admin'], ['bob', 'reader']]"}
                - {type: store_variable, name: count, expression: len(datatable) - 1}
            - then: the note says
              steps:
                - {type: assert, expression: "docstring == 'two users' and count == 2"}
            """,
    })
    pytester.runpytest().assert_outcomes(passed=1)


def test_python_step_definitions_in_a_conftest_serve_collected_features_too(pytester):
    project(pytester, {
        "features/calc.feature": CALC_FEATURE,
        "features/steps/calc.yml": CALC_STEPS.split("- then:")[0],
        "conftest.py": '''
from pytest_bdd import parsers, then


@then(parsers.parse("the total is {expected:d}"))
def _(play, expected):
    assert play.variables["total"] == expected
''',
    })
    pytester.runpytest().assert_outcomes(passed=3)


def test_play_validate_lists_the_problems_of_features_and_runs_nothing(pytester):
    project(pytester, {
        "features/calc.feature": CALC_FEATURE,
        "features/steps/calc.yml": CALC_STEPS + "- then: the total is {expected:d}\n  steps: []\n",
        "features/other.feature": "Feature: Other\n  Scenario: Fine\n    Given the number 1\n",
    })
    result = pytester.runpytest("--play-validate")
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines([
        "features/steps/calc.yml:12: then 'the total is {expected:d}' is already defined at features/steps/calc.yml:7",
        "features/steps/calc.yml:12: then 'the total is {expected:d}' is already defined at features/steps/calc.yml:7",
        "play-validate: * 2 problem(s) in 2 file(s)",
    ])
    assert "passed" not in result.stdout.str()


def test_the_steps_of_a_gherkin_step_run_within_play_timeout(pytester):
    project(pytester, {
        "features/slow.feature": "Feature: Slow\n  Scenario: Slow\n    When I wait\n",
        "features/steps/slow.yml": "- when: I wait\n  steps:\n    - {type: sleep, seconds: 30}\n",
    })
    result = pytester.runpytest("--play-timeout", "1")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["features/slow.feature:3: 'When I wait' failed", "features/steps/slow.yml:3: step 1 *"])


def test_the_jenkins_form_runs_features_by_marker_and_keyword_with_its_reports(pytester):
    project(pytester, {"features/calc.feature": CALC_FEATURE, "features/steps/calc.yml": CALC_STEPS,
                       "envs/test.yml": "unused: 1\n"})
    environ = {**os.environ, "ENVIRONMENT": "test", "MARKERS": "calc and not smoke", "KEYWORDS": "2-5-7",
               "WORKSPACE": str(pytester.path), "SE_OFFLINE": "true"}
    result = subprocess.run([sys.executable, "-m", "pytest_play.jenkins", "features"], cwd=pytester.path,
                            env=environ, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "1 passed, 2 deselected" in result.stdout
    junit = (pytester.path / "build" / "junit.xml").read_text()
    assert 'name="test_adding_two_numbers[2-5-7]"' in junit and junit.count("<testcase ") == 1
    assert "test_adding_two_numbers[2-5-7]" in (pytester.path / "build" / "report.html").read_text()


def test_an_include_in_a_library_entry_is_relative_to_the_library_file(pytester):
    project(pytester, {
        "features/inc.feature": "Feature: Include\n  Scenario: Shared steps\n    Given the shared steps ran\n",
        "features/steps/inc.yml": "- given: the shared steps ran\n  steps:\n"
                                  "    - {type: include, provider: include, path: ../shared/set.yml}\n"
                                  "    - {type: assert, expression: shared == 42}\n",
        "features/shared/set.yml": "- {type: store_variable, name: shared, expression: '42'}\n",
    })
    pytester.runpytest().assert_outcomes(passed=1)


def test_features_are_collected_with_collect_imported_tests_off(pytester):
    """pytest 8.4+ skips functions defined in another module; ours are pytest-bdd's (8.0 ignores the option)."""
    project(pytester, {"features/calc.feature": CALC_FEATURE, "features/steps/calc.yml": CALC_STEPS},
            ini=INI + "collect_imported_tests = false\n")
    pytester.runpytest("-W", "ignore::pytest.PytestConfigWarning").assert_outcomes(passed=3)


def test_a_library_file_that_is_not_a_list_of_entries_is_reported_at_its_line(pytester):
    project(pytester, {
        "features/calc.feature": "Feature: F\n  Scenario: S\n    Given the number 1\n",
        "features/steps/calc.yml": CALC_STEPS,
        "features/steps/mapping.yml": "given: the number {a:d}\nsteps: []\n",
        "features/steps/broken.yml": "- given: x\n  steps:\n    - {type: assert\n",
    })
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "features/steps/broken.yml:4: invalid YAML: *",
        "features/steps/mapping.yml:1: a step library is one list of entries (given/when/then and steps), not a mapping",
    ])
