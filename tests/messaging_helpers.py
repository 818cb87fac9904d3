"""Pieces shared by the small fake servers of the messaging tests."""


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
