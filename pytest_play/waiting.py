"""The one poll-until-timeout loop, used by `wait_until`, browser auto-waits and retried checks."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from .errors import PlayTimeout

_MISSING = object()


def poll(attempt: Callable[[], tuple[bool, Any]], *, timeout: float | None, interval: float,
         waiting_for: str, retry_on: tuple[type[BaseException], ...] = ()) -> Any:
    """Call `attempt()` until it returns `(True, value)`; return that value.

    `attempt` returns `(done, seen)`: `seen` is what the timeout message shows.
    Exceptions in `retry_on` count as "not yet" and are shown as the last thing
    seen. `timeout` None or 0 waits without limit; `interval` 0 polls without pause.
    """
    deadline = time.monotonic() + timeout if timeout else None
    seen: Any = _MISSING
    while True:
        try:
            done, seen = attempt()
        except retry_on as exc:
            done, seen = False, exc
        if done:
            return seen
        if deadline is not None and time.monotonic() >= deadline:
            raise PlayTimeout(f"timed out after {timeout:g}s waiting for {waiting_for}; last seen: {describe(seen)}")
        if interval:
            remaining = deadline - time.monotonic() if deadline is not None else interval
            time.sleep(max(0.0, min(interval, remaining)))


def describe(seen: Any) -> str:
    if seen is _MISSING:
        return "nothing"
    if isinstance(seen, BaseException):
        text = str(seen).strip().splitlines()[0] if str(seen).strip() else ""
        return f"{type(seen).__name__}: {text}" if text else type(seen).__name__
    text = repr(seen)
    return text if len(text) <= 200 else text[:197] + "..."
