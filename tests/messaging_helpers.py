"""Pieces shared by the MQTT and websocket provider tests."""

import json
import socket
import threading

RUN = ("-p", "no:randomly", "-p", "no:cacheprovider", "--variables", "vars.yml")


def run(pytester, scenario, *args, **variables):
    """Run one scenario in a pytester session, with `variables` as its variables file."""
    pytester.makefile(".yml", test_scenario=scenario)
    pytester.makefile(".yml", vars=json.dumps(variables))
    return pytester.runpytest(*RUN, *args)


def recv_exactly(conn, size: int) -> bytes:
    """Read exactly `size` bytes from a socket; OSError when the peer closes first."""
    data = b""
    while len(data) < size:
        chunk = conn.recv(size - len(data))
        if not chunk:
            raise OSError("closed")
        data += chunk
    return data


class FakeServer:
    """A loopback TCP server for failure tests: a background thread accepts
    connections and hands each to `serve(conn)`, in a thread of its own unless
    `one_at_a_time`; `close()` closes the server and every connection.
    Subclasses set their attributes before calling `__init__`."""

    one_at_a_time = False

    def __init__(self):
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.connections = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:  # closed
                return
            self.connections.append(conn)
            if self.one_at_a_time:
                self._serve(conn)
            else:
                threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        try:
            self.serve(conn)
        except OSError:  # the client, or close(), closed it
            pass

    def serve(self, conn):
        raise NotImplementedError

    def close(self):
        self.server.close()
        for conn in self.connections:
            conn.close()


class Starter:
    """A fixture's factory: starts servers of one class, closes them all at the end."""

    def __init__(self, server_class):
        self.server_class = server_class
        self.started = []

    def __call__(self, **kwargs):
        self.started.append(self.server_class(**kwargs))
        return self.started[-1]

    def close_all(self):
        for server in self.started:
            server.close()
