"""The `play_websocket` provider in real pytest sessions, against the demo app.

Each test writes a scenario and a variables file into a pytester directory and
runs pytest in-process. The demo app's `/ws/echo` sends every message back and
`/ws/readings` pushes the readings it receives over MQTT. What the demo app
can't be made to do (send binary frames, close on its own, never answer the
handshake, show which frames a client sent) comes from `FakeWebsocketServer`.
"""

import base64
import hashlib

import pytest
from messaging_helpers import FakeServer, Starter, recv_exactly, run

from demo_app.services import free_port

@pytest.fixture
def demo(demo_server):
    return {"ws_url": demo_server.ws_url}


# --- connect, send, recv ----------------------------------------------------------

def test_messages_sent_come_back_from_the_echo_endpoint_as_results(pytester, demo):
    result = run(pytester, """
        - {type: connect, provider: play_websocket, options: {url: "$ws_url/ws/echo", timeout: 5}}
        - {type: send, provider: play_websocket, url: "$ws_url/ws/echo", payload: hello}
        - {type: recv, provider: play_websocket, url: "$ws_url/ws/echo", assertion: "results == 'hello'"}
        - {type: send, provider: websocket, url: "$ws_url/ws/echo", payload: second}
        - {type: recv, provider: websocket, url: "$ws_url/ws/echo", variable: message}
        - {type: assert, expression: "message == 'second'"}
    """, **demo)
    result.assert_outcomes(passed=1)


def test_websocket_commands_need_no_provider_key(pytester, demo):
    result = run(pytester, """
        - {type: connect, url: "$ws_url/ws/echo"}
        - {type: send, url: "$ws_url/ws/echo", payload: hi}
        - {type: recv, url: "$ws_url/ws/echo", assertion: "results == 'hi'"}
        - {type: disconnect, url: "$ws_url/ws/echo"}
    """, **demo)
    result.assert_outcomes(passed=1)


def test_variable_expression_stores_a_value_computed_from_results(pytester, demo):
    result = run(pytester, """
        - {type: connect, provider: websocket, url: "$ws_url/ws/echo"}
        - {type: send, provider: websocket, url: "$ws_url/ws/echo", payload: {value: 21.5, tags: [a]}}
        - {type: recv, provider: websocket, url: "$ws_url/ws/echo", variable: value,
           variable_expression: "loads(results)['value']", assertion: "loads(results)['tags'] == ['a']"}
        - {type: assert, expression: "value == 21.5"}
        - {type: send, provider: websocket, url: "$ws_url/ws/echo", payload: 42}
        - {type: recv, provider: websocket, url: "$ws_url/ws/echo", assertion: "results == '42'"}
    """, **demo)
    result.assert_outcomes(passed=1)


def test_connecting_again_to_an_open_url_keeps_its_connection(pytester, demo):
    result = run(pytester, """
        - {type: connect, provider: websocket, options: {url: "$ws_url/ws/echo", header: ["X-Test: 1"]}}
        - {type: send, provider: websocket, url: "$ws_url/ws/echo", payload: sent before}
        - {type: connect, provider: websocket, url: "$ws_url/ws/echo"}
        - {type: recv, provider: websocket, url: "$ws_url/ws/echo", timeout: 5, assertion: "results == 'sent before'"}
    """, "-rP", **demo)
    result.assert_outcomes(passed=1)
    assert result.stdout.str().count("websocket: connected to ws://") == 1


def test_readings_published_over_mqtt_are_pushed_on_the_readings_websocket(pytester, demo_server, request):
    if not demo_server.mqtt:
        pytest.skip("the demo app runs without an MQTT broker")
    device = "ws-" + request.node.name[-20:]
    result = run(pytester, """
        - {type: connect, provider: websocket, options: {url: "$ws_url/ws/readings", timeout: 5}}
        - {type: publish, provider: mqtt, host: $mqtt_host, port: $mqtt_port,
           endpoint: "devices/$device/readings", payload: {value: 21.5}, qos: 1}
        - {type: recv, provider: websocket, url: "$ws_url/ws/readings", variable: reading,
           variable_expression: "loads(results)",
           assertion: "loads(results)['device'] == '$device' and loads(results)['value'] == 21.5"}
        - {type: assert, expression: "reading['id'] > 0"}
    """, ws_url=demo_server.ws_url, mqtt_host=demo_server.mqtt["host"], mqtt_port=demo_server.mqtt["port"],
        device=device)
    result.assert_outcomes(passed=1)


