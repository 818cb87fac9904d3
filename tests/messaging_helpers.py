"""Pieces shared by the MQTT and websocket provider tests."""

import json

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
