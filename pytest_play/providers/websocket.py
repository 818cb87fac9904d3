"""The `play_websocket` provider (alias `websocket`): talk to a server over websockets.

Compatible with play_websocket, on websocket-client (imported only when a step
runs). `connect` opens a connection to `options.url`, passing the other
`options` to `websocket.create_connection` (timeout, header, subprotocols,
cookie, origin, ...). The connection is kept for the rest of the test, by URL:
`send`, `recv` and `disconnect` name the URL they use, and every connection
still open is closed when the test ends.

`recv` waits for the next message (at most `timeout` seconds, else the
connection's `timeout` option, else 10 s; 0 means no limit). Its text is
`results` in `variable_expression` and `assertion`:

    - {type: connect, provider: websocket, options: {url: "$ws_url/ws/echo", timeout: 5}}
    - {type: send, provider: websocket, url: "$ws_url/ws/echo", payload: hello}
    - {type: recv, provider: websocket, url: "$ws_url/ws/echo", assertion: "results == 'hello'"}

Text frames give a string, binary frames bytes.
"""

from __future__ import annotations

from typing import Any

from ..errors import PlayTimeout, StepError, did_you_mean
from ..step_helpers import PAYLOAD, check_assertion, check_storing, message_text, reason, store, timeout_seconds
from . import BaseProvider, Param, command

DEFAULT_TIMEOUT = 10
CLOSE_TIMEOUT = 1  # seconds to wait for the server's answer to a close, at teardown
# The options of websocket.create_connection that can be written in a scenario.
OPTIONS = frozenset(
    "timeout header cookie origin suppress_origin host suppress_host subprotocols connection "
    "http_proxy_host http_proxy_port http_no_proxy http_proxy_auth http_proxy_timeout proxy_type "
    "redirect_limit sockopt sslopt fire_cont_frame enable_multithread skip_utf8_validation".split()
)

_URL = Param("string", doc="the URL of a connection opened by `connect`")
_MISSING = object()


class WebsocketProvider(BaseProvider):
    """Websocket connections, kept per URL for the duration of a test."""

    def __init__(self, engine):
        super().__init__(engine)
        self._connections: dict[str, Any] = {}  # url -> websocket.WebSocket

    @command(options=Param("mapping", required=False,
                           doc="`url` and websocket-client `create_connection` options (timeout, header, ...)"),
             url=Param("string", required=False, doc="the URL, when no other option is needed"))
    def command_connect(self, command, **kwargs):
        """Open a websocket to `options.url`; a connection already open to that URL is kept."""
        options = _options(command)
        url = options.pop("url")
        policy = self.engine.policy
        if not policy.trusted:
            policy.reachable(url)
            untrusted_options(options)
        if url in self._connections and self._connections[url].connected:
            return
        # Without one, websocket-client would wait forever; 0 asks for that.
        given = options.get("timeout")
        options["timeout"] = timeout_seconds(DEFAULT_TIMEOUT if given is None else given, "options.timeout")
        self._connections[url] = _open(url, options)
        self.engine.register_teardown_callback(self._close_all)
        self.engine.log(f"websocket: connected to {url}")

    @command(url=_URL, payload=PAYLOAD)
    def command_send(self, command, **kwargs):
        """Send `payload` as a text message on the connection to `url`."""
        url = command["url"]
        ws = self._connection(url)
        text = message_text(command["payload"])
        ws_module = _websocket()
        try:
            ws.send(text)
        except (ws_module.WebSocketConnectionClosedException, OSError) as exc:
            self._forget(url)
            raise StepError(f"can't send on websocket {url}: the connection is closed ({reason(exc)})") from None

    @command(url=_URL,
             timeout=Param("number", required=False,
                           doc="seconds to wait for a message, 0 for no limit (default: the connection's)"),
             variable=Param("string", required=False,
                            doc="variable to set: to `variable_expression`'s value, or to the message"),
             variable_expression=Param("expression", required=False, doc="expression over `results` to store"),
             assertion=Param("expression", required=False, doc="expression over `results` that must be true"))
    def command_recv(self, command, **kwargs):
        """Wait for the next message on `url`; it is `results` in `variable_expression` and `assertion`."""
        url = command["url"]
        check_storing(command, optional=True)
        timeout = timeout_seconds(command["timeout"]) if command.get("timeout") is not None else _MISSING
        ws = self._connection(url)
        results = self._receive(url, ws, ws.gettimeout() if timeout is _MISSING else timeout)
        names = {**kwargs, "results": results}
        store(self.engine, command, names, default=results)
        check_assertion(self.engine, command, names)
        return results

    # Not `close`: the browser's `close` is often written without `provider`.
    @command(url=_URL)
    def command_disconnect(self, command, **kwargs):
        """Close the connection to `url` (connections still open are closed when the test ends)."""
        url = command["url"]
        self._connection(url)
        _close(self._connections.pop(url))

    # --- helpers ----------------------------------------------------------------

    def _connection(self, url: str):
        ws = self._connections.get(url)
        if ws is None:
            raise StepError(f"no open websocket to {url!r}: open it first with a 'connect' step"
                            + did_you_mean(url, self._connections))
        return ws

    def _receive(self, url: str, ws, timeout: float | None) -> Any:
        """The next data message within `timeout` seconds (None: no limit); pings are answered on the way."""
        ws_module = _websocket()
        previous = ws.gettimeout()
        ws.settimeout(timeout)
        try:
            opcode, data = ws.recv_data()
        except ws_module.WebSocketTimeoutException:
            raise PlayTimeout(f"timed out after {timeout:g}s waiting for a message from websocket {url}") from None
        except (ws_module.WebSocketConnectionClosedException, OSError) as exc:
            self._forget(url)
            raise StepError(f"websocket {url} was closed while waiting for a message ({reason(exc)})") from None
        finally:
            if ws.connected:
                ws.settimeout(previous)
        if opcode == ws_module.ABNF.OPCODE_CLOSE:
            self._forget(url)
            raise StepError(f"the server closed websocket {url} while a message was awaited{_close_code(data)}")
        if opcode == ws_module.ABNF.OPCODE_TEXT:
            return data.decode("utf-8")
        return data

    def _forget(self, url: str) -> None:
        ws = self._connections.pop(url, None)
        if ws is not None:
            ws.shutdown()

    def _close_all(self) -> None:
        while self._connections:
            _close(self._connections.popitem()[1])


