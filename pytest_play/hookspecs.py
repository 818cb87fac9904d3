"""Step events: the hooks pytest-play calls around every step it runs.

Every step emits one `pytest_play_step_start` and one `pytest_play_step_finish`,
sub-steps included (those of `include`, `wait_until`, `while`, `verify*`, and
steps a Python step runs through the `play` fixture). The `[play]` console
lines, the JUnit properties and attachments and the HTML and Allure reports are
all subscribers of these two hooks; a plugin of yours can be one too::

    # conftest.py
    def pytest_play_step_finish(item, step, outcome):
        if outcome.duration > 1.0:
            print(f"slow: {step.where} {step.command} took {outcome.duration:.1f}s")

The hooks are declared with `pytest_addhooks` (see `plugin.py`), so pytest
checks the names and arguments of their implementations. They are called
in the test's process (an xdist worker, under `-n`): a subscriber that writes a
file per test works unchanged; one that gathers a whole run's results reads
them from `pytest_runtest_logreport` on the controller instead.

A step's `parameters` are masked: a secret value of the test (see `secrets.py`)
never reaches a subscriber, nor does a failure message that quotes one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import pytest

PASSED = "passed"
FAILED = "failed"
SKIPPED = "skipped"  # its skip_condition held
VERIFY_FAILED = "verify-failed"  # a verify* step failed: the scenario went on
OUTCOMES = (PASSED, FAILED, SKIPPED, VERIFY_FAILED)


@dataclass(frozen=True)
class StepInfo:
    """One step about to run.

    `index` is the step's place in its scenario, "3" or "3.2" for the second
    sub-step of step 3. `parameters` are the step as written (unrendered),
    with secret values masked; `StepOutcome.parameters` has them rendered.
    """

    path: Path
    line: int | None
    index: str
    provider: str
    command: str
    comment: str
    parameters: Mapping[str, Any]
    depth: int = 0  # 0 for a scenario's own steps, 1 for their sub-steps, ...

    @property
    def where(self) -> str:
        """`file:line` of the step, as failure messages show it."""
        return f"{self.path}:{self.line}" if self.line else str(self.path)


@dataclass(frozen=True)
class StepOutcome:
    """How a step ended.

    `status` is one of `OUTCOMES`. `start` is a `time.time()` stamp and
    `duration` is in seconds. `message` is the masked failure text (None when the
    step passed). `evidence` names the files the step produced (screenshots, page
    HTML, logs), as `(kind, path)` pairs: kind is "screenshot", "html" or "log".
    """

    status: str
    start: float
    duration: float
    parameters: Mapping[str, Any]
    message: str | None = None
    evidence: tuple[tuple[str, Path], ...] = field(default=())


@pytest.hookspec
def pytest_play_step_start(item: pytest.Item | None, step: StepInfo) -> None:
    """A step is about to run. `item` is the test running it (None outside pytest)."""


@pytest.hookspec
def pytest_play_step_finish(item: pytest.Item | None, step: StepInfo, outcome: StepOutcome) -> None:
    """A step has ended (`outcome.status` says how), before its failure propagates."""
