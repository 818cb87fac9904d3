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

from pathlib import Path
from typing import Any, Callable, Mapping

import pytest

PASSED = "passed"
FAILED = "failed"
SKIPPED = "skipped"  # its skip_condition held
VERIFY_FAILED = "verify-failed"  # a verify* step failed: the scenario went on
OUTCOMES = (PASSED, FAILED, SKIPPED, VERIFY_FAILED)


class _Masked:
    """An event's parameters, masked on first use only: the console line, the one
    subscriber of every run, never reads them."""

    __slots__ = ("_raw", "_mask", "_shown")

    def __init__(self, raw: Mapping[str, Any], mask: Callable[[Any], Any]):
        self._raw = raw
        self._mask = mask
        self._shown = None

    @property
    def parameters(self) -> Mapping[str, Any]:
        if self._shown is None:
            self._shown = self._mask(self._raw)
        return self._shown


class StepInfo(_Masked):
    """One step about to run (read-only).

    `index` is the step's place in its scenario: "3", or "3.2" for the second
    sub-step of step 3; `depth` is 0 for a scenario's own steps, 1 for their
    sub-steps, and so on. `parameters` are the step as written (unrendered),
    with secret values masked; `StepOutcome.parameters` has them rendered.
    """

    __slots__ = ("path", "line", "index", "depth", "provider", "command", "comment")

    def __init__(self, path: Path, line: int | None, index: str, depth: int, provider: str, command: str,
                 comment: str, written: Mapping[str, Any], mask: Callable[[Any], Any]):
        super().__init__(written, mask)
        self.path, self.line, self.index, self.depth = path, line, index, depth
        self.provider, self.command, self.comment = provider, command, comment

    @property
    def where(self) -> str:
        """`file:line` of the step, as failure messages show it."""
        return f"{self.path}:{self.line}" if self.line else str(self.path)

    def __repr__(self) -> str:
        return f"<StepInfo {self.where} step {self.index} {self.provider}.{self.command}>"


class StepOutcome(_Masked):
    """How a step ended (read-only).

    `status` is one of `OUTCOMES`. `start` is a `time.time()` stamp and
    `duration` is in seconds. `message` is the masked failure text (None unless
    the step failed or a verification in it did). `evidence` names the files
    the step produced (screenshots, page HTML, logs), as `(kind, path)` pairs;
    kind is "screenshot", "html" or "log". `parameters` are the rendered step,
    masked (the written one when it failed before it was rendered).
    """

    __slots__ = ("status", "start", "duration", "evidence", "_error")

    def __init__(self, status: str, start: float, duration: float, rendered: Mapping[str, Any],
                 error: BaseException | str | None, evidence: tuple[tuple[str, Path], ...],
                 mask: Callable[[Any], Any]):
        super().__init__(rendered, mask)
        self.status, self.start, self.duration, self.evidence = status, start, duration, evidence
        self._error = error

    @property
    def message(self) -> str | None:
        error = self._error
        if error is None:
            return None
        text = error if isinstance(error, str) else (str(error) or type(error).__name__)
        return self._mask(text)

    def __repr__(self) -> str:
        return f"<StepOutcome {self.status} in {self.duration * 1000:.1f} ms>"


@pytest.hookspec
def pytest_play_step_start(item: pytest.Item | None, step: StepInfo) -> None:
    """A step is about to run. `item` is the test running it (None outside pytest)."""


@pytest.hookspec
def pytest_play_step_finish(item: pytest.Item | None, step: StepInfo, outcome: StepOutcome) -> None:
    """A step has ended (`outcome.status` says how), before its failure propagates."""
