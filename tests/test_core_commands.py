"""The built-in `python`, `include` and `metrics` providers."""


def run(pytester, *args):
    return pytester.runpytest("-p", "no:randomly", *args)


def test_store_variable_exec_and_assert(pytester):
    pytester.makefile(".yml", test_core="""\
- {type: store_variable, name: items, expression: "[1, 2, 3]"}
- {type: exec, expression: "sum(items)"}
- {type: assert, expression: "len(items) == 3 and max(items) == 3 and sorted(items, reverse=True)[0] == 3"}
- {type: assert, expression: "match(r'a\\\\d', 'a1') and loads(dumps({'k': 1}))['k'] == 1"}
- {type: assert, expression: "datetime.timedelta(seconds=60).total_seconds() == 60"}
- {type: assert, expression: "[x * 2 for x in items if x > 1] == [4, 6] and {k: v for k, v in [('a', 1)]} == {'a': 1}"}
""")
    run(pytester).assert_outcomes(passed=1)


def test_wait_until_runs_sub_commands_until_the_expression_is_true(pytester):
    pytester.makefile(".yml", test_wait="""\
- {type: store_variable, name: n, expression: "0"}
- type: wait_until
  expression: n >= 3
  poll: 0
  timeout: 5
  sub_commands:
    - {type: store_variable, name: n, expression: "n + 1"}
- {type: assert, expression: "n == 3"}
""")
    run(pytester).assert_outcomes(passed=1)


def test_wait_until_renders_dollar_references_on_each_attempt(pytester):
    pytester.makefile(".yml", test_wait="""\
- {type: store_variable, name: n, expression: "0"}
- type: wait_until
  expression: $n >= 2
  poll: 0
  sub_commands: [{type: store_variable, name: n, expression: "n + 1"}]
""")
    run(pytester).assert_outcomes(passed=1)


def test_wait_until_timeout_shows_what_was_last_seen(pytester):
    pytester.makefile(".yml", test_wait="""\
- {type: store_variable, name: status, expression: "'pending'"}
- {type: wait_until, expression: "status == 'done'", timeout: 0.2, poll: 0.05}
""")
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_wait.yml:2: step 2 failed",
        "  timed out after 0.2s waiting for \"status == 'done'\" to be true; last seen: {'status': 'pending'}",
    ])


def test_wait_until_not_waits_for_false(pytester):
    pytester.makefile(".yml", test_wait="""\
- {type: store_variable, name: busy, expression: "3"}
- type: wait_until_not
  expression: busy
  poll: 0
  sub_commands: [{type: store_variable, name: busy, expression: "busy - 1"}]
""")
    run(pytester).assert_outcomes(passed=1)


def test_while_repeats_sub_commands_while_true(pytester):
    pytester.makefile(".yml", test_while="""\
- {type: store_variable, name: i, expression: "0"}
- type: while
  expression: i < 5
  sub_commands: [{type: store_variable, name: i, expression: "i + 1"}]
- {type: assert, expression: "i == 5"}
""")
    run(pytester).assert_outcomes(passed=1)


def test_failing_sub_command_reports_its_own_line(pytester):
    pytester.makefile(".yml", test_sub="""\
- type: wait_until
  expression: 'True'
  sub_commands:
    - {type: assert, expression: '1 == 2'}
""")
    result = run(pytester)
    result.stdout.fnmatch_lines(["test_sub.yml:4: step 1.1 failed", "  assertion is false: 1 == 2"])


def test_sleep_waits(pytester):
    pytester.makefile(".yml", test_sleep="- {type: sleep, seconds: 0.1}\n- {type: assert, expression: '_elapsed >= 0.1'}\n")
    run(pytester).assert_outcomes(passed=1)


def test_include_runs_another_file_relative_to_the_including_one_sharing_variables(pytester):
    sub = pytester.mkdir("parts")
    (sub / "login.yml").write_text("- {type: store_variable, name: logged_in, expression: 'who == \"ann\"'}\n")
    pytester.makefile(".yml", test_inc="""\
- {type: store_variable, name: who, expression: "'ann'"}
- {type: include, path: parts/login.yml}
- {type: assert, expression: "logged_in"}
""")
    run(pytester).assert_outcomes(passed=1)


def test_include_falls_back_to_the_working_directory(pytester):
    sub = pytester.mkdir("scen")
    (pytester.path / "common.yml").write_text("- {type: store_variable, name: x, expression: '7'}\n")
    (sub / "test_inc.yml").write_text("- {type: include, path: common.yml}\n- {type: assert, expression: 'x == 7'}\n")
    run(pytester).assert_outcomes(passed=1)


def test_include_cycle_is_an_error_showing_the_chain(pytester):
    (pytester.path / "a.yml").write_text("- {type: include, path: b.yml}\n")
    (pytester.path / "b.yml").write_text("- {type: include, path: a.yml}\n")
    pytester.makefile(".yml", test_cycle="- {type: include, path: a.yml}\n")
    result = run(pytester)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  include cycle: */a.yml -> */b.yml -> */a.yml"])


def test_include_of_a_missing_file_says_where_it_looked(pytester):
    pytester.makefile(".yml", test_missing="- {type: include, path: nowhere.yml}\n")
    run(pytester).stdout.fnmatch_lines(["  file 'nowhere.yml' not found (looked in * and *)"])


def test_metrics_become_junit_properties_and_variables(pytester):
    pytester.makefile(".yml", test_metrics="""\
- {type: record_property, name: answer, expression: "6 * 7"}
- {type: sleep, seconds: 0.01}
- {type: record_elapsed, name: slept}
- {type: record_elapsed_start, name: block}
- {type: sleep, seconds: 0.01}
- {type: record_elapsed_stop, name: block}
- {type: assert, expression: "answer == 42 and slept >= 0.01 and block >= 0.01"}
""")
    result = run(pytester, "--junitxml=out.xml")
    result.assert_outcomes(passed=1)
    xml = (pytester.path / "out.xml").read_text()
    assert '<property name="answer" value="42"' in xml
    assert '<property name="slept" value="0.0' in xml and '<property name="block" value="0.0' in xml


def test_stopping_a_timer_that_never_started_is_a_clear_error(pytester):
    pytester.makefile(".yml", test_timer="- {type: record_elapsed_stop, name: nope}\n")
    run(pytester).stdout.fnmatch_lines(["  KeyError: \"timer 'nope' was never started (use record_elapsed_start first)\""])


def test_each_step_and_its_duration_is_in_junit_system_out(pytester):
    pytester.makefile(".yml", test_log="- {type: assert, comment: first check, expression: 'True'}\n")
    pytester.runpytest("--junitxml=out.xml", "-o", "junit_logging=system-out")
    xml = (pytester.path / "out.xml").read_text()
    assert "[play] step 1 assert (first check): ok in" in xml
