"""The `mqtt` provider: publish MQTT messages and collect the messages of a topic.

Parameter-compatible with play_mqtt, on paho-mqtt 2.x (imported only when a step
runs, so collecting scenarios stays cheap).

`publish` connects, sends one message and waits until it is out (for qos 1 and 2,
until the broker acknowledged it), then disconnects.

`subscribe` starts a background client that appends every message it receives to
a list stored in the variable `name` (play_mqtt named it after the topic, which
is still the default). The step returns once the broker confirmed the
subscription, so nothing published by the next steps is missed. Each entry is,
as in play_mqtt, the payload decoded as text; it is an `MqttMessage`, a string
that also carries `.topic`, `.qos` and `.retain`:

    - {type: subscribe, provider: mqtt, host: $mqtt_host, port: $mqtt_port,
       topic: "devices/+/readings", name: readings}
    - {type: wait_until, expression: "len(readings) > 0", timeout: 5}
    - {type: assert, expression: "loads(readings[0])['value'] == 21.5"}
    - {type: assert, expression: "readings[0].topic == 'devices/d1/readings'"}

The list keeps growing until the end of the test, when every client is stopped.
Subscribing again under the same name starts a new, empty list.
"""

from __future__ import annotations

import codecs
import contextlib
import threading
from typing import Any

from ..errors import PlayTimeout, StepError
from ..step_helpers import PAYLOAD, message_text, reason, timeout_seconds
from . import BaseProvider, Param, command

DEFAULT_PORT = 1883
DEFAULT_TIMEOUT = 10
KEEPALIVE = 60
# Subscribers reconnect after losing the broker: first after 0.1 s (not paho's 1 s, which
# would also delay stopping a client the broker just refused), backing off up to 10 s.
RECONNECT_DELAYS = (0.1, 10)
# paho wants a positive connect timeout: "no limit" (0) becomes this one, about 11 days.
_LONGEST_CONNECT = 1e6

_HOST = Param("string", doc="broker host name or address")
_PORT = Param(("integer", "string"), required=False, default=DEFAULT_PORT, doc="broker port")
_USERNAME = Param("string", required=False, doc="user name, for brokers that require one")
_PASSWORD = Param("string", required=False, doc="password (keep it in a secret variable)")
_TIMEOUT = Param("number", required=False, default=DEFAULT_TIMEOUT,
                 doc="seconds to wait for the broker: connection, acknowledgements; 0 means no limit")
_QOS = Param("integer", required=False, default=0, choices=(0, 1, 2), doc="MQTT quality of service")


class MqttMessage(str):
    """A received message: its payload as text, with `.topic`, `.qos` and `.retain`."""

    # Defaults let copy and pickle rebuild it from the text alone, then restore the attributes.
    def __new__(cls, text: str = "", topic: str = "", qos: int = 0, retain: bool = False):
        message = super().__new__(cls, text)
        message.topic = topic
        message.qos = qos
        message.retain = retain
        return message