def test_binary_messages_are_results_as_bytes(pytester, ws_server):
    server = ws_server(frames=[frame(0x2, b"\x01\x02")])
    result = run(pytester, f"""
        - {{type: connect, provider: websocket, url: "{server.url}"}}
        - {{type: recv, provider: websocket, url: "{server.url}", assertion: "results.hex() == '0102'"}}
    """)
    result.assert_outcomes(passed=1)


# --- recv failures ------------------------------------------------------------------

def test_recv_times_out_after_its_timeout_naming_the_url(pytester, demo):
    result = run(pytester, """
        - {type: connect, provider: websocket, url: "$ws_url/ws/echo"}
        - {type: recv, provider: websocket, url: "$ws_url/ws/echo", timeout: 0.3}
    """, **demo)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_scenario.yml:2: step 2 failed",
        f"  timed out after 0.3s waiting for a message from websocket {demo['ws_url']}/ws/echo",
    ])


def test_recv_without_timeout_waits_as_long_as_the_connection_timeout(pytester, demo):
    result = run(pytester, """
        - {type: connect, provider: websocket, options: {url: "$ws_url/ws/echo", timeout: 0.4}}
        - {type: recv, provider: websocket, url: "$ws_url/ws/echo"}
    """, **demo)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        f"  timed out after 0.4s waiting for a message from websocket {demo['ws_url']}/ws/echo",
    ])


def test_a_false_assertion_fails_showing_the_results(pytester, demo):
    result = run(pytester, """
        - {type: connect, provider: websocket, url: "$ws_url/ws/echo"}
        - {type: send, provider: websocket, url: "$ws_url/ws/echo", payload: hello}
        - {type: recv, provider: websocket, url: "$ws_url/ws/echo", assertion: "results == 'bye'"}
    """, **demo)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_scenario.yml:3: step 3 failed",
        "  assertion is false: results == 'bye'",
        "    results = 'hello'",
    ])


def test_a_server_closing_the_connection_fails_recv_with_its_close_code(pytester, ws_server):
    server = ws_server(frames=[frame(0x8, (1001).to_bytes(2, "big") + b"going away")])
    result = run(pytester, f"""
        - {{type: connect, provider: websocket, url: "{server.url}"}}
        - {{type: recv, provider: websocket, url: "{server.url}"}}
        - {{type: send, provider: websocket, url: "{server.url}", payload: too late}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_scenario.yml:2: step 2 failed",
        f"  the server closed websocket {server.url} while a message was awaited (code 1001: going away)",
    ])


def test_variable_expression_without_variable_is_refused(pytester, demo):
    result = run(pytester, """
        - {type: connect, provider: websocket, url: "$ws_url/ws/echo"}
        - {type: recv, provider: websocket, url: "$ws_url/ws/echo", variable_expression: "results"}
    """, **demo)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  'variable_expression' needs 'variable' (the name to store the value in)"])


@pytest.mark.parametrize("step", [
    "send, payload: hi", "recv, timeout: 1", "disconnect",
])
def test_using_a_url_that_was_not_connected_says_to_connect_first(pytester, demo, step):
    result = run(pytester, f"""
        - {{type: connect, provider: websocket, url: "$ws_url/ws/echo"}}
        - {{type: {step}, provider: websocket, url: "$ws_url/ws/ecko"}}
    """, **demo)
    result.assert_outcomes(failed=1)
    url = demo["ws_url"]
    result.stdout.fnmatch_lines([
        "test_scenario.yml:2: step 2 failed",
        f"  no open websocket to '{url}/ws/ecko': open it first with a 'connect' step "
        f"(did you mean '{url}/ws/echo'?)",
    ])


# --- connect failures ----------------------------------------------------------------

def test_connecting_to_a_missing_endpoint_reports_the_http_status(pytester, demo):
    result = run(pytester, """
        - {type: connect, provider: websocket, url: "$ws_url/ws/nothing"}
    """, **demo)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_scenario.yml:1: step 1 failed",
        f"  can't open websocket {demo['ws_url']}/ws/nothing: the server answered HTTP 404",
    ])


def test_connecting_where_nothing_listens_reports_connection_refused(pytester):
    url = f"ws://127.0.0.1:{free_port()}/ws"
    result = run(pytester, f"""
        - {{type: connect, provider: websocket, url: "{url}"}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"  can't open websocket {url}: Connection refused"])


