"""The rules of `pytest_play.step_helpers`, and proof that every provider follows them.

The same mistake (a `variable_expression` without `variable`, an expression that
fails, a false `assertion`, a negative `timeout`) is written for each provider in
a real pytest session, and each must fail with the same words; `timeout: 0` must
mean "no limit" everywhere. The servers are the real ones: the demo app (HTTP,
websocket), a SQLite file and the session's Mosquitto broker.
"""

import json
import pickle

import paho.mqtt.client  # noqa: F401  imported once here, not anew by each in-process session
import pytest
import requests  # noqa: F401
import websocket  # noqa: F401
from messaging_helpers import run

from pytest_play.errors import CheckFailed, StepError
from pytest_play.secrets import MASK, mask_url, masked_step, step_credentials
from pytest_play.step_helpers import difference, message_text, reason, timeout_pair, timeout_seconds


@pytest.fixture
def servers(pytester, demo_server):
    return {"base_url": demo_server.url, "ws_url": demo_server.ws_url,
            "db_url": f"sqlite:///{pytester.path / 'data.sqlite'}"}


# One step of each provider that gives its expressions a value to look at, with
# `{keys}` where the keys under test go. The websocket one first gets a message.
STEPS = {
    "http": "- {{type: GET, provider: http, url: '$base_url/api/status/418', {keys}}}",
    "sql": "- {{type: sql, provider: sql, database_url: '$db_url', query: 'SELECT 418 AS status', {keys}}}",
    "websocket": "- {{type: connect, provider: websocket, options: {{url: '$ws_url/ws/echo', timeout: 5}}}}\n"
                 "- {{type: send, provider: websocket, url: '$ws_url/ws/echo', payload: '418'}}\n"
                 "- {{type: recv, provider: websocket, url: '$ws_url/ws/echo', {keys}}}",
}
PROVIDERS = pytest.mark.parametrize("provider", list(STEPS))


def scenario(provider: str, keys: str) -> str:
    return STEPS[provider].format(keys=keys) + "\n"


@PROVIDERS
def test_variable_stores_the_value_of_variable_expression_in_every_provider(pytester, servers, provider):
    result = run(pytester, scenario(provider, "variable: got, variable_expression: '6 * 7'")
                 + "- {type: assert, expression: 'got == 42'}\n", **servers)
    result.assert_outcomes(passed=1)


@PROVIDERS
def test_a_variable_expression_without_variable_fails_with_the_same_words_in_every_provider(
        pytester, servers, provider):
    result = run(pytester, scenario(provider, "variable_expression: '1'"), **servers)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  'variable_expression' needs 'variable' (the name to store the value in)"])


@PROVIDERS
def test_an_expression_that_fails_names_its_key_in_every_provider(pytester, servers, provider):
    stored = run(pytester, scenario(provider, "variable: x, variable_expression: \"{}['nope']\""), **servers)
    stored.assert_outcomes(failed=1)
    stored.stdout.fnmatch_lines(["  variable_expression failed: KeyError: 'nope'"])
    asserted = run(pytester, scenario(provider, "assertion: nothing_here > 1"), **servers)
    asserted.assert_outcomes(failed=1)
    asserted.stdout.fnmatch_lines(["  assertion failed: undefined * 'nothing_here'*"])


@pytest.mark.parametrize("provider", [*STEPS, "python"])
def test_a_false_assertion_fails_with_the_same_words_and_the_values_of_its_names(pytester, servers, provider):
    keys = "assertion: limit < 3"
    steps = scenario(provider, keys) if provider in STEPS else "- {type: assert, expression: limit < 3}\n"
    result = run(pytester, steps, limit=5, **servers)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  assertion is false: limit < 3", "    limit = 5"])


