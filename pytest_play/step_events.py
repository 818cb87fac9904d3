"""The engine's side of the step events (hookspecs.py): who hears of each step.

Under pytest, the subscribers are the implementations of the two hooks; the
engine is given them once per test, and a hook nobody implements is not called
at all. Without pytest (an `Engine` built by hand), the `[play]` line of each
step is the only subscriber.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any

from .hookspecs import StepInfo, StepOutcome
from .console import step_line


class StepEvents:
    """`start(step)` and `finish(step, outcome)`, either of them None when nobody listens."""

    __slots__ = ("start", "finish")

    def __init__(self, start: Callable[[StepInfo], Any] | None = None,
                 finish: Callable[[StepInfo, StepOutcome], Any] | None = None):
        self.start = start
        self.finish = finish


def hook_events(item) -> StepEvents:
    """The pytest hooks, for the steps of test `item`."""
    hook = item.config.hook
    return StepEvents(_caller(hook.pytest_play_step_start, item), _caller(hook.pytest_play_step_finish, item))


def _caller(hook, item) -> Callable | None:
    """A function that calls `hook`'s implementations for `item`'s steps; None when there are none.

    A hook with a single plain implementation (the `[play]` lines, with no report
    plugin active) has it called directly: pluggy's dispatch would cost a fifth of
    what a core step costs. Anything else goes through pluggy.
    """
    impls = hook.get_hookimpls()
    if not impls:
        return None
    full = ("item", "step") if hook.name == "pytest_play_step_start" else ("item", "step", "outcome")
    if len(impls) == 1 and not (impls[0].hookwrapper or impls[0].wrapper) and impls[0].argnames == full:
        return functools.partial(impls[0].function, item)
    if hook.name == "pytest_play_step_start":
        return lambda step: hook(item=item, step=step)
    return lambda step, outcome: hook(item=item, step=step, outcome=outcome)


def console_events(output=None) -> StepEvents:
    """The `[play]` line of each step, written to `output` (default: sys.stdout at the time)."""

    def finish(step: StepInfo, outcome: StepOutcome) -> None:
        (output or sys.stdout).write(step_line(step, outcome))

    return StepEvents(finish=finish)
