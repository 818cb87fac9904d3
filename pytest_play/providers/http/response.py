"""The `response` expressions see: a copy of an HTTP response as plain data, with no way
back to the session, its connection pool, the socket or the request that was sent."""

from __future__ import annotations

import json as _json
from typing import Any


class Headers(dict):
    """Response headers as a plain dict whose lookups ignore case, as HTTP's do."""

    def __init__(self, items=()):
        super().__init__(items)
        self._lower = {str(k).lower(): k for k in self}

    def __getitem__(self, name):
        return super().__getitem__(self._lower.get(str(name).lower(), name))

    def get(self, name, default=None):
        key = self._lower.get(str(name).lower())
        return default if key is None else super().__getitem__(key)

    def __contains__(self, name) -> bool:
        return str(name).lower() in self._lower


class Response:
    """`status_code`, `ok`, `reason`, `headers`, `text`, `content`, `url`, `encoding`,
    `elapsed` (seconds), `cookies` (a dict), `history` (the redirects, as such copies),
    `json()`, `raise_for_status()`."""

    __slots__ = ("status_code", "ok", "reason", "headers", "text", "content", "url", "encoding", "elapsed",
                 "cookies", "history")

    def __init__(self, response, elapsed: float):  # a requests.Response
        self.status_code = response.status_code
        self.ok = response.ok
        self.reason = response.reason
        self.headers = Headers(response.headers.items())
        self.content = response.content
        self.text = response.text
        self.url = response.url
        self.encoding = response.encoding
        self.elapsed = elapsed
        self.cookies = dict(response.cookies.items())
        self.history = [Response(earlier, 0.0) for earlier in getattr(response, "history", ())]

    def json(self) -> Any:
        """The body parsed as JSON (ValueError when it is not JSON)."""
        return _json.loads(self.text)

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise ValueError(f"HTTP {self.status_code} {self.reason or ''}".rstrip() + f" for {self.url}")

    def __repr__(self) -> str:
        return f"<Response [{self.status_code}]>"
