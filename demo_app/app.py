"""Flask application factory of the demo system under test.

``create_app()`` wires the HTML pages, the JSON API, the websockets and the
optional MQTT subscriber around one :class:`DemoState`, kept in
``app.extensions["demo"]``.  Call :func:`shutdown_app` to release it.
"""

import logging
import secrets
import threading

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from .api import bp as api_bp
from .auth import TokenStore
from .db import Database
from .http_tools import bp as http_tools_bp
from .pages import bp as pages_bp
from .realtime import (
    DEFAULT_TOPIC, MqttBridge, SocketGroup, register_websockets,
)

log = logging.getLogger(__name__)


class DemoState:
    """Everything of one app instance that outlives a request."""

    def __init__(self, database, create_delay):
        self.db = database
        self.create_delay = create_delay
        self.tokens = TokenStore()
        self.hub = SocketGroup()  # clients of /ws/readings
        self.echo_sockets = SocketGroup()
        self.mqtt = None
        self._timers = set()
        self._lock = threading.Lock()
        self._closed = False

    def schedule_item(self, name, owner):
        """Reserve an id now; insert the row only after ``create_delay``
        seconds (the asynchrony tests have to cope with)."""
        item_id = self.db.reserve_item_id()
        if self.create_delay <= 0:
            self.db.insert_item(item_id, name, owner)
            return item_id
        timer = threading.Timer(
            self.create_delay, self._create_item, (item_id, name, owner))
        timer.daemon = True
        with self._lock:
            self._timers.add(timer)
        timer.start()
        return item_id

    def _create_item(self, item_id, name, owner):
        with self._lock:
            self._timers = {t for t in self._timers if t.is_alive()}
            if self._closed:
                return
        try:
            self.db.insert_item(item_id, name, owner)
        except Exception:
            log.exception("cannot create item %s", item_id)

    def store_reading(self, device, value):
        self.hub.broadcast(self.db.add_reading(device, value))

    def start_mqtt(self, host, port, topic=DEFAULT_TOPIC):
        self.mqtt = MqttBridge(host, port, self.store_reading, topic)
        self.mqtt.start()

    def close(self):
        with self._lock:
            if self._closed:
                return
            self._closed = True
            timers, self._timers = self._timers, set()
        for timer in timers:
            timer.cancel()
        if self.mqtt:
            self.mqtt.stop()
        self.hub.close_all()
        self.echo_sockets.close_all()
        self.db.close()


def _api_errors_as_json(error):
    """HTTP errors under /api/ answer JSON like the rest of the API."""
    if not request.path.startswith("/api/"):
        return error
    response = jsonify(error=error.name.lower())
    response.status_code = error.code
    for name, value in error.get_headers():
        if name.lower() not in ("content-type", "content-length"):
            response.headers[name] = value
    return response


def create_app(database_url=None, mqtt=None, create_delay=0.5):
    """Build the demo app.

    ``database_url``: SQLAlchemy URL, default a SQLite file in a temp dir.
    ``mqtt``: ``{"host", "port", "topic"}`` to store readings from a broker.
    ``create_delay``: seconds between ``POST /api/items`` and the insert.
    """
    app = Flask(__name__)
    app.config["SECRET_KEY"] = secrets.token_hex(16)
    state = DemoState(Database(database_url), create_delay)
    app.config["DATABASE_URL"] = state.db.url
    app.extensions["demo"] = state
    app.register_blueprint(pages_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(http_tools_bp)
    app.register_error_handler(HTTPException, _api_errors_as_json)
    register_websockets(app)
    if mqtt:
        try:
            state.start_mqtt(
                mqtt["host"], mqtt["port"], mqtt.get("topic") or DEFAULT_TOPIC)
        except Exception:
            state.close()
            raise
    return app


def shutdown_app(app):
    """Stop the MQTT client and timers, close websockets and the database."""
    app.extensions["demo"].close()
