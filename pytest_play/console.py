"""The `[play]` line of each step, in the test's output (captured stdout, JUnit system-out)::

    [play] step 3 assert (first check): ok in 0.1 ms

A subscriber of the step events like any other (hookspecs.py). The line names
the step by its index, command and comment, so only a comment can carry a secret
value: a line without one skips the masking of the test's output streams, which
for 20,000 steps would cost more than running them.
"""

from __future__ import annotations

import sys

from .hookspecs import FAILED, PASSED, SKIPPED, VERIFY_FAILED, StepInfo, StepOutcome

_SHOWN = {PASSED: "ok", FAILED: "failed", SKIPPED: "skipped by skip_condition", VERIFY_FAILED: "verification failed"}


def step_line(step: StepInfo, outcome: StepOutcome) -> str:
    comment = f" ({step.comment})" if step.comment else ""
    return (f"[play] step {step.index} {step.command}{comment}: "
            f"{_SHOWN[outcome.status]} in {outcome.duration * 1000:.1f} ms\n")


def pytest_play_step_finish(item, step: StepInfo, outcome: StepOutcome) -> None:
    stream = sys.stdout
    write = stream.write if step.comment else getattr(stream, "write_unmasked", stream.write)
    write(step_line(step, outcome))
