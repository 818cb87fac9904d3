"""The rules every provider's steps share: storing and asserting, timeouts, expected values, error reasons.

A rule lives here once, so `variable`, `variable_expression`, `assertion`,
`timeout` and `expected_*` mean the same thing, and fail with the same words,
in every provider:

- `variable` stores the value of its source (`variable_expression`, or a
  provider's own such as `jmespath`); a source without `variable` is refused.
- `variable_expression` and `assertion` are expressions over the step's names
  (`response`, `results`...); when one can't be evaluated the step fails with
  "<key> failed: <why>", and a false `assertion` with "assertion is false: ...".
- `timeout` is a number of seconds; 0 means no limit, as in selenium and Playwright.
- a message `payload` is sent as is when it is text, as JSON otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .errors import CheckFailed, ExpressionError, StepError, UndefinedVariable
from .protocol import Param
from .secrets import is_secret_name

if TYPE_CHECKING:  # pragma: no cover - for the annotations only
    from .protocol import EngineProtocol

_MISSING = object()
PAYLOAD = Param(("string", "number", "boolean", "mapping", "list"),
                doc="the message: text as is; anything else (a mapping, a list, a number) is sent as JSON")


# --- store, extract, assert -----------------------------------------------------------


def check_storing(command: Mapping[str, Any], sources: Sequence[str] = ("variable_expression",), *,
                  optional: bool = False) -> None:
    """`variable` goes with exactly one of `sources` (or none, when the provider stores a default).

    Call it before the step does its work, so a malformed step sends nothing.
    """
    given = [key for key in sources if command.get(key) is not None]
    if command.get("variable") is None:
        if given:
            raise StepError(f"{given[0]!r} needs 'variable' (the name to store the value in)")
    elif len(given) > 1 or not (given or optional):
        raise StepError(f"'variable' needs {_one_of(sources)}")


def evaluate(engine: EngineProtocol, key: str, expression: str, names: Mapping[str, Any], *,
             context: Mapping[str, Any] | None = None) -> Any:
    """The value of the step's `key` expression; StepError "<key> failed: ..." when it can't be had."""
    try:
        return engine.evaluate(expression, **names)
    except (ExpressionError, UndefinedVariable) as exc:
        raise StepError(f"{key} failed: {exc}", context=context) from None


def store(engine: EngineProtocol, command: Mapping[str, Any], names: Mapping[str, Any], *, value: Any = _MISSING,
          default: Any = _MISSING, context: Mapping[str, Any] | None = None) -> None:
    """Set the step's `variable` to `value` (a provider's own source), else to the value of
    `variable_expression`, else to `default`. Nothing happens without `variable`."""
    variable = command.get("variable")
    if variable is None:
        return
    if value is _MISSING:
        expression = command.get("variable_expression")
        if expression is not None:
            value = evaluate(engine, "variable_expression", expression, names, context=context)
        elif default is not _MISSING:
            value = default
        else:
            raise StepError("'variable' needs 'variable_expression'")
    engine.update_variables({variable: value})


def check_assertion(engine: EngineProtocol, command: Mapping[str, Any], names: Mapping[str, Any], *,
                    context: Mapping[str, Any] | None = None) -> None:
    """Fail unless the step's `assertion` (if any) is true."""
    assertion = command.get("assertion")
    if assertion is None:
        return
    value = evaluate(engine, "assertion", assertion, names, context=context)
    if not value:
        assertion_failed(engine, assertion, names, context=context)


def assertion_failed(engine: EngineProtocol, expression: str, names: Mapping[str, Any], *,
                     context: Mapping[str, Any] | None = None):
    """Raise CheckFailed for a false `expression`, with the values of its names.

    Names the context describes are left out of the values: the context shows more.
    """
    context = context or {}
    details = {name: value for name, value in engine.names_in(expression, **names).items() if name not in context}
    raise CheckFailed(f"assertion is false: {_shown(engine, expression)}", details, context=context)


