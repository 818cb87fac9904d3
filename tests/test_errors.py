"""Errors people can act on: file:line, what is wrong, the closest valid name."""

from xml.etree import ElementTree

import pytest


def run(pytester, *args):
    return pytester.runpytest("-p", "no:randomly", *args)


@pytest.mark.parametrize("name, text, message", [
    ("test_bad.json", '{"steps": [\n  {"type": "assert",}\n]}',
     "test_bad.json:2: invalid JSON: Expecting property name enclosed in double quotes"),
    ("test_bad.yml", "- type: assert\n  expression: [unclosed\n", "test_bad.yml:3: invalid YAML: *"),
    ("test_bad.yml", "- just a string\n", "test_bad.yml:1: step 1: a step must be a mapping with a 'type', not a string"),
    ("test_bad.yml", "- {typ: assert, expression: 'True'}\n",
     "test_bad.yml:1: step 1: missing 'type' (did you mean 'typ'?)"),
    ("test_bad.yml", "- {type: asert, expression: 'True'}\n",
     "test_bad.yml:1: step 1: unknown command 'asert' (did you mean 'assert'*"),
    ("test_bad.yml", "- {provider: pyton, type: assert, expression: 'True'}\n",
     "test_bad.yml:1: step 1: unknown provider 'pyton' (did you mean 'python'?)"),
    ("test_bad.yml", "- {provider: python, type: asert, expression: 'True'}\n",
     "test_bad.yml:1: step 1: unknown command 'asert' for provider 'python' (did you mean 'assert'?)"),
    ("test_bad.yml", "- {type: assert}\n", "test_bad.yml:1: step 1: assert: missing parameter 'expression'"),
    ("test_bad.yml", "- {type: assert, expresion: 'True', expression: 'True'}\n",
     "test_bad.yml:1: step 1: assert: unknown parameter 'expresion' (did you mean 'expression'?)"),
    ("test_bad.yml", "- {type: sleep, seconds: soon}\n",
     "test_bad.yml:1: step 1: sleep: parameter 'seconds' must be number, not 'soon'"),
    ("test_bad.yml", "- {type: assert, expression: '1 +'}\n",
     "test_bad.yml:1: step 1: assert: parameter 'expression': invalid expression '1 +': invalid syntax"),
    ("test_bad.yml", "- {type: wait_until, expression: 'True', sub_commands: [{type: exec, expression: 'a.__class__'}]}\n",
     "test_bad.yml:1: step 1.1: exec: parameter 'expression': access to attribute '__class__' is not allowed"),
    ("test_bad.yml", "- {type: exec, expression: 'True', comment: {a: '${1x}'}}\n",
     "test_bad.yml:1: step 1: exec: parameter 'comment': invalid reference ${1x}: it must start with a name"),
    ("test_bad.yml", "steps: 3\n", "test_bad.yml:1: 'steps' must be a list, not a number"),
    ("test_bad.yml", "", "test_bad.yml: no steps: the file is empty"),
    ("test_bad.yml", "a: 1\n---\n- {type: assert, expression: 'True'}\n",
     "test_bad.yml:1: unknown metadata key 'a'"),
    ("test_bad.yml", "markers: [smoke]\nmarkrs: [x]\n---\n- {type: assert, expression: 'True'}\n",
     "test_bad.yml:1: unknown metadata key 'markrs' (did you mean 'markers'?)"),
])
def test_malformed_file_becomes_one_failing_item_with_a_one_line_message(pytester, name, text, message):
    pytester.path.joinpath(name).write_text(text)
    pytester.makefile(".yml", test_good="- {type: assert, expression: 'True'}\n")
    result = run(pytester)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([message])
    assert "INTERNALERROR" not in result.stdout.str()
    assert "Traceback" not in result.stdout.str()