def test_connecting_to_an_unknown_host_names_it(pytester):
    result = run(pytester, """
        - {type: connect, provider: websocket, url: "ws://no-such-host.invalid/ws"}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  can't open websocket ws://no-such-host.invalid/ws: *"])


def test_connecting_to_a_server_that_never_answers_times_out(pytester, ws_server):
    server = ws_server(handshake=False)
    result = run(pytester, f"""
        - {{type: connect, provider: websocket, options: {{url: "{server.url}", timeout: 0.3}}}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"  timed out after 0.3s connecting to websocket {server.url}"])


@pytest.mark.parametrize("step, message", [
    ("{type: connect, provider: websocket, url: 'http://127.0.0.1:1/'}",
     "can't open websocket http://127.0.0.1:1/: scheme http is invalid"),
    ("{type: connect, provider: websocket, options: {url: 'ws://127.0.0.1:1/', timout: 3}}",
     "unknown connect option 'timout' (did you mean 'timeout'?)"),
    ("{type: connect, provider: websocket, options: {timeout: 3}}",
     "connect needs the URL to open: 'options: {url: ...}' (or 'url')"),
    ("{type: connect, provider: websocket, url: 'ws://a/', options: {url: 'ws://b/'}}",
     "'url' ('ws://a/') and 'options.url' ('ws://b/') differ: give only one"),
], ids=["scheme", "unknown option", "no url", "two urls"])
def test_unusable_connect_steps_fail_saying_why(pytester, step, message):
    result = run(pytester, f"- {step}\n")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["test_scenario.yml:1: step 1 failed", f"  {message}"])


# --- closing ---------------------------------------------------------------------------

def test_disconnect_sends_a_close_frame_and_forgets_the_url(pytester, ws_server):
    server = ws_server()
    result = run(pytester, f"""
        - {{type: connect, provider: websocket, url: "{server.url}"}}
        - {{type: disconnect, provider: websocket, url: "{server.url}"}}
        - {{type: send, provider: websocket, url: "{server.url}", payload: hi}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_scenario.yml:3: step 3 failed",
        f"  no open websocket to '{server.url}': open it first with a 'connect' step",
    ])
    assert server.received == [0x8]


def test_connections_are_closed_when_the_test_ends(pytester, ws_server):
    server = ws_server()
    result = run(pytester, f"""
        - {{type: connect, provider: websocket, url: "{server.url}"}}
        - {{type: send, provider: websocket, url: "{server.url}", payload: hi}}
    """)
    result.assert_outcomes(passed=1)
    assert server.received == [0x1, 0x8]


# --- a websocket server doing what it is told ----------------------------------------------

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def frame(opcode, payload):
    """An unmasked server frame (payloads under 126 bytes)."""
    return bytes([0x80 | opcode, len(payload)]) + payload


class FakeWebsocketServer(FakeServer):
    """Accepts one connection at a time: answers the handshake (unless told not to),
    sends `frames`, then records the opcodes of the frames the client sends,
    answering a close with a close."""

    one_at_a_time = True

    def __init__(self, frames=(), handshake=True):
        self.frames, self.handshake = list(frames), handshake
        self.received = []
        super().__init__()
        self.url = f"ws://127.0.0.1:{self.port}/fake"

    def serve(self, conn):
        request = b""
        while b"\r\n\r\n" not in request:
            request += recv_exactly(conn, 1)
        if not self.handshake:
            recv_exactly(conn, 1)  # blocks until the client gives up
        key = [line.split(b":", 1)[1].strip() for line in request.split(b"\r\n")
               if line.lower().startswith(b"sec-websocket-key:")][0]
        accept = base64.b64encode(hashlib.sha1(key + GUID.encode()).digest())
        conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                     b"Sec-WebSocket-Accept: " + accept + b"\r\n\r\n" + b"".join(self.frames))
        while True:
            head = recv_exactly(conn, 2)
            opcode, length = head[0] & 0x0F, head[1] & 0x7F
            if length == 126:
                length = int.from_bytes(recv_exactly(conn, 2), "big")
            recv_exactly(conn, 4 + length)  # mask and payload
            self.received.append(opcode)
            if opcode == 0x8:
                conn.sendall(frame(0x8, b"\x03\xe8"))
                conn.close()
                return


@pytest.fixture
def ws_server():
    servers = Starter(FakeWebsocketServer)
    yield servers
    servers.close_all()
