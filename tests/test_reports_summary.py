"""The run summary at the end of the terminal output: scenarios per variables
file and browser, the slowest steps when steps are recorded, where the reports
are; once, in the controller, under xdist."""

import pytest

SCENARIOS = {
    "test_one": "- {type: assert, expression: 'True'}\n",
    "test_two": "- {type: include, path: slow.yml}\n- {type: assert, expression: 'True'}\n",
    "test_bad": "- {type: assert, expression: 'size > 3'}\n",
    "test_later": "skip: not today\n---\n- {type: assert, expression: 'True'}\n",
    # a browser scenario, skipped: it counts under the browser without starting one
    "test_page": "skip: no browser here\n---\n- {type: get, url: 'http://127.0.0.1:9/'}\n",
    "test_typo": "- {type: asert, expression: 'True'}\n",  # a file that can't be loaded fails
}


@pytest.fixture
def scenarios(pytester):
    pytester.makefile(".yml", **SCENARIOS)
    pytester.makefile(".yml", env="size: 2\nbrowser: {name: firefox}\n")
    pytester.makefile(".yml", slow="- {type: sleep, seconds: 0.3, comment: the slow one}\n")
    return pytester


def test_the_summary_counts_scenarios_per_variables_file_and_browser(scenarios):
    result = scenarios.runpytest("-p", "no:randomly", "--variables", "env.yml")
    result.assert_outcomes(passed=2, failed=2, skipped=2)
    result.stdout.fnmatch_lines([
        "*- pytest-play summary -*",
        "env.yml, firefox: 1 skipped",
        "env.yml, no browser: 2 passed, 2 failed, 1 skipped",
        "=* short test summary info =*",
    ])
    assert "slowest steps:" not in result.stdout.str()  # no report asked for: steps are not recorded


def test_with_durations_the_slowest_steps_are_listed(scenarios):
    result = scenarios.runpytest("-p", "no:randomly", "--variables", "env.yml", "--durations", "3")
    result.stdout.fnmatch_lines([
        "env.yml, no browser: 2 passed, 2 failed, 1 skipped",
        "slowest steps:",
        "    0.3* s  slow.yml:1 step 1.1 sleep: the slow one (test_two)",
        "    0.0* s  test_*.yml:* step * assert (test_*)",
    ])
    assert "step 1 include" not in result.stdout.str()  # its time is its sub-step's


def test_under_xdist_the_controller_writes_one_summary_of_every_worker(scenarios):
    result = scenarios.runpytest("-p", "no:randomly", "--variables", "env.yml", "-n", "2", "--durations", "3",
                                 "--html", "report.html")
    result.assert_outcomes(passed=2, failed=2, skipped=2)
    assert result.stdout.str().count("pytest-play summary") == 1
    result.stdout.fnmatch_lines([
        "env.yml, firefox: 1 skipped",
        "env.yml, no browser: 2 passed, 2 failed, 1 skipped",
        "slowest steps:",
        "    0.3* s  slow.yml:1 step 1.1 sleep: the slow one (test_two)",
        f"HTML report: {scenarios.path / 'report.html'}",
    ])


def test_a_run_without_scenarios_has_no_summary(pytester):
    pytester.makepyfile(test_plain="def test_it():\n    pass\n")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(passed=1)
    assert "pytest-play summary" not in result.stdout.str()


def test_a_password_in_a_step_comment_is_masked_in_the_slowest_steps(pytester):
    pytester.makefile(".yml", test_url="- {type: assert, comment: 'on postgresql://app:hunter2@db/x', expression: 'True'}\n")
    result = pytester.runpytest("-p", "no:randomly", "--durations", "1")
    result.stdout.fnmatch_lines(["    0.0* s  test_url.yml:1 step 1 assert: on postgresql://app:*****@db/x (test_url)"])
    assert "hunter2" not in result.stdout.str()