def test_every_problem_of_a_file_is_listed_with_its_line(pytester):
    pytester.makefile(".yml", test_many="""\
- {type: assert, expression: 'True'}
- type: asert
  expression: 'True'
- type: wait_until
  expression: 'True'
  sub_commands:
    - {type: store_variabel, name: x, expression: '1'}
""")
    result = run(pytester)
    result.stdout.fnmatch_lines([
        "test_many.yml:2: step 2: unknown command 'asert' (did you mean 'assert'*",
        "test_many.yml:7: step 3.1: unknown command 'store_variabel' (did you mean 'store_variable'*",
    ])


def test_nested_sub_commands_are_validated_at_collection(pytester):
    pytester.makefile(".yml", test_nested="- {type: wait_until, expression: 'True', sub_commands: [{type: nope}]}\n")
    result = run(pytester)
    result.stdout.fnmatch_lines(["test_nested.yml:1: step 1.1: unknown command 'nope'"])


def test_failing_step_shows_file_line_step_comment_rendered_step_and_values(pytester):
    pytester.makefile(".yml", vars="limit: 3\n")
    pytester.makefile(".yml", test_fail="""\
- {type: store_variable, name: total, expression: '2 + 2'}
- type: assert
  comment: total stays under the limit
  expression: total < $limit
""")
    result = run(pytester, "--variables", "vars.yml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_fail.yml:2: step 2 (total stays under the limit) failed",
        '  step: {"type": "assert", "expression": "total < 3"}',
        "  assertion is false: total < 3",
        "    total = 4",
    ])
    assert "Traceback" not in result.stdout.str()
    assert "def run_scenario" not in result.stdout.str()


def test_expression_errors_name_the_problem(pytester):
    pytester.makefile(".yml", test_expr="- {type: assert, expression: 'undefined_thing == 1'}\n")
    result = run(pytester)
    result.stdout.fnmatch_lines(["  undefined name 'undefined_thing'"])


def test_unknown_variable_is_an_error_with_suggestions(pytester):
    pytester.makefile(".yml", vars="base_url: http://example.invalid\n")
    pytester.makefile(".yml", test_var="- {type: assert, expression: \"'$base_ur' != ''\"}\n")
    result = run(pytester, "--variables", "vars.yml")
    result.stdout.fnmatch_lines(["  undefined variable 'base_ur' (did you mean 'base_url'?)"])


def test_secret_values_are_masked_in_the_failure_report_and_junit(pytester):
    pytester.makefile(".yml", vars="db_password: Sup3rS3cret\nuser: bob\n")
    pytester.makefile(".yml", test_secret="""\
- type: assert
  comment: uses the password
  expression: "'$db_password' == 'x' and '$user' == 'bob'"
""")
    result = run(pytester, "--variables", "vars.yml", "--junitxml=out.xml", "-rA")
    result.assert_outcomes(failed=1)
    output = result.stdout.str() + (pytester.path / "out.xml").read_text()
    assert "Sup3rS3cret" not in output
    result.stdout.fnmatch_lines(["""  assertion is false: '*****' == 'x' and 'bob' == 'bob'"""])


def test_secrets_listed_in_variables_file_and_environment_are_masked(pytester, monkeypatch):
    monkeypatch.setenv("PLAY_SECRET_SERVICE_PIN", "9876-5432")
    pytester.makefile(".yml", vars="secrets: [motto]\nmotto: open-sesame\n")
    pytester.makefile(".yml", test_secret="""\
- {type: assert, expression: "'$motto' == 'x'"}
""")
    pytester.makefile(".yml", test_env="""\
- {type: assert, expression: "'$service_pin' == 'x'"}
""")
    result = run(pytester, "--variables", "vars.yml", "--junitxml=out.xml")
    result.assert_outcomes(failed=2)
    output = result.stdout.str() + (pytester.path / "out.xml").read_text()
    assert "open-sesame" not in output and "9876-5432" not in output
    assert output.count("*****") >= 2


