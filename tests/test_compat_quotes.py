"""Issue 16, points 2 and 7: `$name` in an expression is a value, not source text.

pytest-play 2.x rendered a step's text with the variables and then parsed it, so a
value holding a quote broke `'$name' == 'x'`, and a value holding code changed the
expression's meaning. Here the expression is compiled once, with each reference
standing for its value (inside quotes: its text), and resolved when it is evaluated,
which also lets a step's `assertion` use the variable that the same step stores.
"""

import json

import hypothesis_profiles  # noqa: F401  the profiles
import pytest
import requests  # noqa: F401  imported once here, not anew by each in-process session
import websocket  # noqa: F401
from hypothesis import given
from hypothesis import strategies as st
from messaging_helpers import run

from pytest_play import expressions
from pytest_play.errors import ExpressionError
from pytest_play.expression_templates import ExpressionPart, Rendered, compile_expression_template
from pytest_play.expressions import evaluate, make_lookup
from pytest_play.templating import as_text

NASTY = "'\"\\{!$\n!}"


def session(pytester, scenario: str, *args, **variables):
    pytester.makefile(".yml", test_quotes=scenario)
    pytester.makefile(".yml", vars=json.dumps(variables))
    return pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider", "--variables", "vars.yml", *args)


# --- point 7: values with quotes ------------------------------------------------------------


def test_a_value_with_quotes_compares_as_text_inside_quotes(pytester):
    result = session(pytester, r"""
- {type: assert, expression: "'$name' == \"O'Brien\""}
- {type: assert, expression: '"$name" == "O''Brien"'}
- type: assert
  expression: >-
    '$path' == 'C:\\temp' and '$note'.count('\n') == 2
""", name="O'Brien", path="C:\\temp", note="one\ntwo\nthree")
    result.assert_outcomes(passed=1)


def test_a_value_that_looks_like_code_cannot_change_the_expressions_meaning(pytester):
    # Rendered as text, this value would close the quote and make the check always true.
    result = session(pytester, "- {type: assert, expression: \"'$role' == 'admin'\"}\n",
                     role="x' or 'a' == 'a")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  assertion is false: 'x' or 'a' == 'a' == 'admin'"])


def test_conditions_and_waits_take_a_quoted_value_as_its_text_too(pytester):
    # skip_condition, a scenario's skip/xfail condition and while/wait_until are
    # expressions like the others: a value holding quotes or code stays a value.
    result = session(pytester, r"""
- {type: store_variable, name: seen, expression: "0"}
- {type: assert, expression: "False", skip_condition: "'$name' == \"O'Brien\""}
- {type: assert, expression: "False", skip_condition: "'$role' == 'admin'"}
- type: while
  expression: "seen < 3 and '$name' != ''"
  sub_commands:
    - {type: store_variable, name: seen, expression: "seen + 1"}
- {type: assert, expression: "seen == 3"}
""", name="O'Brien", role="x' or 'a' == 'a")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["test_quotes.yml:3: step 3 failed", "  assertion is false: False"])
    pytester.makefile(".yml", test_meta=r"""skip: {condition: "'$name' == \"O'Brien\"", reason: named}
---
- {type: assert, expression: "False"}
""")
    pytester.runpytest("-p", "no:randomly", "--variables", "vars.yml", "test_meta.yml").assert_outcomes(skipped=1)


def test_a_reference_outside_quotes_is_the_value_with_its_type(pytester):
    result = session(pytester, """
- {type: assert, expression: "$count > 2 and $count + 1 == 6"}
- {type: assert, expression: "$items[1] == 'b' and len($items) == 2 and ${site.ports[0]} == 80"}
- type: assert
  expression: >-
    $motto.upper() == "IT'S OK"
""", count=5, items=["a", "b"], site={"ports": [80]}, motto="it's ok")
    result.assert_outcomes(passed=1)


def test_dollar_dollar_and_an_unclosed_brace_bang_stay_text(pytester):
    result = session(pytester, "- {type: assert, expression: \"'$$HOME {!' == '$' + 'HOME ' + '{!'\"}\n")
    result.assert_outcomes(passed=1)


def test_a_reference_glued_to_a_name_outside_quotes_is_refused_at_collection_with_its_line(pytester):
    result = session(pytester, "- {type: assert, expression: 'True'}\n- {type: assert, expression: '${a}b == 1'}\n",
                     a=1)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_quotes.yml:2: step 2: assert: parameter 'expression': invalid expression '${a}b == 1': "
        "a $reference outside quotes must stand alone, as a value (write '$name' inside quotes*"])


def test_the_failing_step_reads_with_the_values_and_secrets_stay_masked(pytester):
    result = session(pytester, "- {type: assert, expression: \"'$user' == 'bob' and '$api_token' == 'x'\"}\n",
                     "--junitxml=out.xml", user="O'Neil", api_token="tok'en-123")
    result.assert_outcomes(failed=1)
    output = result.stdout.str() + (pytester.path / "out.xml").read_text()
    assert "tok'en-123" not in output and "en-123" not in output
    result.stdout.fnmatch_lines(["  assertion is false: 'O'Neil' == 'bob' and '*****' == 'x'"])


def test_a_whole_value_reference_is_still_an_expression_kept_in_the_data(pytester):
    # `assertion: $check` takes the check from a data row, as pytest-play 2.x did.
    result = session(pytester, """\
test_data:
  - {check: "len('abc') == 3"}
  - {check: "1 == 2"}
---
- {type: assert, expression: $check}
""")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["  assertion is false: 1 == 2"])


