"""The `play_requests` provider (alias `http`): HTTP calls with requests, parameter-compatible with play_requests.

    - type: POST
      provider: http
      url: $api_url/items
      parameters: {json: {name: pencil}, headers: {Authorization: Bearer $token}}
      expected_status: 202
      variable: item_id
      jmespath: id

Every step of a test goes through one `requests.Session`, so cookies and
connections carry over; it is closed when the test ends. Every call has a
timeout (`parameters.timeout`, else the variable `http_timeout`, else 30 s), so
a server that never answers can't hang the run. `response` is visible to
`assertion` and `variable_expression`, and the command returns it. Failure
messages show the exchange (method, URL, status, time, headers, start of the
body) with credentials masked; the engine masks secret variables as well.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..engine import resolve_path
from ..errors import CheckFailed, ExpressionError, PlayTimeout, StepError, UndefinedVariable, did_you_mean
from ..secrets import MASK, Masker, is_secret_name
from . import BaseProvider, Param, command

DEFAULT_TIMEOUT = 30.0
BODY_PREVIEW = 500
# The requests options a step may pass under `parameters`.
OPTIONS = ("headers", "params", "json", "data", "cookies", "timeout", "auth", "allow_redirects",
           "verify", "files", "proxies", "cert")
_SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# Headers every response carries: noise in a failure message (and so are
# requests' own default request headers, left out too).
_DULL_RESPONSE_HEADERS = frozenset({"date", "server", "connection", "keep-alive"})
_TEXT_TYPES = ("text/", "json", "xml", "javascript", "x-www-form-urlencoded")

_PARAMS = {
    "url": Param("string", doc="the URL to call"),
    "parameters": Param("mapping", required=False, default={}, doc=(
        "requests options: headers, params, json, data, cookies, timeout (seconds, or [connect, read]), "
        "auth ([user, password]: basic auth), allow_redirects, verify, proxies, cert, and files "
        "({field: [filename, data or 'path:FILE', content type]}, FILE relative to the scenario)")),
    "expected_status": Param(("integer", "list"), required=False,
                             doc="fail unless the status code is this one (or one of this list)"),
    "expected_json": Param(("mapping", "list"), required=False, doc=(
        "fail unless the JSON body matches: mappings may have more keys, lists match item by item")),
    "variable": Param("string", required=False,
                      doc="variable that receives the value of `variable_expression` or `jmespath`"),
    "variable_expression": Param("expression", required=False,
                                 doc="expression over `response` whose value goes into `variable`"),
    "jmespath": Param("string", required=False,
                      doc="JMESPath into the JSON body (e.g. items[0].id) whose value goes into `variable`"),
    "assertion": Param("expression", required=False, doc="expression over `response` that must be true"),
}
_MISSING = object()


class HttpProvider(BaseProvider):
    """HTTP requests through one session per test."""

    def __init__(self, engine):
        super().__init__(engine)
        self._http = None

    @command(**_PARAMS)
    def command_GET(self, command, **kwargs):
        """Send a GET request to `url`."""
        return self._call("GET", command, kwargs)

    @command(**_PARAMS)
    def command_POST(self, command, **kwargs):
        """Send a POST request to `url`."""
        return self._call("POST", command, kwargs)

    @command(**_PARAMS)
    def command_PUT(self, command, **kwargs):
        """Send a PUT request to `url`."""
        return self._call("PUT", command, kwargs)

    @command(**_PARAMS)
    def command_PATCH(self, command, **kwargs):
        """Send a PATCH request to `url`."""
        return self._call("PATCH", command, kwargs)

    @command(**_PARAMS)
    def command_DELETE(self, command, **kwargs):
        """Send a DELETE request to `url`."""
        return self._call("DELETE", command, kwargs)

    @command(**_PARAMS)
    def command_HEAD(self, command, **kwargs):
        """Send a HEAD request to `url`."""
        return self._call("HEAD", command, kwargs)

    @command(**_PARAMS)
    def command_OPTIONS(self, command, **kwargs):
        """Send an OPTIONS request to `url`."""
        return self._call("OPTIONS", command, kwargs)

    # --- one call ---------------------------------------------------------------

    def _call(self, method: str, command: dict, names: dict):
        try:
            return self._exchange(method, command, names)
        except Exception:
            # The engine shows this very dict in the failure: hide credentials
            # that are not secret variables (literal Authorization headers, basic
            # auth passwords, cookies). Only top-level keys are replaced, so the
            # parsed scenario the dict may share values with is never changed.
            mask_step(command)
            raise

    def _exchange(self, method: str, command: dict, names: dict):
        check_storing(command)
        parameters = command.get("parameters") or {}
        options = self._options(parameters)
        masker = self._masker(parameters)
        url = command["url"]
        start = time.perf_counter()
        response = self._send(method, url, options, masker)
        exchange = Exchange(response, time.perf_counter() - start, masker)
        self.engine.log(exchange.headline())
        names = {**names, "response": response}
        check_status(command, exchange)
        self._store(command, exchange, names)
        check_json(command, exchange)
        self._assert(command, exchange, names)
        return response

    def _send(self, method: str, url: str, options: dict, masker: Masker):
        import requests

        try:
            return self._session().request(method, url, **options)
        except requests.Timeout as exc:
            connecting = isinstance(exc, requests.ConnectTimeout)
            what = "no connection" if connecting else "no answer"
            limit = _seconds(options["timeout"], 0 if connecting else 1)
            raise PlayTimeout(masker(f"{method} {mask_url(url)}: {what} within {limit} "
                                     "(set parameters.timeout or the variable http_timeout)")) from None
        except requests.exceptions.SSLError as exc:
            raise StepError(masker(f"{method} {mask_url(url)}: TLS error: {root_cause(exc)}")) from None
        except requests.ConnectionError as exc:
            raise StepError(masker(f"{method} {mask_url(url)}: can't connect: {root_cause(exc)}")) from None
        except requests.RequestException as exc:
            raise StepError(masker(f"{method} {mask_url(url)}: {type(exc).__name__}: {root_cause(exc)}")) from None

    def _session(self):
        if self._http is None:
            import requests

            self._http = requests.Session()
            self.engine.register_teardown_callback(self._close)
        return self._http

    def _close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None

    def _masker(self, parameters: dict) -> Masker:
        return self.engine.masker(credentials_in(parameters))

    # --- requests options -------------------------------------------------------

    def _options(self, parameters: dict) -> dict:
        unknown = [key for key in parameters if key not in OPTIONS]
        if unknown:
            key = unknown[0]
            raise StepError(f"unknown key {key!r} in parameters{did_you_mean(str(key), OPTIONS)} "
                            f"(known: {', '.join(OPTIONS)})")
        options = dict(parameters)
        options["timeout"] = self._timeout(parameters.get("timeout", _MISSING))
        for key, kinds, what in (("headers", dict, "a mapping"), ("cookies", dict, "a mapping"),
                                 ("params", (dict, list, str), "a mapping, a list or text"),
                                 ("files", dict, "a mapping of field: [filename, data, content type]"),
                                 ("allow_redirects", bool, "true or false"),
                                 ("verify", (bool, str), "true, false or a CA bundle path"),
                                 ("proxies", dict, "a mapping of scheme: proxy URL"),
                                 ("cert", (str, list), "a file path or [certificate file, key file]")):
            if key in options and not isinstance(options[key], kinds):
                raise StepError(f"parameters.{key} must be {what}, not {options[key]!r}")
        if "headers" in options:
            # YAML gives numbers for `X-Count: 3`; requests wants text.
            options["headers"] = {k: v if v is None or isinstance(v, (str, bytes)) else str(v)
                                  for k, v in options["headers"].items()}
        if "auth" in options:
            options["auth"] = basic_auth(options["auth"])
        if isinstance(options.get("cert"), list):
            options["cert"] = tuple(options["cert"])  # requests hashes it into its pool key
        if "files" in options:
            options["files"] = {field: self._file(field, value) for field, value in options["files"].items()}
        return options

    def _timeout(self, value: Any):
        if value is _MISSING:
            value = self.engine.variables.get("http_timeout", DEFAULT_TIMEOUT)
        parts = value if isinstance(value, (list, tuple)) else [value]
        try:
            numbers = [float(part) for part in parts if not isinstance(part, bool)]
        except (TypeError, ValueError):
            numbers = []
        if len(numbers) != len(parts) or len(parts) not in (1, 2) or min(numbers) <= 0:
            raise StepError(f"timeout must be a positive number of seconds or [connect, read], not {value!r}")
        return numbers[0] if len(numbers) == 1 else tuple(numbers)

    def _file(self, field: str, value: Any) -> tuple:
        """`[filename, data or 'path:FILE', content type]` as requests wants it."""
        if isinstance(value, str):
            value = [None, value]
        if not isinstance(value, list) or not 2 <= len(value) <= 3:
            raise StepError(f"parameters.files.{field} must be [filename, data or 'path:FILE', content type], "
                            f"not {value!r}")
        filename, data, *content_type = value
        if isinstance(data, str) and data.startswith("path:"):
            step = self.engine.current_step
            base = step.path.parent if step is not None else Path.cwd()
            data = resolve_path(data[len("path:"):], base).read_bytes()
        elif not isinstance(data, (str, bytes)):
            data = json.dumps(data)
        return (filename, data, *content_type)

    # --- checks -------------------------------------------------------------------

    def _store(self, command: dict, exchange: Exchange, names: dict) -> None:
        variable = command.get("variable")
        if variable is None:
            return
        if "jmespath" in command:
            value = exchange.search(command["jmespath"])
        else:
            value = self._evaluate("variable_expression", command["variable_expression"], exchange, names)
        self.engine.update_variables({variable: value})

    def _assert(self, command: dict, exchange: Exchange, names: dict) -> None:
        assertion = command.get("assertion")
        if assertion is None:
            return
        if not self._evaluate("assertion", assertion, exchange, names):
            details = self.engine.names_in(assertion, **names)
            details.pop("response", None)  # the exchange below says more
            raise CheckFailed(f"assertion is false: {assertion}\n{exchange}", details)

    def _evaluate(self, key: str, expression: str, exchange: Exchange, names: dict) -> Any:
        try:
            return self.engine.evaluate(expression, **names)
        except (ExpressionError, UndefinedVariable) as exc:
            raise StepError(f"{key} failed: {exc}\n{exchange}") from None


class Exchange:
    """A response and how long it took, described for logs and failures with credentials masked."""

    def __init__(self, response, elapsed: float, masker: Masker):
        self.response = response
        self.elapsed = elapsed
        self.masker = masker
        self._json: Any = _MISSING

    def headline(self) -> str:
        response = self.response
        redirects = f" (after {len(response.history)} redirects)" if response.history else ""
        return self.masker(f"{response.request.method} {mask_url(response.url)} -> {response.status_code} "
                           f"{response.reason or ''}".rstrip() + f" in {_duration(self.elapsed)}{redirects}")

    def __str__(self) -> str:
        from requests.utils import default_headers

        response = self.response
        defaults = {(name.lower(), value) for name, value in default_headers().items()}
        sent = {name: value for name, value in response.request.headers.items()
                if (name.lower(), value) not in defaults}
        lines = [self.headline(),
                 f"request headers: {_headers(sent)}",
                 f"response headers: {_headers(response.headers, _DULL_RESPONSE_HEADERS)}",
                 f"response body: {self.body_preview()}"]
        return self.masker("\n".join(lines))

    def json(self) -> Any:
        """The JSON body; StepError when the body is not JSON."""
        if self._json is _MISSING:
            try:
                self._json = self.response.json()
            except ValueError:
                kind = self.response.headers.get("Content-Type") or "no content type"
                raise StepError(f"the response body is not JSON ({kind})\n{self}") from None
        return self._json

    def search(self, expression: str) -> Any:
        import jmespath
        from jmespath.exceptions import JMESPathError

        try:
            compiled = jmespath.compile(expression)
        except JMESPathError as exc:
            raise StepError(f"invalid jmespath {expression!r}: {exc}") from None
        value = compiled.search(self.json())
        if value is None:
            raise StepError(f"jmespath {expression!r} matched nothing in the response body\n{self}")
        return value

    def body_preview(self) -> str:
        response = self.response
        if not response.content:
            return "(empty)"
        content_type = response.headers.get("Content-Type", "")
        try:
            text = json.dumps(_mask_fields(response.json()), ensure_ascii=False)
        except ValueError:
            if content_type and not any(kind in content_type for kind in _TEXT_TYPES):
                return f"({len(response.content)} bytes of {content_type})"
            text = response.text
        if len(text) > BODY_PREVIEW:
            return f"{text[:BODY_PREVIEW]}... ({len(text)} characters)"
        return text


# --- step checks ------------------------------------------------------------------


def check_storing(command: dict) -> None:
    """`variable` goes with exactly one of `variable_expression` and `jmespath`."""
    sources = [key for key in ("variable_expression", "jmespath") if key in command]
    if "variable" not in command:
        if sources:
            raise StepError(f"{sources[0]!r} needs 'variable' (the name to store the value in)")
    elif len(sources) != 1:
        raise StepError("'variable' needs exactly one of 'variable_expression' or 'jmespath'")


def check_status(command: dict, exchange: Exchange) -> None:
    expected = command.get("expected_status")
    if expected is None:
        return
    codes = expected if isinstance(expected, list) else [expected]
    if not codes or not all(isinstance(c, int) and not isinstance(c, bool) for c in codes):
        raise StepError(f"expected_status must be a status code or a list of them, not {expected!r}")
    status = exchange.response.status_code
    if status not in codes:
        wanted = str(codes[0]) if len(codes) == 1 else "one of " + ", ".join(map(str, codes))
        raise CheckFailed(f"expected status {wanted}, got {status}\n{exchange}")


def check_json(command: dict, exchange: Exchange) -> None:
    if "expected_json" not in command:
        return
    difference = json_difference(command["expected_json"], exchange.json())
    if difference:
        where, problem = difference
        raise CheckFailed(f"the JSON body does not match expected_json at {where or 'the top'}: {problem}\n"
                          f"{exchange}")


def json_difference(expected: Any, actual: Any, where: str = "") -> tuple[str, str] | None:
    """The first place where `actual` does not match `expected` (mappings: a subset)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return where, f"expected a mapping, got {_brief(actual)}"
        for key, value in expected.items():
            inner = f"{where}.{key}" if where else str(key)
            if key not in actual:
                return inner, "missing"
            found = json_difference(value, actual[key], inner)
            if found:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return where, f"expected a list, got {_brief(actual)}"
        if len(expected) != len(actual):
            return where, f"expected {len(expected)} items, got {len(actual)}"
        for index, (value, found_value) in enumerate(zip(expected, actual)):
            found = json_difference(value, found_value, f"{where}[{index}]")
            if found:
                return found
        return None
    if expected != actual or isinstance(expected, bool) != isinstance(actual, bool):
        last = where.rsplit(".", 1)[-1]
        if is_secret_name(last):
            return where, "the value differs (secret, not shown)"
        return where, f"expected {expected!r}, got {_brief(actual)}"
    return None