@pytest.mark.parametrize("step", [
    "{type: GET, provider: http, url: '$base_url/api/echo', parameters: {timeout: -1}}",
    "{type: recv, provider: websocket, url: '$ws_url/ws/echo', timeout: -1}",
    "{type: subscribe, provider: mqtt, host: 127.0.0.1, topic: t, timeout: -1}",
    "{type: publish, provider: mqtt, host: 127.0.0.1, topic: t, payload: x, timeout: -1}",
    "{type: wait_until, expression: 'True', timeout: -1}",
    "{type: while, expression: 'False', timeout: -1}",
    "{type: assertTitle, title: t, timeout: -1}",
], ids=["http", "websocket", "mqtt subscribe", "mqtt publish", "wait_until", "while", "browser"])
def test_a_negative_timeout_is_refused_with_the_same_words_everywhere(pytester, servers, step):
    result = run(pytester, f"- {step}\n", **servers)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  *timeout must be a number of seconds (0 for no limit)*, not -1"])


def test_a_timeout_of_0_means_no_limit_in_every_provider(pytester, servers, mosquitto_server):
    result = run(pytester, """
        - {type: GET, provider: http, url: '$base_url/api/echo', parameters: {timeout: 0}, expected_status: 200}
        - {type: connect, provider: websocket, options: {url: '$ws_url/ws/echo', timeout: 0}}
        - {type: send, provider: websocket, url: '$ws_url/ws/echo', payload: hi}
        - {type: recv, provider: websocket, url: '$ws_url/ws/echo', timeout: 0, assertion: "results == 'hi'"}
        - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: zero/t, name: got, timeout: 0}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: zero/t, payload: x, qos: 1,
           timeout: 0}
        - {type: wait_until, expression: "got == ['x']", timeout: 0}
        - {type: sql, provider: sql, database_url: '$db_url', query: SELECT 1 AS one, assertion: results.scalar() == 1}
    """, mqtt_host=mosquitto_server.host, mqtt_port=mosquitto_server.port, sql_connect_timeout=0, **servers)
    result.assert_outcomes(passed=1)


def test_websocket_and_mqtt_send_a_payload_as_the_same_text(pytester, servers, mosquitto_server):
    result = run(pytester, """
        - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: $topic, name: got}
        - {type: connect, provider: websocket, options: {url: '$ws_url/ws/echo'}}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: $topic, payload: {a: [1, true]}}
        - {type: send, provider: websocket, url: '$ws_url/ws/echo', payload: {a: [1, true]}}
        - {type: recv, provider: websocket, url: '$ws_url/ws/echo', variable: mapping}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: $topic, payload: 21.5}
        - {type: send, provider: websocket, url: '$ws_url/ws/echo', payload: 21.5}
        - {type: recv, provider: websocket, url: '$ws_url/ws/echo', variable: number}
        - {type: wait_until, expression: "len(got) == 2", timeout: 5}
        - {type: assert, expression: "got == [mapping, number] and mapping == '{\\"a\\": [1, true]}' and number == '21.5'"}
    """, mqtt_host=mosquitto_server.host, mqtt_port=mosquitto_server.port, topic="play-tests/step-helpers/payload",
                 **servers)
    result.assert_outcomes(passed=1)


