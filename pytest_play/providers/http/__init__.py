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
timeout (`parameters.timeout`, else the variable `http_timeout`, else 30 s; 0
means no limit), so a server that never answers can't hang the run. `response`
is visible to `assertion` and `variable_expression`, and the command returns
it, as plain data (`response.Response`: status, headers, body, `json()`), never
the live requests objects. A failed step's error carries the exchange (method, URL, status, time,
headers, start of the body) as its `response` context, credentials masked;
the engine masks secret variables as well.
"""

from __future__ import annotations

import time
from types import MappingProxyType
from typing import Any

from ...errors import CheckFailed, PlayTimeout, StepError
from ...secrets import Masker, mask_url, masked_step, step_credentials
from ...step_helpers import check_assertion, check_storing, difference, store
from .. import BaseProvider, Param, command
from .exchange import Exchange, root_cause
from .options import DEFAULT_TIMEOUT, OPTIONS, request_options
from .response import Response

__all__ = ["DEFAULT_TIMEOUT", "OPTIONS", "HttpProvider"]

# The parameters of every method command (read-only: all seven share it).
_PARAMS = MappingProxyType({
    "url": Param("string", doc="the URL to call"),
    "parameters": Param("mapping", required=False, default={}, doc=(
        "requests options: headers, params, json, data, cookies, timeout (seconds, or [connect, read]; "
        "0: no limit), auth ([user, password]: basic auth), allow_redirects, verify, proxies, cert, and files "
        "({field: [filename, data or 'path:FILE', content type, headers]}, the last two optional, FILE "
        "relative to the scenario)")),
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
})


def _method(method: str, article: str = "a"):
    """The command that sends `method` requests."""

    @command(**_PARAMS)
    def send(self, command, **kwargs):
        return self._call(method, command, kwargs)

    send.__name__ = send.__qualname__ = f"command_{method}"
    send.__doc__ = f"Send {article} {method} request to `url`."
    return send


class HttpProvider(BaseProvider):
    """HTTP requests through one session per test."""

    command_GET = _method("GET")
    command_POST = _method("POST")
    command_PUT = _method("PUT")
    command_PATCH = _method("PATCH")
    command_DELETE = _method("DELETE")
    command_HEAD = _method("HEAD")
    command_OPTIONS = _method("OPTIONS", "an")

    def __init__(self, engine):
        super().__init__(engine)
        self._http = None

    def _call(self, method: str, command: dict, names: dict):
        try:
            return self._exchange(method, command, names)
        except Exception:
            # The engine shows this very dict in the failure, so credentials that
            # are not secret variables are hidden in it, until the engine shows
            # `masked_step(rendered)` itself. Only top-level keys are replaced: the
            # parsed scenario the dict may share values with is never changed.
            command.update(masked_step(command))
            raise

    def _exchange(self, method: str, command: dict, names: dict):
        check_storing(command, ("variable_expression", "jmespath"))
        parameters = command.get("parameters") or {}
        step = self.engine.current_step
        policy = self.engine.policy
        options = request_options(parameters, self.engine.variables, step.path.parent if step is not None else None,
                                  policy)
        policy.reachable(command["url"])
        masker = self.engine.masker(step_credentials(parameters))
        start = time.perf_counter()
        response = self._send(method, command["url"], options, masker)
        exchange = Exchange(response, time.perf_counter() - start, masker)
        self.engine.log(exchange.headline())
        data = Response(response, exchange.elapsed)  # expressions get data, not the live response
        names = {**names, "response": data}
        check_status(command, exchange)
        if command.get("jmespath") is not None:
            store(self.engine, command, names, value=exchange.search(command["jmespath"]))
        else:
            store(self.engine, command, names, context=exchange.context)
        check_json(command, exchange)
        check_assertion(self.engine, command, names, context=exchange.context)
        return data

    def _send(self, method: str, url: str, options: dict, masker: Masker):
        import requests

        where = f"{method} {mask_url(url)}"
        try:
            return self._session().request(method, url, **options)
        except requests.Timeout as exc:
            connecting = isinstance(exc, requests.ConnectTimeout)
            what = "no connection" if connecting else "no answer"
            limit = _limit(options["timeout"], 0 if connecting else 1)
            raise PlayTimeout(masker(f"{where}: {what} within {limit} "
                                     "(set parameters.timeout or the variable http_timeout)")) from None
        except requests.exceptions.SSLError as exc:
            raise StepError(masker(f"{where}: TLS error: {root_cause(exc)}")) from None
        except requests.ConnectionError as exc:
            raise StepError(masker(f"{where}: can't connect: {root_cause(exc)}")) from None
        except requests.RequestException as exc:
            raise StepError(masker(f"{where}: {type(exc).__name__}: {root_cause(exc)}")) from None

    def _session(self):
        if self._http is None:
            import requests

            self._http = requests.Session()
            self._http.rebuild_auth = _checking_redirects(self._http.rebuild_auth, self.engine.policy)
            self.engine.register_teardown_callback(self._close)
        return self._http

    def _close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None


def _checking_redirects(rebuild_auth, policy):
    """requests' `rebuild_auth`, run before each redirect is followed, refusing targets `policy` doesn't allow."""

    def rebuild(prepared_request, response):
        policy.reachable(prepared_request.url)
        return rebuild_auth(prepared_request, response)

    return rebuild


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
        raise CheckFailed(f"expected status {wanted}, got {status}", context=exchange.context)


def check_json(command: dict, exchange: Exchange) -> None:
    if "expected_json" not in command:
        return
    found = difference(command["expected_json"], exchange.json())
    if found:
        where, problem = found
        raise CheckFailed(f"the JSON body does not match expected_json at {where or 'the top'}: {problem}",
                          context=exchange.context)


def _limit(timeout: Any, index: int) -> str:
    value = timeout[index] if isinstance(timeout, tuple) else timeout
    return f"{value:g}s" if value is not None else "the system's own limit"
