"""The servers the HTTP and browser rows talk to, run in threads of this process.

`KeepAliveJsonServer` is a tiny HTTP/1.1 server that keeps connections open,
so an HTTP row measures the client side (framework overhead) rather than
TCP set-up: werkzeug 3.1, which serves the demo app, answers every request
with `Connection: close`. Headers and body go out in one write and Nagle's
algorithm is off: otherwise each request on a kept-alive connection waits
about 40 ms for a delayed ACK.

`demo_app()` starts the real demo app (werkzeug, threaded) on a free port.
"""

from __future__ import annotations

import contextlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _JsonHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True

    def do_GET(self):
        # Same answer as the demo app's /api/status/<code>: {"status": code}.
        code = 200
        parts = self.path.split("?", 1)[0].rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2] == "status" and parts[-1].isdigit():
            code = int(parts[-1])
        body = json.dumps({"status": code}).encode()
        head = (f"HTTP/1.1 {code} {self.responses.get(code, ('',))[0]}\r\n"
                "Content-Type: application/json\r\n"
                f"Content-Length: {len(body)}\r\n"
                "Connection: keep-alive\r\n\r\n").encode("latin-1")
        self.wfile.write(head + body)

    def log_message(self, format, *args):
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128


@contextlib.contextmanager
def keep_alive_json_server():
    """Yield the base URL of a keep-alive JSON server on a free loopback port."""
    server = _Server(("127.0.0.1", 0), _JsonHandler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def demo_app():
    """Yield the demo app's base URL (SQLite database, no MQTT)."""
    from demo_app.server import DemoServer

    with DemoServer(port=0) as server:
        yield server.url