def test_each_expression_is_compiled_at_collection_not_for_each_data_row(pytester, monkeypatch):
    compiled = []
    real = expressions._compile
    monkeypatch.setattr(expressions, "_compile", lambda text: compiled.append(text) or real(text))
    rows = "\n".join(f"  - {{name: \"it's {n}\"}}" for n in range(5))
    result = session(pytester, f"test_data:\n{rows}\n---\n"
                               "- {type: assert, expression: \"'$name'.startswith(\\\"it's\\\")\"}\n")
    result.assert_outcomes(passed=5)
    assert not [text for text in compiled if "it's 3" in text]  # a rendered text was never parsed


# --- point 2: the variable the same step stores ---------------------------------------------


@pytest.fixture
def servers(pytester, demo_server):
    return {"base_url": demo_server.url, "ws_url": demo_server.ws_url,
            "db_url": f"sqlite:///{pytester.path / 'data.sqlite'}"}


STORING = {
    "http": "- {{type: GET, provider: play_requests, url: '$base_url/api/status/418', variable: got, "
            "variable_expression: 'response.status_code', {check}}}",
    "sql": "- {{type: sql, provider: play_sql, database_url: '$db_url', query: \"SELECT 418 AS got\", "
           "variable: got, variable_expression: results.first().got, {check}}}",
    "websocket": "- {{type: connect, provider: play_websocket, options: {{url: '$ws_url/ws/echo', timeout: 5}}}}\n"
                 "- {{type: send, provider: play_websocket, url: '$ws_url/ws/echo', payload: '418'}}\n"
                 "- {{type: recv, provider: play_websocket, url: '$ws_url/ws/echo', variable: got, {check}}}",
}


@pytest.mark.parametrize("provider", list(STORING))
def test_an_assertion_sees_the_variable_its_own_step_stores(pytester, servers, provider):
    step = STORING[provider].format(check="assertion: \"'$got' == '418'\"")
    result = run(pytester, step + "\n", **servers)
    result.assert_outcomes(passed=1)
    result = run(pytester, step + "\n", "--play-validate", **servers)
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["play-validate: 1 scenario file(s) checked, 0 problem(s) in 0 file(s)"])


def test_a_false_assertion_on_a_stored_variable_shows_the_stored_value(pytester, servers):
    result = run(pytester, STORING["sql"].format(check="assertion: \"'$got' == 'hello!'\"") + "\n", **servers)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  assertion is false: '418' == 'hello!'"])


def test_a_variable_no_step_stores_is_still_undefined_for_play_validate(pytester, servers):
    step = STORING["sql"].format(check="assertion: \"'$other' == '418'\"")
    result = run(pytester, step + "\n", "--play-validate", **servers)
    result.stdout.fnmatch_lines(["test_scenario.yml:1: step 1: undefined variable 'other'*"])


# --- properties ---------------------------------------------------------------------------


def value_of(text, variables):
    """`text` as a step's expression parameter is evaluated: compiled once, names then variables."""
    return compile_expression_template(text).evaluate(make_lookup({}, variables, {"variables": variables}))


TEXT = st.text(alphabet=st.sampled_from(list("'\"\\{}!$\n ab_0")) | st.characters(), max_size=30)
VALUES = TEXT | st.integers() | st.booleans() | st.none() | st.lists(TEXT, max_size=3) | st.dictionaries(
    st.sampled_from(["k", "'", "$x"]), TEXT, max_size=2)


@given(value=TEXT)
def test_any_text_compares_equal_to_itself_inside_either_quotes(value):
    for template in ("'$v' == v", '"$v" == v', "v == '${v}'", "'<$v>' == '<' + v + '>'", "len('$v') == len(v)"):
        assert value_of(template, {"v": value}) is True, template


@given(value=VALUES, other=VALUES)
def test_a_value_never_changes_what_the_expression_means(value, other):
    names = {"v": value, "w": other}
    assert value_of("$v == w", names) is (value == other)
    assert value_of("'$v' == 'zz'", names) is (as_text(value) == "zz")
    assert value_of("'$v' + '|' + '$w'", names) == as_text(value) + "|" + as_text(other)
    assert value_of("[$v, '$w']", names) == [value, as_text(other)]


@given(value=VALUES)
def test_the_rendered_expression_reads_with_the_value_and_evaluates_the_compiled_one(value):
    variables = {"v": value, "t": as_text(value)}
    rendered = ExpressionPart(compile_expression_template("'$v' == t and $v == v")).render(variables)
    assert isinstance(rendered, Rendered)
    assert rendered == "'" + as_text(value) + "' == t and " + repr(value) + " == v"
    assert evaluate(rendered, variables) is True  # the text is not parsed again: quotes can't break it


@given(value=TEXT)
def test_braces_and_dollars_in_a_value_are_never_substituted_again(value):
    names = {"v": value + NASTY, "x": "SUBSTITUTED"}
    assert value_of("'$v'", names) == value + NASTY
    assert "SUBSTITUTED" not in value_of("'$v' + ''", {"v": "$x {! x !} ${x}", "x": "SUBSTITUTED"})


@pytest.mark.parametrize("text, message", [
    ("$a$b == 1", "a $reference outside quotes must stand alone"),
    ("x.$a", "invalid expression"),
    ("f($a=1)", "invalid expression"),
    ("[1 for $a in x]", "a $reference outside quotes must stand alone"),
    ("b'$a'", "a $reference outside quotes must stand alone"),
])
def test_a_reference_in_a_place_no_value_can_go_is_an_expression_error(text, message):
    with pytest.raises(ExpressionError, match=message.replace("$", r"\$")):
        compile_expression_template(text)


def test_a_brace_bang_expression_inside_an_expression_is_a_value_too(pytester):
    result = session(pytester, """\
- {type: assert, expression: "{! n + 1 !} == 3 and '{! name.upper() !}' == \\"O'BRIEN\\""}
""", n=2, name="o'brien")
    result.assert_outcomes(passed=1)
