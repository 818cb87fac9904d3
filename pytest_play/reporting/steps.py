"""The step events of the running test, kept for the reports that show steps.

`StepRecorder` is registered only when a report that shows steps is written
(`--html`, `--alluredir`, `--junitxml`, `--durations`), so a plain run pays
nothing for it. It keeps each finished step's `(StepInfo, StepOutcome)` in the
test's stash; the reports read them when the test's call report is made, and
they are let go at the test's teardown.
"""

from __future__ import annotations

import json

import pytest

from ..hookspecs import FAILED, VERIFY_FAILED
from ..report import cut, render

MAX_STEPS = 1000  # per test; past it only failing steps are kept (and counted)
SHOWN_KEYS = ("type", "provider", "comment")  # shown in their own columns, not as parameters


class StepLog:
    """One test's finished steps, as the events gave them."""

    def __init__(self):
        self.finished: list[tuple] = []
        self.left_out = 0

    def add(self, step, outcome) -> None:
        if len(self.finished) < MAX_STEPS or outcome.status in (FAILED, VERIFY_FAILED):
            self.finished.append((step, outcome))
        else:
            self.left_out += 1

    def in_order(self) -> list[tuple]:
        """The steps in the order they started (a step finishes after its sub-steps)."""
        return sorted(self.finished, key=lambda pair: (pair[1].start, pair[0].depth))

    def slowest(self, count: int) -> list[tuple]:
        """The slowest steps without sub-steps (an include's time is that of its steps)."""
        ordered = self.in_order()
        leaves = [pair for pair, following in zip(ordered, ordered[1:] + [None])
                  if following is None or following[0].depth <= pair[0].depth]
        return sorted(leaves, key=lambda pair: -pair[1].duration)[:count]


STEPS = pytest.StashKey[StepLog]()


def step_log(item) -> StepLog | None:
    return item.stash.get(STEPS, None) if item is not None else None


class StepRecorder:
    """Subscriber of `pytest_play_step_finish`: keeps the test's steps in `item.stash`."""

    @pytest.hookimpl
    def pytest_play_step_finish(self, item, step, outcome) -> None:
        if item is None:
            return
        log = item.stash.get(STEPS, None)
        if log is None:
            log = item.stash[STEPS] = StepLog()
        log.add(step, outcome)

    @pytest.hookimpl(wrapper=True)
    def pytest_runtest_teardown(self, item):
        """The reports read the steps when the call's report is made: let them go after it."""
        try:
            return (yield)
        finally:
            if STEPS in item.stash:
                del item.stash[STEPS]


def parameters_text(parameters, limit: int = 300) -> str:
    """A step's parameters (already masked) as short JSON, without type, provider and comment."""
    shown = {key: value for key, value in dict(parameters).items() if key not in SHOWN_KEYS}
    if not shown:
        return ""
    return cut(render(shown, limit * 2, as_json=True), limit)


def value_text(value, limit: int = 300) -> str:
    """One parameter value as a report shows it: text as it is, anything else as JSON."""
    if isinstance(value, str):
        return cut(value, limit)
    try:
        return cut(json.dumps(value, ensure_ascii=False, default=str), limit)
    except (TypeError, ValueError, RecursionError):
        return cut(render(value, limit * 2), limit)


def step_title(step) -> str:
    """`3.2 clickElement: log in`: index, command and comment."""
    comment = f": {step.comment}" if step.comment else ""
    return f"{step.index} {step.command}{comment}"
