"""One HTTP exchange (request, response, time taken) described for logs and failures, credentials masked."""

from __future__ import annotations

import json
from typing import Any

from ...errors import StepError
from ...secrets import Masker, mask_fields, mask_url, masked_header

BODY_PREVIEW = 500
# Headers every response carries: noise in a failure message (and so are
# requests' own default request headers, left out too).
_DULL_RESPONSE_HEADERS = frozenset({"date", "server", "connection", "keep-alive"})
_TEXT_TYPES = ("text/", "json", "xml", "javascript", "x-www-form-urlencoded")
_MISSING = object()


class Exchange:
    """A response and how long it took; `str()` describes it in four lines, credentials masked.

    It is the `response` of an HTTP step's error context.
    """

    def __init__(self, response, elapsed: float, masker: Masker):
        self.response = response
        self.elapsed = elapsed
        self.masker = masker
        self._json: Any = _MISSING

    @property
    def context(self) -> dict[str, Exchange]:
        """The error context of a step that failed on this exchange."""
        return {"response": self}

    def headline(self) -> str:
        response = self.response
        redirects = f" (after {len(response.history)} redirects)" if response.history else ""
        return self.masker(f"{response.request.method} {mask_url(response.url)} -> {response.status_code} "
                           f"{response.reason or ''}".rstrip() + f" in {duration(self.elapsed)}{redirects}")

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
                raise StepError(f"the response body is not JSON ({kind})", context=self.context) from None
        return self._json

    def search(self, expression: str) -> Any:
        """The value of a JMESPath expression over the JSON body."""
        import jmespath
        from jmespath.exceptions import JMESPathError

        try:
            compiled = jmespath.compile(expression)
        except JMESPathError as exc:
            raise StepError(f"invalid jmespath {expression!r}: {exc}") from None
        value = compiled.search(self.json())
        if value is None:
            raise StepError(f"jmespath {expression!r} matched nothing in the response body", context=self.context)
        return value

    def body_preview(self) -> str:
        response = self.response
        if not response.content:
            return "(empty)"
        content_type = response.headers.get("Content-Type", "")
        try:
            text = json.dumps(mask_fields(response.json()), ensure_ascii=False)
        except ValueError:
            if content_type and not any(kind in content_type for kind in _TEXT_TYPES):
                return f"({len(response.content)} bytes of {content_type})"
            text = response.text
        if len(text) > BODY_PREVIEW:
            return f"{text[:BODY_PREVIEW]}... ({len(text)} characters)"
        return text


def _headers(headers, dull: frozenset = frozenset()) -> str:
    shown = {name: masked_header(name, value) for name, value in headers.items() if name.lower() not in dull}
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


def duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.2f} s"
