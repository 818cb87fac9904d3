"""The `mqtt` provider in real pytest sessions, against a real Mosquitto broker.

Each test writes a scenario and a variables file into a pytester directory and
runs pytest in-process. Topics start with the test's own name, so tests sharing
the session broker never see each other's messages. Failures the real broker
can't be made to produce (no CONNACK, no PUBACK, a refused subscription) come
from `FakeBroker`, a few lines speaking just enough MQTT.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import threading

import pytest
from messaging_helpers import FakeServer, Starter, recv_exactly, run

from demo_app.services import MosquittoServer, free_port, wait_until

@pytest.fixture
def broker(mosquitto_server, request):
    """Variables for the session broker, with a topic prefix of this test's own."""
    return {"mqtt_host": mosquitto_server.host, "mqtt_port": mosquitto_server.port,
            "prefix": "play-tests/" + request.node.name}


def paho_threads():
    return {t for t in threading.enumerate() if t.name.startswith("paho-mqtt-client-")}


# --- publish and subscribe ------------------------------------------------------

def test_subscribe_collects_published_messages_as_text_with_their_topic(pytester, broker):
    result = run(pytester, """
        - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port,
           topic: "$prefix/+/readings", name: readings}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port,
           endpoint: "$prefix/d1/readings", payload: '{"value": 21.5}'}
        - {type: wait_until, expression: "len(readings) == 1", timeout: 5}
        - {type: assert, expression: "readings == ['{\\"value\\": 21.5}']"}
        - {type: assert, expression: "loads(readings[0])['value'] == 21.5"}
        - {type: assert, expression: "readings[0].topic == '$prefix/d1/readings'"}
        - {type: assert, expression: "readings[0].qos == 0 and not readings[0].retain"}
    """, **broker)
    result.assert_outcomes(passed=1)


def test_publish_sends_mappings_and_lists_as_json_and_numbers_as_text(pytester, broker):
    result = run(pytester, """
        - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/#", name: got}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/a",
           payload: {value: 21.5, unit: C}}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/a", payload: [1, 2]}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/a", payload: 42}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/a", payload: true}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/a", payload: plain text}
        - {type: wait_until, expression: "len(got) == 5", timeout: 5}
        - {type: assert, expression: "got[0] == '{\\"value\\": 21.5, \\"unit\\": \\"C\\"}'"}
        - {type: assert, expression: "got[1:] == ['[1, 2]', '42', 'true', 'plain text']"}
    """, **broker)
    result.assert_outcomes(passed=1)


def test_qos_1_and_2_messages_arrive_once_with_their_qos(pytester, broker):
    result = run(pytester, """
        - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/q", name: got, qos: 2}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, endpoint: "$prefix/q",
           payload: one, qos: 1}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, endpoint: "$prefix/q",
           payload: two, qos: 2}
        - {type: wait_until, expression: "len(got) >= 2", timeout: 5}
        - {type: sleep, seconds: 0.2}
        - {type: assert, expression: "[(m, m.qos) for m in got] == [('one', 1), ('two', 2)]"}
    """, **broker)
    result.assert_outcomes(passed=1)


def test_retained_messages_reach_later_subscribers_marked_as_retained(pytester, broker):
    result = run(pytester, """
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, endpoint: "$prefix/state",
           payload: "on", retain: true, qos: 1}
        - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/state", name: state}
        - {type: wait_until, expression: "len(state) == 1", timeout: 5}
        - {type: assert, expression: "state == ['on'] and state[0].retain"}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, endpoint: "$prefix/state",
           payload: "", retain: true, qos: 1, comment: an empty retained message clears it}
    """, **broker)
    result.assert_outcomes(passed=1)


def test_publish_and_subscribe_need_no_provider_key(pytester, broker):
    result = run(pytester, """
        - {type: subscribe, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/x", name: got}
        - {type: publish, host: $mqtt_host, port: $mqtt_port, endpoint: "$prefix/x", payload: hi}
        - {type: wait_until, expression: "got == ['hi']", timeout: 5}
    """, **broker)
    result.assert_outcomes(passed=1)


