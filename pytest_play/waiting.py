"""Bounded time: the one poll-until-timeout loop (`wait_until`, browser auto-waits,
retried checks) and the one alarm that interrupts a step running too long."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

from .errors import PlayTimeout

_MISSING = object()


class _Alarm:
    """One alarm in force: its length, and whether it has fired (so a loop that
    swallowed its exception still stops)."""

    __slots__ = ("seconds", "expired", "fired")

    def __init__(self, seconds: float, expired: Callable[[], BaseException]):
        self.seconds, self.expired, self.fired = seconds, expired, False


_SET: list[_Alarm] = []  # the alarms set by `alarm`, outermost first; SIGALRM is one per process


class WaitTimeout(PlayTimeout):
    """`poll` ran out of time; `seen` is what it saw last."""

    def __init__(self, message: str, seen: Any):
        super().__init__(message)
        self.seen = seen


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
        check_alarms()
        if deadline is not None and time.monotonic() >= deadline:
            raise WaitTimeout(f"timed out after {timeout:g}s waiting for {waiting_for}; last seen: {describe(seen)}",
                              seen)
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


@contextlib.contextmanager
def alarm(seconds: float | None, expired: Callable[[], BaseException]) -> Iterator[None]:
    """Raise `expired()` in the block's code if it still runs after `seconds`.

    Uses SIGALRM, so it acts only in the main thread (elsewhere, and with no
    `seconds`, the block just runs). An alarm already set by an outer block
    keeps its place: if it comes first nothing changes, otherwise it is put
    back afterwards with the time it has left.
    """
    if not seconds or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return
    outer, interval = signal.getitimer(signal.ITIMER_REAL)
    if outer and outer <= seconds:
        yield
        return

    record = _Alarm(seconds, expired)

    def expire(signum, frame):
        record.fired = True
        raise expired()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    start = time.monotonic()
    _SET.append(record)
    try:
        yield
    finally:
        _SET.remove(record)
        try:  # the alarm may still fire here: put everything back anyway
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, previous if previous is not None else signal.SIG_DFL)
            if outer:
                signal.setitimer(signal.ITIMER_REAL, max(outer - (time.monotonic() - start), 0.001), interval)


def time_left() -> tuple[float, float] | None:
    """(seconds left, seconds it was set to) of the alarm that fires next; None when none is set."""
    if not _SET or threading.current_thread() is not threading.main_thread():
        return None
    left, _ = signal.getitimer(signal.ITIMER_REAL)
    return (left, _SET[-1].seconds) if left else None


def check_alarms() -> None:
    """Raise again the exception of an alarm that has fired, in case some code caught it."""
    for record in _SET:
        if record.fired:
            raise record.expired()


def sleep(seconds: float, what: str = "sleep") -> None:
    """`time.sleep`, refused at once when the alarm in force would cut it short."""
    limit = time_left()
    if limit is not None and seconds > limit[0]:
        raise PlayTimeout(f"{what} of {seconds:g}s is longer than the time left of the time limit "
                          f"({limit[0]:.1f}s of {limit[1]:g}s)")
    time.sleep(seconds)