def _shown(engine: EngineProtocol, expression: str) -> str:
    """The expression as it reads with the values of its `$references` now (they are values,
    not text, when it is evaluated; the step may have stored one of them)."""
    compiled = getattr(expression, "compiled", None)
    shown = getattr(compiled, "shown", None)
    return shown(engine.variables) if shown is not None else expression


def _one_of(keys: Sequence[str]) -> str:
    quoted = [repr(key) for key in keys]
    if len(quoted) == 1:
        return quoted[0]
    return "exactly one of " + ", ".join(quoted[:-1]) + " or " + quoted[-1]


# --- timeouts -------------------------------------------------------------------------


def timeout_seconds(value: Any, name: str = "timeout") -> float | None:
    """A timeout in seconds, None for no limit (0); StepError for anything else than a number >= 0.

    `name` says where the value was written, e.g. `parameters.timeout`.
    """
    seconds = _seconds(value)
    if seconds is None:
        raise StepError(f"{name} must be a number of seconds (0 for no limit), not {value!r}")
    return seconds or None


def timeout_pair(value: Any, name: str = "timeout") -> float | tuple[float | None, float | None] | None:
    """Like `timeout_seconds`, also accepting `[connect, read]` (each 0 for no limit)."""
    parts = value if isinstance(value, (list, tuple)) else [value]
    seconds = [_seconds(part) for part in parts]
    if len(parts) not in (1, 2) or None in seconds:
        raise StepError(f"{name} must be a number of seconds (0 for no limit) or [connect, read], not {value!r}")
    if len(seconds) == 1:
        return seconds[0] or None
    return tuple(part or None for part in seconds)


def _seconds(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        return None
    return seconds if seconds >= 0 else None


def shown_seconds(seconds: float | None) -> str:
    """'0.5s', or 'no limit'."""
    return "no limit" if seconds is None else f"{seconds:g}s"


# --- expected values --------------------------------------------------------------------


def difference(expected: Any, actual: Any, where: str = "") -> tuple[str, str] | None:
    """The first place where `actual` does not match `expected`, as (path, problem).

    Mappings match when `actual` has at least the expected keys, lists item by item,
    other values when equal (True is not 1). Values of secret-named keys are not shown.
    """
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return where, f"expected a mapping, got {brief(actual)}"
        for key, value in expected.items():
            inner = f"{where}.{key}" if where else str(key)
            if key not in actual:
                return inner, "missing"
            found = difference(value, actual[key], inner)
            if found:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return where, f"expected a list, got {brief(actual)}"
        if len(expected) != len(actual):
            return where, f"expected {len(expected)} items, got {len(actual)}"
        for index, (value, found_value) in enumerate(zip(expected, actual)):
            found = difference(value, found_value, f"{where}[{index}]")
            if found:
                return found
        return None
    if expected != actual or isinstance(expected, bool) != isinstance(actual, bool):
        if is_secret_name(where.rsplit(".", 1)[-1]):
            return where, "the value differs (secret, not shown)"
        return where, f"expected {expected!r}, got {brief(actual)}"
    return None


def brief(value: Any, limit: int = 80) -> str:
    """`repr(value)`, cut to `limit` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def message_text(payload: Any) -> str:
    """The text of a message `payload`: text as is, anything else as JSON."""
    return payload if isinstance(payload, str) else json.dumps(payload)


# --- error reasons ----------------------------------------------------------------------


def reason(exc: BaseException) -> str:
    """Why a connection failed, in one line: 'Connection refused', not '[Errno 111] Connection refused'."""
    text = getattr(exc, "strerror", None) or str(exc)
    # websocket-client wraps some OSErrors, keeping their "[Errno -2] " prefix.
    text = re.sub(r"^\[Errno -?\d+\] ", "", text)
    return text.splitlines()[0] if text.strip() else type(exc).__name__
