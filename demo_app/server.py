"""Run the demo app in a background thread on a loopback port.

    with DemoServer() as server:
        requests.get(server.url + "/health")

or by hand: ``python -m demo_app.server --port 8000``.
"""

import argparse
import signal
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from .app import create_app, shutdown_app
from .realtime import WEBSOCKET_FLAG


class WebSocketDone(ConnectionAbortedError):
    """Raised after a websocket ended: werkzeug treats it as a dropped
    connection and writes nothing more."""


def without_websocket_trailer(app):
    """WSGI middleware: flask-sock returns an empty response once a websocket
    ends, which werkzeug would write on the socket after the close frame."""
    def middleware(environ, start_response):
        result = app(environ, start_response)
        if environ.get(WEBSOCKET_FLAG):
            if hasattr(result, "close"):
                result.close()
            raise WebSocketDone()
        return result
    return middleware


class KeepAliveHandler(WSGIRequestHandler):
    """HTTP/1.1 handler that sends small responses at once."""

    protocol_version = "HTTP/1.1"
    # headers and body are separate writes: with Nagle on, a keep-alive
    # client waits ~40 ms per request for the delayed ACK
    disable_nagle_algorithm = True

    def connection_dropped(self, error, environ=None):
        # the socket is gone (or was a websocket): read no further request
        self.close_connection = True


class QuietHandler(KeepAliveHandler):
    """Same, without a log line per request (errors are still logged)."""

    def log_request(self, *args, **kwargs):
        pass


class DemoServer:
    """The demo app served by werkzeug in a daemon thread.

    Keyword arguments go to :func:`demo_app.app.create_app`.  Attributes:
    ``url``, ``ws_url``, ``host``, ``port``, ``database_url``, ``mqtt``, ``app``.
    """

    def __init__(self, host="127.0.0.1", port=0, quiet=True, **app_kwargs):
        self.host = host
        self.requested_port = port
        self.quiet = quiet
        self.app_kwargs = app_kwargs
        self.mqtt = app_kwargs.get("mqtt")
        self.app = None
        self.port = None
        self._server = None
        self._thread = None

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def ws_url(self):
        return f"ws://{self.host}:{self.port}"

    @property
    def database_url(self):
        return self.app.config["DATABASE_URL"] if self.app else None

    def start(self):
        if self._server:
            return self
        self.app = create_app(**self.app_kwargs)
        handler = QuietHandler if self.quiet else KeepAliveHandler
        try:
            self._server = make_server(
                self.host, self.requested_port,
                without_websocket_trailer(self.app), threaded=True,
                request_handler=handler)
        except Exception:
            shutdown_app(self.app)
            raise
        self.port = self._server.server_port
        # the socket is already listening: requests queue until the loop runs
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
            name=f"demo-server-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if not self._server:
            return
        server, self._server = self._server, None
        try:
            server.shutdown()
            server.server_close()
            self._thread.join(timeout=10)
        finally:
            shutdown_app(self.app)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()

    def __repr__(self):
        return f"<DemoServer {self.url if self._server else 'stopped'}>"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description="Run the pytest-play demo app.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--database-url", help="SQLAlchemy URL (default: SQLite)")
    parser.add_argument("--mqtt-host", help="broker to read device readings from")
    parser.add_argument("--mqtt-port", type=int, default=1883)
    parser.add_argument("--mqtt-topic", default="devices/+/readings")
    parser.add_argument("--create-delay", type=float, default=0.5,
                        help="seconds before a POSTed item is stored")
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    mqtt = None
    if args.mqtt_host:
        mqtt = {"host": args.mqtt_host, "port": args.mqtt_port,
                "topic": args.mqtt_topic}
    server = DemoServer(
        host=args.host, port=args.port, quiet=False,
        database_url=args.database_url, mqtt=mqtt,
        create_delay=args.create_delay)
    stopping = threading.Event()
    # SIGTERM (e.g. `kill`) stops as cleanly as Ctrl-C
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    server.start()
    print(f"Demo app on {server.url} (database {server.database_url})", flush=True)
    try:
        while not stopping.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        print("Demo app stopped", flush=True)


if __name__ == "__main__":
    main()
