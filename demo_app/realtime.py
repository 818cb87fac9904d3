"""Live device readings: MQTT subscriber, websocket fan-out and ws routes.

Messages published on ``devices/<device>/readings`` are stored in the
``readings`` table and pushed as JSON to every client of ``/ws/readings``.
``/ws/echo`` sends every message back, for testing websocket clients.
"""

import json
import logging
import threading

import paho.mqtt.client as mqtt
from flask import current_app, request
from flask_sock import Sock

log = logging.getLogger(__name__)

DEFAULT_TOPIC = "devices/+/readings"

# set in the WSGI environ once a websocket handshake is done, so the server
# knows not to write an HTTP response after the websocket (see server.py)
WEBSOCKET_FLAG = "demo_app.websocket"


def parse_payload(payload):
    """Value of a message: ``{"value": X}`` gives X, other JSON scalars or
    plain text give themselves."""
    text = payload.decode("utf-8", errors="replace").strip()
    try:
        data = json.loads(text)
    except ValueError:
        return text
    if isinstance(data, dict):
        return data.get("value", text)
    return text if isinstance(data, list) else data


def device_from_topic(pattern, topic):
    """The topic level matched by the '+' of the subscription pattern."""
    levels = topic.split("/")
    pattern_levels = pattern.split("/")
    if "+" in pattern_levels:
        index = pattern_levels.index("+")
        if index < len(levels):
            return levels[index]
    return levels[1] if len(levels) > 1 else topic


class SocketGroup:
    """Open websocket connections of one route, to broadcast to them and to
    close them when the app stops."""

    def __init__(self):
        self._clients = set()
        self._lock = threading.Lock()

    def add(self, ws):
        with self._lock:
            self._clients.add(ws)

    def remove(self, ws):
        with self._lock:
            self._clients.discard(ws)

    def broadcast(self, message):
        data = json.dumps(message)
        # the lock also keeps two broadcasts from interleaving on one socket
        with self._lock:
            for ws in list(self._clients):
                try:
                    ws.send(data)
                except Exception:  # a client that went away
                    self._clients.discard(ws)

    def close_all(self):
        with self._lock:
            clients, self._clients = list(self._clients), set()
        for ws in clients:
            try:
                ws.close()
            except Exception:
                pass


class MqttBridge:
    """A paho-mqtt client subscribed to the readings topic in its own loop."""

    def __init__(self, host, port, on_reading, topic=DEFAULT_TOPIC):
        self.host, self.port, self.topic = host, int(port), topic
        self.on_reading = on_reading
        self._subscribed = threading.Event()
        self.client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2)
        self.client.on_connect = self._on_connect
        self.client.on_subscribe = self._on_subscribe
        self.client.on_message = self._on_message

    def start(self, timeout=10):
        """Connect and return once the subscription is acknowledged, so no
        message published afterwards is missed."""
        self.client.connect(self.host, self.port, keepalive=30)
        self.client.loop_start()
        if not self._subscribed.wait(timeout):
            self.stop()
            raise RuntimeError(
                f"MQTT subscription to {self.host}:{self.port} not acknowledged "
                f"within {timeout} s")

    def stop(self):
        try:
            self.client.disconnect()
        finally:
            self.client.loop_stop()

    def _on_connect(self, client, _userdata, _flags, reason_code, _properties):
        # subscribing here also restores the subscription after a reconnect
        if not reason_code.is_failure:
            client.subscribe(self.topic, qos=1)

    def _on_subscribe(self, _client, _userdata, _mid, _reason_codes, _properties):
        self._subscribed.set()

    def _on_message(self, _client, _userdata, message):
        device = device_from_topic(self.topic, message.topic)
        try:
            self.on_reading(device, parse_payload(message.payload))
        except Exception:  # never kill the network loop
            log.exception("cannot store reading from %s", message.topic)


def register_websockets(app):
    """Add the ``/ws/readings`` and ``/ws/echo`` routes to the app."""
    sock = Sock(app)

    @sock.route("/ws/readings")
    def readings_socket(ws):
        request.environ[WEBSOCKET_FLAG] = True
        hub = current_app.extensions["demo"].hub
        hub.add(ws)
        try:
            while True:  # incoming messages are ignored; wait for the close
                ws.receive()
        finally:
            hub.remove(ws)

    @sock.route("/ws/echo")
    def echo_socket(ws):
        request.environ[WEBSOCKET_FLAG] = True
        group = current_app.extensions["demo"].echo_sockets
        group.add(ws)
        try:
            while True:
                ws.send(ws.receive())
        finally:
            group.remove(ws)

    return sock
