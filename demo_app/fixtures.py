"""pytest plugin: session fixtures running the demo app and its services.

Enable with ``pytest_plugins = ["demo_app.fixtures"]``.  Every fixture starts
its server only when a test asks for it, and once per session (so once per
pytest-xdist worker).  Missing PostgreSQL or Mosquitto binaries skip the
tests that need them.
"""

import uuid

import pytest

from .server import DemoServer
from .services import MosquittoServer, PostgresServer, ServiceUnavailable


@pytest.fixture(scope="session")
def _demo_mosquitto():
    """(broker, None) when Mosquitto runs here, else (None, reason)."""
    try:
        server = MosquittoServer()
    except ServiceUnavailable as exc:
        yield None, str(exc)
        return
    with server:
        yield server, None


@pytest.fixture(scope="session")
def mosquitto_server(_demo_mosquitto):
    """A running Mosquitto broker: ``.host``, ``.port``."""
    server, reason = _demo_mosquitto
    if server is None:
        pytest.skip(reason)
    return server


@pytest.fixture(scope="session")
def postgres_server():
    """A running PostgreSQL: ``.url``, ``.host``, ``.port``, ``.user``,
    ``.url_for(db)``, ``.create_database(name)``."""
    try:
        server = PostgresServer()
    except ServiceUnavailable as exc:
        pytest.skip(str(exc))
    with server:
        yield server


def _mqtt_settings(broker):
    if broker is None:
        return None
    return {"host": broker.host, "port": broker.port,
            "topic": "devices/+/readings"}


@pytest.fixture(scope="session")
def demo_server(_demo_mosquitto):
    """The demo app on SQLite, reading MQTT from the session broker when
    Mosquitto is available: ``.url``, ``.ws_url``, ``.port``,
    ``.database_url``, ``.mqtt`` (dict or None)."""
    broker, _reason = _demo_mosquitto
    with DemoServer(mqtt=_mqtt_settings(broker)) as server:
        yield server


@pytest.fixture(scope="session")
def demo_server_postgres(postgres_server, _demo_mosquitto):
    """The demo app on a fresh database of the session PostgreSQL server."""
    database = "demo_" + uuid.uuid4().hex[:12]
    url = postgres_server.create_database(database)
    broker, _reason = _demo_mosquitto
    with DemoServer(database_url=url, mqtt=_mqtt_settings(broker)) as server:
        yield server


@pytest.fixture(scope="session")
def variables(variables, request):
    """Point scenarios at the demo app when the variables file says `demo_app: true`.

    `envs/local.yml` does; real environments (DEV, ALPHA) leave it out and name
    their own URLs. The app (and, when Mosquitto is installed, a broker) starts
    on free loopback ports and their addresses are added to the variables.
    Living in this plugin rather than in `scenarios/conftest.py`, it also
    serves scenarios outside that folder, such as a pasted PLAY scenario.
    """
    if not variables.get("demo_app"):
        return variables
    server = request.getfixturevalue("demo_server")
    local = {
        "base_url": server.url,
        "api_url": f"{server.url}/api",
        "ws_url": server.ws_url,
        "database_url": server.database_url,
    }
    if server.mqtt:
        local.update(mqtt_host=server.mqtt["host"], mqtt_port=server.mqtt["port"])
    return {**variables, **local}
