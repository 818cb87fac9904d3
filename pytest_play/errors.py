"""The exceptions pytest-play raises, and how they are related.

    PlayError                      base of everything raised on purpose
    ├── ScenarioError              a file or step can't be loaded or validated (file:line)
    ├── ExpressionError            an expression can't be evaluated
    │   └── UnsafeExpression       ... because the sandbox refuses it
    ├── UndefinedVariable          a `$name` or expression name that has no value
    ├── StepError                  a provider rejects a step at run time (bad value, ...)
    │   └── PlayTimeout            a wait or the scenario ran out of time
    ├── CheckFailed                an assertion in a step is false (also an AssertionError)
    └── StepFailure                any of the above (or a provider's own exception)
                                   wrapped with the scenario step that raised it

Providers raise whatever suits them; the engine wraps it in `StepFailure` at one
boundary, so messages are formatted once, with the step and secrets masked.
A provider never pastes what it worked on into its message: it passes it as
`context` (as httpx's errors carry their request), which `str(error)` shows
below the message and a report can show as it likes.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any


class PlayError(Exception):
    """Base class of pytest-play's own errors.

    `context` maps the names of what the step worked on (`response`, `results`...)
    to objects whose `str()` describes them for people, credentials masked; it is
    empty for most errors. `message` is the text without them.
    """

    def __init__(self, *args: Any, context: Mapping[str, Any] | None = None):
        super().__init__(*args)
        self.context = dict(context or {})

    @property
    def message(self) -> str:
        return super().__str__()

    def __str__(self) -> str:
        return "\n".join([self.message, *map(str, self.context.values())])


class ScenarioError(PlayError):
    """A scenario file or one of its steps is malformed.

    `problems` holds one or more `(line, message)` pairs, so a validation pass can
    report everything that is wrong in a file at once.
    """

    def __init__(self, path, problems: list[tuple[int | None, str]]):
        self.path = path
        self.problems = problems
        super().__init__(self.format())

    @classmethod
    def single(cls, path, line: int | None, message: str) -> ScenarioError:
        return cls(path, [(line, message)])

    @property
    def line(self) -> int | None:
        return self.problems[0][0]

    def format(self, path_text: str | None = None) -> str:
        shown = path_text if path_text is not None else str(self.path)
        return "\n".join(
            f"{shown}:{line}: {message}" if line else f"{shown}: {message}"
            for line, message in self.problems
        )


class ExpressionError(PlayError):
    """An expression is invalid or failed while being evaluated."""


class UnsafeExpression(ExpressionError):
    """The expression sandbox refused an operation."""


class UndefinedVariable(PlayError):
    """A name that has no value, with the closest known names."""

    def __init__(self, name: str, known: Iterable[str], where: str = "variable"):
        self.name = name
        self.suggestions = suggest(name, known)
        hint = f" (did you mean {_quoted(self.suggestions)}?)" if self.suggestions else ""
        super().__init__(f"undefined {where} {name!r}{hint}")


class StepError(PlayError):
    """A step can't be carried out as written."""


class PlayTimeout(StepError):
    """A bounded wait ran out of time."""


class CheckFailed(PlayError, AssertionError):
    """A step's check is false. `details` maps names to the values that were seen."""

    def __init__(self, message: str, details: dict | None = None, *, context: Mapping[str, Any] | None = None):
        self.details = details or {}
        super().__init__(message, context=context)


class StepFailure(PlayError):
    """A step failed: carries the step, its rendered form and the cause.

    Made with `StepFailure.of()`, which gives a failed check (`CheckFailed`, an
    `AssertionError`) the kind `FailedCheck`: an AssertionError too, so the reports
    that tell a failure from an error (Allure's failed and broken) tell these apart.
    """

    def __init__(self, step, rendered, cause: BaseException):
        self.step = step
        self.rendered = rendered
        self.cause = cause
        super().__init__(f"{step.where()}: {cause}")

    @staticmethod
    def of(step, rendered, cause: BaseException) -> StepFailure:
        kind = FailedCheck if isinstance(cause, AssertionError) else StepFailure
        return kind(step, rendered, cause)


class FailedCheck(StepFailure, AssertionError):
    """A step whose check failed: an assertion, a status or an expected text."""


def suggest(name: str, known: Iterable[str], n: int = 3) -> list[str]:
    """The known names closest to `name`, best first."""
    known = list(known)
    matches = difflib.get_close_matches(name, known, n=n, cutoff=0.6)
    if not matches:
        lowered = {k.lower(): k for k in known}
        matches = [lowered[m] for m in difflib.get_close_matches(name.lower(), lowered, n=n)]
    return matches


def _quoted(names: list[str]) -> str:
    quoted = [repr(n) for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def did_you_mean(name: str, known: Iterable[str]) -> str:
    """' (did you mean 'x'?)' or '' when nothing is close."""
    matches = suggest(name, known)
    return f" (did you mean {_quoted(matches)}?)" if matches else ""