def test_the_while_loop_is_bounded_by_the_one_wait_and_says_what_it_saw_last(pytester):
    result = run(pytester, """
        - {type: store_variable, name: n, expression: '0'}
        - type: while
          expression: n >= 0
          timeout: 0.2
          poll: 0.01
          sub_commands: [{type: store_variable, name: n, expression: n + 1}]
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  timed out after 0.2s waiting for 'n >= 0' to be false; last seen: {'n': *}"])


def test_errors_carry_what_the_step_worked_on_as_context(pytester, servers):
    pytester.makepyfile("""
        import pytest
        from pytest_play.errors import StepFailure

        def test_context(play):
            with pytest.raises(StepFailure) as http:
                play.execute_command({"type": "GET", "provider": "http", "url": "$base_url/api/status/418",
                                      "expected_status": 200})
            cause = http.value.cause
            assert cause.message == "expected status 200, got 418"
            assert cause.context["response"].response.status_code == 418
            assert str(cause).startswith("expected status 200, got 418\\nGET http://")
            with pytest.raises(StepFailure) as sql:
                play.execute_command({"type": "sql", "provider": "sql", "database_url": "$db_url",
                                      "query": "SELECT 1 AS one", "assertion": "len(results) == 2"})
            cause = sql.value.cause
            assert cause.message == "assertion is false: len(results) == 2"
            assert cause.context["results"].results == [(1,)]
            assert "results" not in cause.details  # the context shows them, row by row
    """)
    pytester.makefile(".yml", vars=json.dumps(servers))
    pytester.runpytest("-p", "no:randomly", "--variables", "vars.yml").assert_outcomes(passed=1)


# --- the helpers themselves --------------------------------------------------------------


@pytest.mark.parametrize("value, seconds", [(0, None), (0.5, 0.5), ("2", 2.0), (10, 10.0)])
def test_timeout_seconds_reads_numbers_and_0_as_no_limit(value, seconds):
    assert timeout_seconds(value) == seconds


@pytest.mark.parametrize("value", [-1, "soon", None, True, [1]])
def test_timeout_seconds_refuses_anything_else(value):
    with pytest.raises(StepError, match=r"^timeout must be a number of seconds \(0 for no limit\), not "):
        timeout_seconds(value)


def test_timeout_pair_takes_connect_and_read_each_0_for_no_limit():
    assert timeout_pair([0, 3]) == (None, 3.0)
    assert timeout_pair(4) == 4.0
    with pytest.raises(StepError, match=r"or \[connect, read\], not \[1, 2, 3\]"):
        timeout_pair([1, 2, 3])


def test_difference_finds_the_first_mismatch_and_hides_secret_values():
    assert difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 2, "c": 3}], "d": 4}) is None
    assert difference({"a": [1, {"b": 2}]}, {"a": [1, {"b": 5}]}) == ("a[1].b", "expected 2, got 5")
    assert difference({"ok": True}, {"ok": 1}) == ("ok", "expected True, got 1")
    assert difference({"token": "x"}, {"token": "y"}) == ("token", "the value differs (secret, not shown)")


def test_a_payload_is_text_as_is_and_anything_else_json():
    assert [message_text(p) for p in ("hi", 21.5, 3, True, None, {"a": [1]})] == [
        "hi", "21.5", "3", "true", "null", '{"a": [1]}']


def test_reason_is_one_line_without_the_errno_prefix():
    assert reason(ConnectionRefusedError(111, "Connection refused")) == "Connection refused"
    assert reason(OSError("[Errno -2] Name or service not known\nmore")) == "Name or service not known"
    assert reason(TimeoutError()) == "TimeoutError"


def test_one_url_masker_hides_passwords_and_secret_query_values_and_leaves_other_urls_alone():
    assert mask_url("postgresql+psycopg://ann:pw@db/x") == f"postgresql+psycopg://ann:{MASK}@db/x"
    assert mask_url("http://h/p?apikey=k1&page=2") == f"http://h/p?apikey={MASK}&page=2"
    assert mask_url("http://h/p?x=1&") == "http://h/p?x=1&"  # not respelled
    assert mask_url("not a url") == "not a url"


def test_masked_step_is_a_copy_with_every_url_and_credential_parameter_masked():
    command = {"url": "http://u:pw@h/", "database_url": "mysql://a:b@h/d", "assertion": "x == 'http://u:pw@h/'",
               "parameters": {"headers": {"Authorization": "Bearer t0k", "X-A": "1"}, "cookies": {"s": "1"},
                              "auth": ["user", "secret"]}}
    shown = masked_step(command)
    assert shown == {"url": f"http://u:{MASK}@h/", "database_url": f"mysql://a:{MASK}@h/d",
                     "assertion": "x == 'http://u:pw@h/'",
                     "parameters": {"headers": {"Authorization": f"Bearer {MASK}", "X-A": "1"},
                                    "cookies": {"s": MASK}, "auth": ["user", MASK]}}
    assert command["parameters"]["auth"] == ["user", "secret"]  # unchanged
    assert step_credentials(command["parameters"]) == {"Bearer t0k", "t0k", "secret"}


def test_context_is_shown_below_the_message_and_survives_pickling():
    error = CheckFailed("expected status 200, got 418", {"n": 1}, context={"response": "GET / -> 418"})
    assert str(error) == "expected status 200, got 418\nGET / -> 418"
    assert error.message == "expected status 200, got 418"
    copy = pickle.loads(pickle.dumps(error))
    assert (str(copy), copy.details) == (str(error), {"n": 1})
    assert str(StepError("plain")) == "plain" and StepError("plain").context == {}