def test_subscribe_without_name_collects_under_the_topic_like_play_mqtt(pytester, broker):
    result = run(pytester, """
        - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/t"}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, endpoint: "$prefix/t", payload: hi}
        - {type: wait_until, expression: "variables['$prefix/t'] == ['hi']", timeout: 5}
    """, **broker)
    result.assert_outcomes(passed=1)


def test_encoding_decides_how_payloads_become_text(pytester, broker):
    result = run(pytester, """
        - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/e", name: latin,
           encoding: latin-1}
        - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/e", name: utf}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, endpoint: "$prefix/e", payload: "é"}
        - {type: wait_until, expression: "len(latin) == 1 and len(utf) == 1", timeout: 5}
        - {type: assert, expression: "latin == ['Ã©'] and utf == ['é']"}
    """, **broker)
    result.assert_outcomes(passed=1)


def test_subscribing_again_under_a_name_starts_a_new_list(pytester, broker):
    result = run(pytester, """
        - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/a", name: got}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, endpoint: "$prefix/a", payload: first}
        - {type: wait_until, expression: "got == ['first']", timeout: 5}
        - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/b", name: got}
        - {type: assert, expression: "got == []"}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, endpoint: "$prefix/a", payload: old}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, endpoint: "$prefix/b", payload: new}
        - {type: wait_until, expression: "got == ['new']", timeout: 5}
    """, **broker)
    result.assert_outcomes(passed=1)