def test_a_password_in_the_failing_step_itself_is_masked_in_the_whole_report(pytester):
    pytester.makefile(".yml", test_url="- {type: assert, comment: 'on postgresql://app:hunter2@db/x', expression: 'False'}\n")
    result = run(pytester, "--junitxml=out.xml", "-rA", "-o", "junit_logging=all")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["test_url.yml:1: step 1 (on postgresql://app:*****@db/x) failed",
                                 "[[]play[]] step 1 assert (on postgresql://app:*****@db/x): failed in *"])
    assert "hunter2" not in result.stdout.str() + (pytester.path / "out.xml").read_text()


def test_a_failing_provider_exception_is_shown_without_traceback(pytester):
    pytester.makefile(".yml", test_div="- {type: exec, expression: '1 / 0'}\n")
    result = run(pytester)
    result.stdout.fnmatch_lines(["test_div.yml:1: step 1 failed", "  ZeroDivisionError: division by zero"])
    assert "Traceback" not in result.stdout.str()


def test_play_validate_lists_every_problem_with_suggestions_and_runs_nothing(pytester):
    pytester.makefile(".yml", vars="base_url: http://example.invalid\n")
    pytester.makefile(".yml", test_ok="- {type: assert, expression: \"'$base_url' != ''\"}\n")
    pytester.makefile(".yml", test_typo="- {type: asert, expression: 'True'}\n- {type: assert, expression: \"'$base_ulr'\"}\n")
    pytester.makefile(".yml", test_side_effect="- {type: include, path: does-not-exist.yml}\n")
    result = pytester.runpytest("--play-validate", "--variables", "vars.yml")
    assert result.ret == 1
    result.stdout.fnmatch_lines([
        "test_typo.yml:1: step 1: unknown command 'asert' (did you mean 'assert'*",
        "test_typo.yml:2: step 2: undefined variable 'base_ulr' (did you mean 'base_url'?)",
        "play-validate: 3 scenario file(s) checked, 2 problem(s) in 1 file(s)",
    ])
    assert "passed" not in result.stdout.str() and "failed" not in result.stdout.str()


def test_play_validate_parses_locators_and_suggests_the_closest_type(pytester):
    pytester.makefile(".yml", test_login="""\
- {type: get, url: 'http://example.invalid'}
- type: clickElement
  locator: {type: csss, value: '#login'}
- {type: clickElement, locator: {type: css, value: '$url'}}
- {type: verifyText, locator: {type: id, value: ''}, text: x}
""")
    pytester.makefile(".yml", vars="url: '#next'\n")
    result = pytester.runpytest("--play-validate", "--variables", "vars.yml")
    assert result.ret == 1
    result.stdout.fnmatch_lines([
        "test_login.yml:2: step 2: clickElement: parameter 'locator': unknown locator type 'csss' "
        "(did you mean 'css'?*); use one of css, *",
        "test_login.yml:5: step 4: verifyText: parameter 'locator': locator value must be a non-empty string, not ''",
        "play-validate: 1 scenario file(s) checked, 2 problem(s) in 1 file(s)",
    ])


def test_play_validate_passes_on_valid_scenarios(pytester):
    pytester.makefile(".yml", test_ok="- {type: store_variable, name: a, expression: '1'}\n- {type: assert, expression: '$a == 1'}\n")
    result = pytester.runpytest("--play-validate")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["play-validate: 1 scenario file(s) checked, 0 problem(s) in 0 file(s)"])


def test_scenario_timeout_stops_a_hung_step_and_names_it(pytester):
    # A wait of 30 s for what never comes (a sleep longer than the time left fails at once).
    pytester.makefile(".yml", test_hang="timeout: 0.5\n---\n"
                                        "- {type: wait_until, comment: hangs, expression: 'False', timeout: 30}\n")
    pytester.makefile(".yml", test_cli="- {type: wait_until, expression: 'False', timeout: 30}\n")
    result = pytester.runpytest("--play-timeout", "0.7", "-p", "no:randomly", "--junitxml=out.xml")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([
        "test_cli.yml:1: step 1 failed", "  scenario timed out after 0.7s",
        "test_hang.yml:3: step 1 (hangs) failed", "  scenario timed out after 0.5s",
    ])
    # Each stopped when its own timeout was up: not before, and long before the 30 s wait.
    times = {case.get("name"): float(case.get("time"))
             for case in ElementTree.parse(pytester.path / "out.xml").iter("testcase")}
    assert 0.7 <= times["test_cli"] < 5 and 0.5 <= times["test_hang"] < 0.7 + 4, times


