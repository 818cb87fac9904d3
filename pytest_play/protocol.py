"""The provider protocol: what a provider is, how its commands declare their parameters,
and the whole engine surface a provider may use.

A provider is a class built with the engine (`Provider(engine)`); each method
`command_<type>(command, **kwargs)` is a command. Providers are registered under
the `playcommands` entry point group, exactly as in pytest-play. Declaring the
parameters is optional; when a command declares them, steps are checked (and
their parameters parsed) at collection, and the JSON Schema and README reference
are built from the same declarations.

A provider reaches the test only through `self.engine`, whose members are listed,
with what they promise, by `EngineProtocol` below (as pluggy's hookspecs list
what a plugin may implement). Anything else on the engine may change.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from .errors import PlayError
from .expressions import compile_expression

if TYPE_CHECKING:  # pragma: no cover - for the annotations only
    from pathlib import Path

    from .loader import Step
    from .secrets import Masker
    from .trust import Policy

__all__ = ["BaseProvider", "EngineProtocol", "Param", "ParameterError", "command"]

_KINDS = {
    str: "string", int: "integer", float: "number", bool: "boolean",
    dict: "mapping", list: "list", object: "any",
}
# The Python types each kind accepts (a bool is never an "integer" or a "number").
_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "expression": (str,), "integer": (int,), "number": (int, float), "boolean": (bool,),
    "mapping": (dict,), "list": (list,), "steps": (list,), "locator": (dict,), "any": (object,),
}


class ParameterError(PlayError):
    """A parameter's value can't be what its kind needs (raised by `Param.parse`)."""


def _parse_expression(value: str) -> Any:
    return compile_expression(value)


# How a value of each kind is parsed once, at collection (kinds not listed: as written,
# unless the Param is given `parse=`; the browser's locator Params pass the browser's
# locator grammar, `providers.selenium.locators.parse_locator`).
_PARSERS: dict[str, Callable[[Any], Any]] = {"expression": _parse_expression}


class Param:
    """One parameter of a command.

    `kind` is a name ("string", "expression", "number", "integer", "boolean",
    "mapping", "list", "steps", "locator", "any"), a Python type, or a tuple of
    them. "steps" values are lists of sub-steps: validated like steps and rendered
    only when run. In an "expression" value, `$name` is the variable's value (inside
    quotes, its text), never source text (see `expression_templates`).
    `parse` (a callable) replaces the kind's own parser (see `parse()`).
    """

    __slots__ = ("kinds", "required", "default", "doc", "render", "choices", "parser", "parses", "_types", "_bools")

    def __init__(self, kind: Any = "string", *, required: bool = True, default: Any = None,
                 doc: str = "", render: bool | None = None, choices: tuple | None = None,
                 parse: Callable[[Any], Any] | None = None):
        kinds = kind if isinstance(kind, tuple) else (kind,)
        self.kinds = tuple(_KINDS.get(k, k) if isinstance(k, type) else k for k in kinds)
        unknown = [k for k in self.kinds if k not in _TYPES]
        if unknown:
            raise ValueError(f"unknown parameter kind {unknown[0]!r}")
        self.required = required
        self.default = default
        self.doc = doc
        self.render = render if render is not None else "steps" not in self.kinds
        self.choices = choices
        self.parser = parse
        #: Whether `parse()` does more than return the value.
        self.parses = parse is not None or any(k in _PARSERS for k in self.kinds)
        # `accepts` in one isinstance: the types of the kinds, and whether a bool
        # may pass as one (it is an int, but not an "integer" or a "number").
        self._types = tuple({t for k in self.kinds for t in _TYPES[k]})
        self._bools = "boolean" in self.kinds or "any" in self.kinds

    def accepts(self, value: Any) -> bool:
        if self.choices is not None and value not in self.choices:
            return False
        return isinstance(value, self._types) and (self._bools or value.__class__ is not bool)

    def describe(self) -> str:
        if self.choices is not None:
            return " or ".join(repr(c) for c in self.choices)
        return " or ".join(self.kinds)

    def parse(self, value: Any) -> Any:
        """`value` (accepted, with nothing left to render) as the command uses it.

        Called once, at collection: an expression is compiled, a locator becomes
        the browser's `Locator`. Raises `ParameterError` with the reason when the
        value can't be parsed. Kinds without a parser return the value as written.
        """
        parser = self.parser
        if parser is None:
            parser = next((_PARSERS[k] for k in self.kinds if k in _PARSERS and isinstance(value, _TYPES[k])), None)
            if parser is None:
                return value
        try:
            return parser(value)
        except PlayError as exc:
            raise ParameterError(str(exc)) from None


def command(**params: Param) -> Callable:
    """Declare the parameters of a `command_<type>` method."""

    def decorate(method: Callable) -> Callable:
        method.play_params = params
        return method

    return decorate


class BaseProvider:
    """Base class of command providers.

    `common_params` are accepted by every command of the provider (for example the
    browser's `condition`). `self.engine` offers what `EngineProtocol` lists.
    """

    common_params: dict[str, Param] = {}

    def __init__(self, engine: EngineProtocol):
        self.engine = engine


class EngineProtocol(Protocol):
    """Everything of the engine a provider (and the `play` fixture) may use.

    One engine runs one test; its variables live as long as the test.
    """

    #: The test's variables (`--variables` files, test data row, stored values), by name.
    variables: dict[str, Any]
    #: The step being run (its `path`, `line`, `label`, `where()`), or None between steps.
    current_step: Step | None
    #: The pytest `FixtureRequest` of the test (fixtures, `config`, `node`), or None
    #: when the engine runs outside pytest.
    request: Any
    #: What the steps may touch (`trust.Policy`): ask `readable(path)`, `writable(path)`,
    #: `reachable(url)`, `database(url)` before reading or writing a file or reaching the
    #: network; each returns the checked value or raises `trust.Refused`. Committed
    #: scenarios get a policy that allows everything, pasted ones the untrusted policy.
    policy: Policy

    def update_variables(self, extra_variables: Mapping[str, Any]) -> None:
        """Set (or replace) variables: later steps see them as `$name` and in expressions."""

    def register_teardown_callback(self, callback: Callable[[], Any]) -> None:
        """Call `callback()` when the test ends, last registered first (each one once)."""

    def parametrize(self, data: Any) -> Any:
        """`data` with `$variables` and `{! expressions !}` rendered; a whole-value
        reference keeps the value's type."""

    def parametrize_text(self, text: str) -> str:
        """`text` rendered, always as text (for expressions rendered on each attempt)."""

    def evaluate(self, expression: str, **names: Any) -> Any:
        """The value of a sandboxed expression; `names` first, then variables, then helpers."""

    def names_in(self, expression: str, **names: Any) -> dict[str, Any]:
        """The values of the names an expression uses: the details of a failed check."""

    def parsed(self, name: str, default: Any = None) -> Any:
        """Parameter `name` of the current step as its `Param.parse()` made it at
        collection, or `default` when it had to wait for rendering (or has no parser)."""

    def execute_command(self, command: Mapping[str, Any], **kwargs: Any) -> Any:
        """Run one step given as a mapping (checked first); `kwargs` are names its
        expressions see. Returns what the command returns."""

    def run_steps(self, steps: Iterable[Step]) -> None:
        """Run steps (from `loader.make_steps`, e.g. a command's sub-steps) in order."""

    def execute(self, data: Any, extra_variables: Mapping[str, Any] | None = None) -> None:
        """Run parsed steps: a list of steps, or a mapping with `steps`."""

    def execute_raw(self, data: str, extra_variables: Mapping[str, Any] | None = None) -> None:
        """Run a scenario given as JSON or YAML text."""

    def include(self, reference: str) -> None:
        """Run the steps of another scenario file (relative to the including one),
        sharing this test's variables; refuses include cycles."""

    def soft_fail(self, message: str) -> None:
        """Record a failed verification: the scenario goes on and fails at its end."""

    def log(self, message: str) -> None:
        """Show a `[play]` line in the test's captured output."""

    def attach(self, kind: str, path: Path | str) -> None:
        """Name a file the current step produced as its evidence (`kind`: "screenshot",
        "html" or "log"): the step events carry it, and reports attach it to the step."""

    def masker(self, *extra: Iterable[str]) -> Masker:
        """A callable that masks this test's secret values (as they are now) and `extra` ones."""

    def provider(self, provider_class: type) -> Any:
        """This test's instance of a provider class (made on first use)."""

    def get_file_contents(self, *parts: str) -> str:
        """The UTF-8 text of the file at `Path(*parts)`."""

    def attach(self, kind: str, path: str | Path) -> None:
        """Name a file the current step produced as its evidence ("screenshot", "html" or
        "log"): the step's `StepOutcome.evidence`, which reports attach to the step."""