def test_subscriber_clients_are_stopped_when_the_test_ends(pytester, broker):
    before = paho_threads()
    result = run(pytester, """
        - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/a", name: a}
        - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/b", name: b}
        - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/b", name: b}
        - {type: assert, expression: "a == [] and b == []"}
    """, "-rP", **broker)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*mqtt: subscribed to play-tests/*/a at 127.0.0.1:*; messages go to variable 'a'"])
    assert paho_threads() - before == set()


def test_wait_until_on_an_empty_subscription_times_out_showing_the_list(pytester, broker):
    result = run(pytester, """
        - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "$prefix/none", name: readings}
        - {type: wait_until, expression: "len(readings) > 0", timeout: 0.3}
    """, **broker)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_scenario.yml:2: step 2 failed",
        "  timed out after 0.3s waiting for 'len(readings) > 0' to be true; last seen: {'readings': []}",
    ])


# --- credentials ------------------------------------------------------------------

class AuthMosquitto(MosquittoServer):
    """A Mosquitto that only lets `alice` (password `s3cret`) in, to `allowed/#` only."""

    def _start(self):
        self.tempdir = tempfile.mkdtemp(prefix="pytest-play-mqtt-auth-")
        self.port = free_port()
        passwords = os.path.join(self.tempdir, "passwords")
        subprocess.run([shutil.which("mosquitto_passwd") or "mosquitto_passwd", "-c", "-b", passwords,
                        "alice", "s3cret"], check=True, capture_output=True)
        config = os.path.join(self.tempdir, "mosquitto.conf")
        with open(config, "w") as conf:
            conf.write(f"listener {self.port} {self.host}\nallow_anonymous false\n"
                       f"password_file {passwords}\npersistence false\nlog_dest stderr\n"
                       + ("user root\n" if os.geteuid() == 0 else ""))
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(self._command([self.binary, "-c", config], "TERM"),
                                            cwd=self.tempdir, stdout=log, stderr=subprocess.STDOUT)
        wait_until(lambda: _listening(self.host, self.port), self.process, "mosquitto", self.log_path)


def _listening(host, port):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture(scope="module")
def auth_broker(mosquitto_server):  # mosquitto_server: skips the tests when Mosquitto is missing
    with AuthMosquitto() as server:
        yield {"mqtt_host": server.host, "mqtt_port": server.port}


def test_username_and_password_are_sent_to_the_broker(pytester, auth_broker):
    result = run(pytester, """
        - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port, topic: "t/#", name: got,
           username: alice, password: $mqtt_password}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port, endpoint: "t/x", payload: hi,
           username: alice, password: $mqtt_password}
        - {type: wait_until, expression: "got == ['hi']", timeout: 5}
    """, mqtt_password="s3cret", **auth_broker)
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("credentials", ["", "username: alice, password: $mqtt_password,"],
                         ids=["anonymous", "wrong password"])
@pytest.mark.parametrize("step", ["publish, endpoint: t/x, payload: hi", "subscribe, topic: t/x, name: got"])
def test_a_broker_refusing_the_connection_fails_the_step_with_its_reason(pytester, auth_broker, step, credentials):
    result = run(pytester, f"""
        - {{type: {step}, provider: mqtt, host: $mqtt_host, port: $mqtt_port, {credentials} timeout: 5}}
    """, mqtt_password="wrong", **auth_broker)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_scenario.yml:1: step 1 failed",
        f"  the MQTT broker at 127.0.0.1:{auth_broker['mqtt_port']} refused the connection: Not authorized",
    ])
    result.stdout.no_fnmatch_line("*wrong*")


# --- connection failures and timeouts -------------------------------------------

@pytest.mark.parametrize("step", ["publish, endpoint: t, payload: hi", "subscribe, topic: t"])
def test_no_broker_listening_fails_the_step_with_connection_refused(pytester, step):
    port = free_port()
    result = run(pytester, f"""
        - {{type: {step}, provider: mqtt, host: 127.0.0.1, port: {port}}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_scenario.yml:1: step 1 failed",
        f"  can't connect to the MQTT broker at 127.0.0.1:{port}: Connection refused",
    ])


def test_an_unknown_host_fails_the_step_naming_it(pytester):
    result = run(pytester, """
        - {type: publish, provider: mqtt, host: no-such-host.invalid, endpoint: t, payload: hi}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  can't connect to the MQTT broker at no-such-host.invalid:1883: *"])


class FakeBroker(FakeServer):
    """A TCP server speaking just enough MQTT: `connack` says whether it accepts
    connections, `suback` is the SUBACK return code it answers (None: no answer);
    it never acknowledges a PUBLISH."""

    def __init__(self, connack=True, suback=None):
        self.connack, self.suback = connack, suback
        super().__init__()

    def serve(self, conn):
        while True:
            kind, body = _read_packet(conn)
            if kind == 0x10 and self.connack:
                conn.sendall(bytes([0x20, 2, 0, 0]))
            elif kind == 0x80 and self.suback is not None:
                conn.sendall(bytes([0x90, 3]) + body[:2] + bytes([self.suback]))


def _read_packet(conn):
    header = recv_exactly(conn, 1)[0]
    length, shift = 0, 0
    while True:
        byte = recv_exactly(conn, 1)[0]
        length |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return header & 0xF0, recv_exactly(conn, length)



@pytest.fixture
def fake_broker():
    servers = Starter(FakeBroker)
    yield servers
    servers.close_all()


@pytest.mark.parametrize("step", ["publish, endpoint: t, payload: hi", "subscribe, topic: t"])
def test_a_broker_that_never_accepts_the_connection_times_out(pytester, fake_broker, step):
    port = fake_broker(connack=False).port
    result = run(pytester, f"""
        - {{type: {step}, provider: mqtt, host: 127.0.0.1, port: {port}, timeout: 0.3}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_scenario.yml:1: step 1 failed",
        f"  timed out after 0.3s waiting for the MQTT broker at 127.0.0.1:{port} to accept the connection",
    ])


def test_publish_times_out_when_the_broker_never_acknowledges_the_message(pytester, fake_broker):
    port = fake_broker().port
    result = run(pytester, f"""
        - {{type: publish, provider: mqtt, host: 127.0.0.1, port: {port}, endpoint: a/b, payload: hi,
           qos: 1, timeout: 0.3}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        f"  timed out after 0.3s waiting for the MQTT broker at 127.0.0.1:{port} "
        "to acknowledge (qos 1) the message on 'a/b'",
    ])


def test_subscribe_times_out_when_the_broker_never_confirms_the_subscription(pytester, fake_broker):
    port = fake_broker().port
    result = run(pytester, f"""
        - {{type: subscribe, provider: mqtt, host: 127.0.0.1, port: {port}, topic: a/b, timeout: 0.3}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        f"  timed out after 0.3s waiting for the MQTT broker at 127.0.0.1:{port} "
        "to confirm the subscription to 'a/b'",
    ])


def test_a_scenario_timeout_while_waiting_for_the_broker_leaves_no_client_running(pytester, fake_broker):
    port = fake_broker().port
    before = paho_threads()
    result = run(pytester, f"""
        timeout: 0.3
        ---
        - {{type: subscribe, provider: mqtt, host: 127.0.0.1, port: {port}, topic: a/b, timeout: 5}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  scenario timed out after 0.3s"])
    assert paho_threads() - before == set()


def test_a_refused_subscription_fails_the_step(pytester, fake_broker):
    port = fake_broker(suback=0x80).port
    before = paho_threads()
    result = run(pytester, f"""
        - {{type: subscribe, provider: mqtt, host: 127.0.0.1, port: {port}, topic: secret/#}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        f"  the MQTT broker at 127.0.0.1:{port} refused the subscription to 'secret/#': Unspecified error",
    ])
    assert paho_threads() - before == set()


# --- invalid steps --------------------------------------------------------------

@pytest.mark.parametrize("step, message", [
    ("{type: publish, provider: mqtt, host: h, payload: x}",
     "publish needs the topic to publish to: 'endpoint' (or 'topic')"),
    ("{type: publish, provider: mqtt, host: h, endpoint: a, topic: b, payload: x}",
     "'endpoint' ('a') and 'topic' ('b') differ: give only one"),
    ("{type: publish, provider: mqtt, host: h, endpoint: 'a/+/c', payload: x}",
     "can't publish to 'a/+/c': a topic to publish to can't contain the wildcards + or #"),
    ("{type: subscribe, provider: mqtt, host: h, topic: 'a/#/c'}",
     "invalid topic filter 'a/#/c': '+' must be a whole level and '#' the whole last level"),
    ("{type: subscribe, provider: mqtt, host: h, topic: 'a/b+'}",
     "invalid topic filter 'a/b+': '+' must be a whole level and '#' the whole last level"),
    ("{type: subscribe, provider: mqtt, host: h, topic: t, encoding: klingon}",
     "unknown encoding 'klingon'"),
    ("{type: publish, provider: mqtt, host: h, port: http, endpoint: t, payload: x}",
     "'port' must be a port number, not 'http'"),
    ("{type: publish, provider: mqtt, host: h, port: 70000, endpoint: t, payload: x}",
     "'port' must be between 1 and 65535, not 70000"),
    ("{type: subscribe, provider: mqtt, host: h, topic: t, timeout: -1}",
     "timeout must be a number of seconds (0 for no limit), not -1"),
], ids=["no topic", "two topics", "wildcard publish", "misplaced #", "partial +", "encoding", "port name",
        "port range", "timeout"])
def test_unusable_values_fail_the_step_saying_why(pytester, step, message):
    result = run(pytester, f"- {step}\n")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["test_scenario.yml:1: step 1 failed", f"  {message}"])


def test_a_qos_out_of_range_is_refused_before_anything_runs(pytester):
    result = run(pytester, """
        - {type: publish, provider: mqtt, host: h, endpoint: t, payload: x, qos: 3}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["test_scenario.yml:1: step 1: publish: parameter 'qos' must be 0 or 1 or 2, not 3"])