# --- masking ------------------------------------------------------------------------


def basic_auth(value: Any) -> tuple:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        shown = [value[0], MASK] if isinstance(value, list) and len(value) == 2 else "something else"
        raise StepError(f"parameters.auth must be [user, password], not {shown!r}")
    return tuple(value)


def credentials_in(parameters: dict) -> set[str]:
    """Secret texts a step passes literally: basic auth password, Authorization and cookie values."""
    found = set()
    auth = parameters.get("auth")
    if isinstance(auth, list) and len(auth) == 2 and isinstance(auth[1], str):
        found.add(auth[1])
    headers = parameters.get("headers")
    for name, value in (headers.items() if isinstance(headers, dict) else ()):
        if isinstance(value, str) and str(name).lower() in _SENSITIVE_HEADERS:
            found.add(value)
            found.add(value.partition(" ")[2])  # the credentials after "Bearer " or "Basic "
    # Short cookie values ("1", "yes") are masked only where shown as cookies (step,
    # Cookie header): as texts they would blank out every "1" of the message.
    cookies = parameters.get("cookies")
    found.update(str(v) for v in (cookies.values() if isinstance(cookies, dict) else ()) if len(str(v)) >= 6)
    return {text for text in found if text.strip()}


def mask_step(command: dict) -> None:
    """Replace credentials in a rendered step (top-level keys only, never in place below)."""
    if isinstance(command.get("url"), str):
        command["url"] = mask_url(command["url"])
    parameters = command.get("parameters")
    if not isinstance(parameters, dict):
        return
    masked = dict(parameters)
    if isinstance(masked.get("headers"), dict):
        masked["headers"] = {k: _masked_header(k, v) for k, v in masked["headers"].items()}
    if isinstance(masked.get("cookies"), dict):
        masked["cookies"] = dict.fromkeys(masked["cookies"], MASK)
    if isinstance(masked.get("auth"), list) and len(masked["auth"]) == 2:
        masked["auth"] = [masked["auth"][0], MASK]
    command["parameters"] = masked


