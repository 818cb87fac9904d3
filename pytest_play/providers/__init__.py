"""The provider protocol: `BaseProvider`, and how commands declare their parameters.

A provider is a class built with the engine (`Provider(engine)`); each method
`command_<type>(command, **kwargs)` is a command. Providers are registered under
the `playcommands` entry point group, exactly as in pytest-play. Declaring the
parameters is optional; when a command declares them, the engine validates steps
before running anything, and the JSON Schema and README reference are built from
the same declarations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["BaseProvider", "Param", "command"]

_KINDS = {
    str: "string", int: "integer", float: "number", bool: "boolean",
    dict: "mapping", list: "list", object: "any",
}
_CHECKS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "expression": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "mapping": lambda v: isinstance(v, dict),
    "list": lambda v: isinstance(v, list),
    "steps": lambda v: isinstance(v, list),
    "locator": lambda v: isinstance(v, dict),
    "any": lambda v: True,
}


class Param:
    """One parameter of a command.

    `kind` is a name ("string", "expression", "number", "integer", "boolean",
    "mapping", "list", "steps", "locator", "any"), a Python type, or a tuple of
    them. "steps" values are lists of sub-steps: validated like steps and rendered
    only when run. "expression" values are always rendered to text, so
    `$name` inside them is replaced by the value's text, as in pytest-play.
    """

    __slots__ = ("kinds", "required", "default", "doc", "render", "choices")

    def __init__(self, kind: Any = "string", *, required: bool = True, default: Any = None,
                 doc: str = "", render: bool | None = None, choices: tuple | None = None):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        self.kinds = tuple(_KINDS.get(k, k) if isinstance(k, type) else k for k in kinds)
        unknown = [k for k in self.kinds if k not in _CHECKS]
        if unknown:
            raise ValueError(f"unknown parameter kind {unknown[0]!r}")
        self.required = required
        self.default = default
        self.doc = doc
        self.render = render if render is not None else "steps" not in self.kinds
        self.choices = choices

    def accepts(self, value: Any) -> bool:
        if self.choices is not None and value not in self.choices:
            return False
        return any(_CHECKS[k](value) for k in self.kinds)

    def describe(self) -> str:
        if self.choices is not None:
            return " or ".join(repr(c) for c in self.choices)
        return " or ".join(self.kinds)


def command(**params: Param) -> Callable:
    """Declare the parameters of a `command_<type>` method."""

    def decorate(method: Callable) -> Callable:
        method.play_params = params
        return method

    return decorate


class BaseProvider:
    """Base class of command providers.

    `common_params` are accepted by every command of the provider (for example the
    browser's `condition`).
    """

    common_params: dict[str, Param] = {}

    def __init__(self, engine):
        self.engine = engine