def _websocket():
    import websocket

    return websocket


def _close(ws) -> None:
    try:
        ws.close(timeout=CLOSE_TIMEOUT)
    except Exception:  # the server may already be gone; the socket is released anyway
        ws.shutdown()


def _options(command) -> dict:
    options = dict(command.get("options") or {})
    url = command.get("url")
    if url is not None and options.get("url", url) != url:
        raise StepError(f"'url' ({url!r}) and 'options.url' ({options['url']!r}) differ: give only one")
    options.setdefault("url", url)
    if not isinstance(options["url"], str) or not options["url"]:
        raise StepError("connect needs the URL to open: 'options: {url: ...}' (or 'url')")
    for key in options:
        if key != "url" and key not in OPTIONS:
            raise StepError(f"unknown connect option {key!r}{did_you_mean(key, OPTIONS)}")
    return options


# Options that name a file, a proxy or a socket setting: not for pasted scenarios.
UNTRUSTED_REFUSED = frozenset(o for o in OPTIONS if o.startswith(("http_proxy", "proxy"))) | {"sslopt", "sockopt",
                                                                                            "http_no_proxy"}


def untrusted_options(options: dict) -> None:
    """Refuse the options pasted text may not give, and follow no redirect (its target is unchecked)."""
    from ..trust import Refused

    refused = sorted(UNTRUSTED_REFUSED & set(options))
    if refused:
        raise Refused(f"may not give the websocket option {refused[0]!r} (a proxy, a file or a socket setting)")
    options["redirect_limit"] = 0


def _open(url: str, options: dict):
    ws_module = _websocket()
    timeout = options["timeout"]
    try:
        return ws_module.create_connection(url, **options)
    except ws_module.WebSocketBadStatusException as exc:
        raise StepError(f"can't open websocket {url}: the server answered HTTP {exc.status_code}") from None
    except (ws_module.WebSocketTimeoutException, TimeoutError):
        after = f" after {timeout:g}s" if timeout else ""
        raise PlayTimeout(f"timed out{after} connecting to websocket {url}") from None
    except (ws_module.WebSocketException, OSError, ValueError, TypeError) as exc:
        raise StepError(f"can't open websocket {url}: {reason(exc)}") from None


def _close_code(data: bytes) -> str:
    if len(data) >= 2:
        code = int.from_bytes(data[:2], "big")
        reason = data[2:].decode("utf-8", errors="replace")
        return f" (code {code}{': ' + reason if reason else ''})"
    return ""