class MqttProvider(BaseProvider):
    """MQTT publish and subscribe, e.g. to simulate IoT devices."""

    def __init__(self, engine):
        super().__init__(engine)
        self._subscriptions: dict[str, Any] = {}  # variable name -> running paho client

    @command(host=_HOST, port=_PORT, username=_USERNAME, password=_PASSWORD, timeout=_TIMEOUT, qos=_QOS,
             endpoint=Param("string", required=False, doc="the topic to publish to (play_mqtt's name)"),
             topic=Param("string", required=False, doc="the topic to publish to (same as `endpoint`)"),
             payload=PAYLOAD,
             retain=Param("boolean", required=False, default=False, doc="ask the broker to keep the message"))
    def command_publish(self, command, **kwargs):
        """Publish one message on `endpoint` (or `topic`) and wait until it is sent."""
        topic = _publish_topic(command)
        payload = message_text(command["payload"]).encode("utf-8")
        qos, timeout = command.get("qos", 0), _timeout(command)
        where = _where(command)
        client = self._connect(command)
        try:
            info = client.publish(topic, payload, qos=qos, retain=bool(command.get("retain", False)))
            try:
                info.wait_for_publish(timeout)
            except (ValueError, RuntimeError) as exc:
                raise StepError(f"can't publish to {topic!r} on the MQTT broker at {where}: {exc}") from None
            if not info.is_published():
                waited = "send" if qos == 0 else f"acknowledge (qos {qos})"
                raise PlayTimeout(f"timed out after {timeout:g}s waiting for the MQTT broker at {where} "
                                  f"to {waited} the message on {topic!r}")
        finally:
            _stop(client)
        self.engine.log(f"mqtt: published {len(payload)} bytes on {topic} at {where}")

    @command(host=_HOST, port=_PORT, username=_USERNAME, password=_PASSWORD, timeout=_TIMEOUT, qos=_QOS,
             topic=Param("string", doc="topic filter; '+' and '#' wildcards allowed"),
             name=Param("string", required=False, doc="variable collecting the messages (default: the topic)"),
             encoding=Param("string", required=False, default="utf-8", doc="how payloads are decoded to text"))
    def command_subscribe(self, command, **kwargs):
        """Collect the messages of `topic` into the list variable `name`, in the background until the test ends."""
        topic = command["topic"]
        _check_filter(topic)
        name = command.get("name") or topic
        encoding = _encoding(command.get("encoding", "utf-8"))
        qos, timeout, where = command.get("qos", 0), _timeout(command), _where(command)
        messages: list[MqttMessage] = []
        granted = threading.Event()
        acknowledgement: dict[str, Any] = {}

        def subscribe(client):
            # Called on every (re)connection, so a dropped connection resumes the subscription.
            client.subscribe(topic, qos=qos)

        def on_subscribe(client, userdata, mid, reason_codes, properties):
            acknowledgement["codes"] = reason_codes
            granted.set()

        engine = self.engine

        def on_message(client, userdata, message):
            # errors="replace": an exception here would stop paho's network thread.
            text = message.payload.decode(encoding, errors="replace")
            messages.append(MqttMessage(text, message.topic, message.qos, bool(message.retain)))
            engine.update_variables({name: messages})  # so the test's masking sees the new message

        self._unsubscribe(name)
        client = self._connect(command, reconnect=True, on_connected=subscribe, on_message=on_message,
                               on_subscribe=on_subscribe)
        with _stopped_on_failure(client):
            if not granted.wait(timeout):
                raise PlayTimeout(f"timed out after {timeout:g}s waiting for the MQTT broker at {where} "
                                  f"to confirm the subscription to {topic!r}")
            refused = [code for code in acknowledgement["codes"] if code.is_failure]
            if refused:
                raise StepError(f"the MQTT broker at {where} refused the subscription to {topic!r}: {refused[0]}")
        self._subscriptions[name] = client
        self.engine.register_teardown_callback(self._unsubscribe_all)
        self.engine.update_variables({name: messages})
        self.engine.log(f"mqtt: subscribed to {topic} at {where}; messages go to variable {name!r}")

    # --- helpers ----------------------------------------------------------------

    def _connect(self, command, *, reconnect=False, on_connected=None, on_message=None, on_subscribe=None):
        """A paho client whose connection the broker accepted, with its network loop running."""
        mqtt = _paho()
        host, port, timeout, where = command["host"], _port(command), _timeout(command), _where(command)
        self.engine.policy.allow(("mqtt", str(host).lower(), port), f"mqtt://{where}")
        client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, reconnect_on_failure=reconnect)
        client.reconnect_delay_set(*RECONNECT_DELAYS)
        client.connect_timeout = timeout or _LONGEST_CONNECT
        if command.get("username") is not None:
            client.username_pw_set(command["username"], command.get("password"))
        answered = threading.Event()
        connack: dict[str, Any] = {}

        def on_connect(client, userdata, flags, reason_code, properties):
            connack["reason"] = reason_code
            if not reason_code.is_failure and on_connected is not None:
                on_connected(client)
            answered.set()

        client.on_connect = on_connect
        client.on_message = on_message
        client.on_subscribe = on_subscribe
        try:
            client.connect(host, port, keepalive=KEEPALIVE)
        except TimeoutError:  # socket.timeout too
            after = f" after {timeout:g}s" if timeout else ""
            raise PlayTimeout(f"timed out{after} connecting to the MQTT broker at {where}") from None
        except (OSError, ValueError) as exc:
            raise StepError(f"can't connect to the MQTT broker at {where}: {reason(exc)}") from None
        client.loop_start()
        with _stopped_on_failure(client):
            if not answered.wait(timeout):
                raise PlayTimeout(f"timed out after {timeout:g}s waiting for the MQTT broker at {where} "
                                  "to accept the connection")
            if connack["reason"].is_failure:
                raise StepError(f"the MQTT broker at {where} refused the connection: {connack['reason']}")
        return client

    def _unsubscribe(self, name: str) -> None:
        client = self._subscriptions.pop(name, None)
        if client is not None:
            _stop(client)

    def _unsubscribe_all(self) -> None:
        for name in list(self._subscriptions):
            self._unsubscribe(name)


def _paho():
    import paho.mqtt.client as mqtt

    return mqtt


@contextlib.contextmanager
def _stopped_on_failure(client):
    """Stop the client when the block fails, also on a scenario timeout (its signal can land in any wait)."""
    try:
        yield
    except BaseException:
        _stop(client)
        raise


def _stop(client) -> None:
    try:
        client.disconnect()
    finally:
        client.loop_stop()


def _port(command) -> int:
    value = command.get("port", DEFAULT_PORT)
    try:
        port = int(value)
    except (TypeError, ValueError):
        raise StepError(f"'port' must be a port number, not {value!r}") from None
    if not 0 < port < 65536:
        raise StepError(f"'port' must be between 1 and 65535, not {port}")
    return port


def _timeout(command) -> float | None:
    return timeout_seconds(command.get("timeout", DEFAULT_TIMEOUT))


def _where(command) -> str:
    return f"{command['host']}:{_port(command)}"


def _publish_topic(command) -> str:
    endpoint, topic = command.get("endpoint"), command.get("topic")
    if endpoint is not None and topic is not None and endpoint != topic:
        raise StepError(f"'endpoint' ({endpoint!r}) and 'topic' ({topic!r}) differ: give only one")
    chosen = endpoint if endpoint is not None else topic
    if not chosen:
        raise StepError("publish needs the topic to publish to: 'endpoint' (or 'topic')")
    if "+" in chosen or "#" in chosen:
        raise StepError(f"can't publish to {chosen!r}: a topic to publish to can't contain the wildcards + or #")
    return chosen


def _check_filter(topic: str) -> None:
    """Refuse filters the broker would answer by dropping the connection."""
    levels = topic.split("/")
    bad = not topic or any(
        ("+" in level and level != "+") or ("#" in level and (level != "#" or index != len(levels) - 1))
        for index, level in enumerate(levels)
    )
    if bad:
        raise StepError(f"invalid topic filter {topic!r}: '+' must be a whole level and '#' the whole last level")


def _encoding(name: str) -> str:
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise StepError(f"unknown encoding {name!r}") from None
