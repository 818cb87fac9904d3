"""JUnit XML for Jenkins and GitLab: failing steps' evidence and step durations.

Registered when `--junitxml` is given:

- each evidence file a step names (a failing step's; with DEBUG, every browser
  step's screenshot and the console log) is named once on a line
  `[[ATTACHMENT|/abs/path]]` of the test's output, which the JUnit XML has
  as `system-out` when `junit_logging` is `system-out` or `all` (the Jenkins
  JUnit Attachments plugin and GitLab read those lines);
- each step's duration in seconds is a property `step 3.2 clickElement`
  (at most `MAX_PROPERTIES` a test, then `steps not listed` counts the rest),
  after the properties the scenario recorded itself.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from .steps import step_log

MAX_PROPERTIES = 200
_NAMED = pytest.StashKey[set]()  # the evidence files a test's output has named


class JunitSteps:
    @pytest.hookimpl
    def pytest_play_step_finish(self, item, step, outcome) -> None:
        """Name each evidence file once a test: a failing step's, or with DEBUG every browser step's."""
        if not outcome.evidence or item is None:
            return
        named = item.stash.setdefault(_NAMED, set())
        for _kind, path in outcome.evidence:
            if str(path) not in named:
                named.add(str(path))
                print(attachment_line(path), file=sys.stdout)

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call) -> None:
        if call.when != "call":
            return
        log = step_log(item)
        if log is None:
            return
        steps = log.in_order()
        for step, outcome in steps[:MAX_PROPERTIES]:
            item.user_properties.append((f"step {step.index} {step.command}", round(outcome.duration, 4)))
        not_listed = max(len(steps) - MAX_PROPERTIES, 0) + log.left_out
        if not_listed:
            item.user_properties.append(("steps not listed", not_listed))


def attachment_line(path) -> str:
    """The line the Jenkins JUnit Attachments plugin reads: an absolute path."""
    return f"[[ATTACHMENT|{Path(path).resolve()}]]"