def test_secrets_are_masked_in_live_and_captured_logs(pytester):
    pytester.makefile(".yml", vars="api_token: tok-Zz9-secret\n")
    pytester.makeconftest("""
        import logging
        from pytest_play.providers.python import PythonProvider

        original = PythonProvider.command_exec

        def logged(self, command, **kwargs):
            logging.getLogger("acme.client").warning("calling with %s", command["expression"])
            return original(self, command, **kwargs)

        PythonProvider.command_exec = logged
    """)
    pytester.makefile(".yml", test_log="- {type: exec, expression: \"'$api_token'\"}\n- {type: assert, expression: 'False'}\n")
    # In a subprocess: the conftest patches a provider class for good.
    result = pytester.runpytest_subprocess("--variables", "vars.yml", "--log-cli-level=DEBUG", "--junitxml=out.xml")
    result.assert_outcomes(failed=1)
    output = result.stdout.str() + (pytester.path / "out.xml").read_text()
    assert "calling with '*****'" in output
    assert "tok-Zz9-secret" not in output


def test_url_passwords_never_reach_test_ids_or_reports(pytester):
    pytester.makefile(".yml", test_auth="""\
test_data:
  - {dsn: "postgresql://ann:Pw-in-Url@db.invalid/app"}
---
- {type: assert, expression: "'$dsn' == ''"}
""")
    result = pytester.runpytest("-v", "--junitxml=out.xml")
    output = result.stdout.str() + (pytester.path / "out.xml").read_text()
    assert "Pw-in-Url" not in output
    result.stdout.fnmatch_lines(["*test_auth.yml::test_auth?postgresql://ann:?????@db.invalid/app? FAILED*",
                                 "*assertion is false: 'postgresql://ann:*****@db.invalid/app' == ''"])


def test_secret_values_cover_nested_lists_and_url_passwords():
    from pytest_play.secrets import secret_values
    values = secret_values({"auth": ["ann", "pw1"], "headers": {"Authorization": "Bearer t"},
                            "db": "mysql://u:pw2@h/d", "note": "plain", "n": 3})
    assert values == {"pw1", "t", "pw2", "YW5uOnB3MQ=="}  # the last: base64 of "ann:pw1"


def test_a_rendered_value_of_the_wrong_type_fails_the_step(pytester):
    pytester.makefile(".yml", vars="word: soon\n")
    pytester.makefile(".yml", test_type="- {type: sleep, seconds: $word}\n")
    result = pytester.runpytest("--variables", "vars.yml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["test_type.yml:1: step 1 failed", "  sleep: parameter 'seconds' must be number, not 'soon'"])


def test_a_failed_check_is_an_assertion_error_and_any_other_step_failure_is_not():
    # Reports that tell failures from errors (Allure's failed and broken) rely on it.
    from pathlib import Path

    from pytest_play.errors import CheckFailed, FailedCheck, StepError, StepFailure
    from pytest_play.loader import Step

    step = Step({"type": "assert"}, Path("test_x.yml"), 3, "1")
    check = StepFailure.of(step, {}, CheckFailed("assertion is false: 1 == 2"))
    error = StepFailure.of(step, {}, StepError("no element"))
    assert isinstance(check, FailedCheck) and isinstance(check, AssertionError)
    assert type(error) is StepFailure and not isinstance(error, AssertionError)
    assert str(check) == "test_x.yml:3: step 1: assertion is false: 1 == 2"
