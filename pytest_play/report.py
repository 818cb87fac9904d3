"""The failure report of a scenario step: where it failed, what was rendered, and the cause."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from .errors import PlayError, StepFailure
from .loader import Step


def display_path(config: pytest.Config, path: Path) -> str:
    try:
        return os.path.relpath(path, config.invocation_params.dir)
    except ValueError:
        return str(path)


def format_step_failure(failure: StepFailure, config: pytest.Config) -> str:
    step: Step = failure.step
    where = f"{display_path(config, step.path)}:{step.line}" if step.line else display_path(config, step.path)
    comment = f" ({step.comment})" if step.comment else ""
    lines = [f"{where}: step {step.label}{comment} failed", f"  step: {_compact(failure.rendered)}"]
    cause = failure.cause
    lines.append(f"  {_cause_text(cause)}")
    for name, value in getattr(cause, "details", {}).items():
        lines.append(f"    {name} = {_short(value)}")
    return "\n".join(lines)


def _cause_text(cause: BaseException) -> str:
    message = str(cause).strip()
    if isinstance(cause, PlayError):
        return message.replace("\n", "\n  ")
    name = "AssertionError" if isinstance(cause, AssertionError) else type(cause).__name__
    first = message.splitlines()[0] if message else ""
    return f"{name}: {first}" if first else name


def _compact(command: Any) -> str:
    if not isinstance(command, dict):
        return _short(command)
    shown = {k: v for k, v in command.items() if k != "comment"}
    try:
        text = json.dumps(shown, default=repr, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(shown)
    return text if len(text) <= 500 else text[:497] + "..."


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