def mask_url(url: str) -> str:
    """A URL without its password and the values of secret-looking query parameters."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    netloc = parts.netloc
    if parts.password:
        netloc = netloc.replace(f":{parts.password}@", f":{MASK}@", 1)
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_secret_name(name) for name, _ in pairs):
            query = urlencode([(n, MASK if is_secret_name(n) else v) for n, v in pairs], safe="*")
    return urlunsplit(parts._replace(netloc=netloc, query=query))


def _masked_header(name: Any, value: Any) -> Any:
    lowered = str(name).lower()
    if lowered not in _SENSITIVE_HEADERS or not isinstance(value, str):
        return value
    scheme, _, credentials = value.partition(" ")
    if "cookie" in lowered:
        return MASK
    return f"{scheme} {MASK}" if credentials else MASK


def _mask_fields(value: Any) -> Any:
    """JSON with the values of secret-named keys (token, password...) masked."""
    if isinstance(value, dict):
        return {k: MASK if is_secret_name(k) and not isinstance(v, (dict, list)) else _mask_fields(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_mask_fields(v) for v in value]
    return value


def _headers(headers, dull: frozenset = frozenset()) -> str:
    shown = {name: _masked_header(name, value) for name, value in headers.items() if name.lower() not in dull}
    return ", ".join(f"{name}: {value}" for name, value in shown.items()) or "(none)"


def root_cause(exc: BaseException) -> str:
    """The innermost reason of a requests error, e.g. '[Errno 111] Connection refused'."""
    seen = set()
    current: BaseException | None = exc
    best = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        best = current
        reason = getattr(current, "reason", None)
        nested = current.args[0] if current.args and isinstance(current.args[0], BaseException) else None
        current = reason if isinstance(reason, BaseException) else nested or current.__cause__ or current.__context__
    text = str(best)
    # urllib3 prefixes its own errors with the connection object: keep the reason.
    if "Failed to establish a new connection: " in text:
        text = text.split("Failed to establish a new connection: ", 1)[1]
    return text


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"


def _seconds(timeout: Any, index: int) -> str:
    value = timeout[index] if isinstance(timeout, tuple) else timeout
    return f"{value:g}s"


def _brief(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."
