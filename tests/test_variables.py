"""Variables: where they come from, which wins, and how `$name` is substituted."""

import pytest


def run(pytester, *args):
    return pytester.runpytest("-p", "no:randomly", *args)


def scenario(pytester, text, name="test_vars"):
    pytester.makefile(".yml", **{name: text})


def test_top_level_and_pytest_play_keys_are_variables_and_later_files_win(pytester):
    pytester.makefile(".yml", one="a: 1\nb: 1\npytest-play:\n  c: 3\n", two="b: 2\n")
    scenario(pytester, "- {type: assert, expression: 'a == 1 and b == 2 and c == 3'}\n")
    run(pytester, "--variables", "one.yml", "--variables", "two.yml").assert_outcomes(passed=1)


def test_test_data_row_wins_over_variables_files(pytester):
    pytester.makefile(".yml", vars="user: fromfile\n")
    scenario(pytester, "test_data: [{user: fromrow}]\n---\n- {type: assert, expression: \"user == 'fromrow'\"}\n")
    run(pytester, "--variables", "vars.yml").assert_outcomes(passed=1)


def test_dollar_and_braced_references_reach_into_mappings_and_lists(pytester):
    pytester.makefile(".yml", vars="site: {name: demo, ports: [80, 443]}\nhost: example\n")
    scenario(pytester, """\
- {type: store_variable, name: url, expression: "'http://$host/${site.name}:${site.ports[1]}'"}
- {type: assert, expression: "url == 'http://example/demo:443'"}
""")
    run(pytester, "--variables", "vars.yml").assert_outcomes(passed=1)


def test_whole_value_reference_keeps_its_type(pytester):
    pytester.makefile(".yml", vars="pause: 0.01\n")
    scenario(pytester, "- {type: sleep, seconds: $pause}\n")
    run(pytester, "--variables", "vars.yml").assert_outcomes(passed=1)


def test_double_dollar_is_a_literal_dollar(pytester):
    scenario(pytester, "- {type: assert, expression: \"'$$HOME' == '$' + 'HOME'\"}\n")
    run(pytester).assert_outcomes(passed=1)


def test_inline_expression_is_evaluated(pytester):
    pytester.makefile(".yml", vars="n: 20\n")
    scenario(pytester, "- {type: store_variable, name: s, expression: \"'{! n * 2 + 2 !}'\"}\n"
                       "- {type: assert, expression: \"s == '42'\"}\n")
    run(pytester, "--variables", "vars.yml").assert_outcomes(passed=1)


def test_variables_are_reachable_by_name_and_through_variables_mapping(pytester):
    pytester.makefile(".yml", vars="foo: bar\n")
    scenario(pytester, "- {type: assert, expression: \"foo == 'bar' and variables['foo'] == 'bar'\"}\n")
    run(pytester, "--variables", "vars.yml").assert_outcomes(passed=1)


def test_elapsed_holds_the_previous_step_duration(pytester):
    scenario(pytester, "- {type: sleep, seconds: 0.05}\n- {type: assert, expression: '0.05 <= _elapsed < 1'}\n")
    run(pytester).assert_outcomes(passed=1)


def test_a_variable_named_after_a_provider_gives_defaults_to_its_steps(pytester):
    pytester.makefile(".yml", vars="python: {expression: 'limit > 2'}\nlimit: 3\n")
    scenario(pytester, "- {type: assert}\n- {type: assert, expression: 'limit == 3'}\n")
    run(pytester, "--variables", "vars.yml").assert_outcomes(passed=1)


def test_skip_condition_skips_a_step(pytester):
    pytester.makefile(".yml", vars="role: reader\n")
    scenario(pytester, """\
- {type: assert, expression: 'False', skip_condition: "role == 'reader'"}
- {type: assert, expression: 'True', skip_condition: "role == 'admin'"}
""")
    result = run(pytester, "--variables", "vars.yml", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*step 1 assert: skipped by skip_condition*", "*step 2 assert: ok in*"])


def test_secret_environment_variables_become_variables(pytester, monkeypatch):
    monkeypatch.setenv("PLAY_SECRET_API_TOKEN", "tok-1")
    scenario(pytester, "- {type: assert, expression: \"api_token == 'tok-1'\"}\n")
    run(pytester).assert_outcomes(passed=1)


@pytest.mark.parametrize("template, expected", [
    ("$a", 1), ("${a}", 1), ("x$a", "x1"), ("$a$b", "1two"), ("$$a", "$a"),
    ("${m.k}", "v"), ("${l[1]}", 20), ("${l[-1]}", 20), ("{! a + 1 !}", 2), ("{!a!}-{!b!}", "1-two"),
    ("$('.jquery')", "$('.jquery')"), ("no refs", "no refs"), ("$t", True), ("v=$t", "v=true"),
])
def test_render_string_rules(template, expected):
    from pytest_play.templating import render_string
    variables = {"a": 1, "b": "two", "m": {"k": "v"}, "l": [10, 20], "t": True}
    assert render_string(template, variables) == expected


def test_render_walks_nested_values_without_changing_the_original():
    from pytest_play.templating import render
    original = {"url": "$u/x", "nested": [{"k": "$n"}], "n": 5}
    assert render(original, {"u": "http://h", "n": 3}) == {"url": "http://h/x", "nested": [{"k": 3}], "n": 5}
    assert original["url"] == "$u/x"


def test_unknown_reference_path_names_what_is_there():
    from pytest_play.errors import ExpressionError
    from pytest_play.templating import render_string
    with pytest.raises(ExpressionError, match=r"\$\{m.nope\}: no 'nope' in mapping with keys \['k'\]"):
        render_string("${m.nope}", {"m": {"k": 1}})
