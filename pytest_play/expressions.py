"""A small, safe evaluator for the Python expressions used in scenarios.

Expressions are parsed once into a tree of closures. Only a whitelist of syntax
is accepted, private and dunder attributes are refused, no module, frame or
code object can be reached, values are not changed in place, and every
evaluation runs within the work, size and time limits of `limits`, so text
pasted into a form can neither run code nor exhaust the machine.
"""

from __future__ import annotations

import ast
import datetime as _datetime
import functools
import json
import re
import types
from collections.abc import Callable, Mapping
from typing import Any

from . import call_limits, limits
from .errors import ExpressionError, PlayTimeout, UndefinedVariable, UnsafeExpression
from .expression_compiler import _DENIED_ATTRIBUTES, Compiler, check_attribute, safe_value
from .limits import CHEAP, Budget, weigh

__all__ = ["HELPERS", "MAX_TEXT", "Expression", "_DENIED_ATTRIBUTES", "check_attribute", "compile_expression",
           "evaluate", "make_lookup", "safe_value"]

MAX_TEXT = 10_000          # characters in one expression


class _Context(Budget):
    """What one evaluation needs: its name lookup, and its budget (one object: it is made per evaluation)."""

    __slots__ = ("lookup",)

    def __init__(self, lookup: Callable[[str], Any]):  # Budget.__init__, inlined: this runs per evaluation
        self.lookup = lookup
        self.left = self.check_at = limits.MAX_STEPS
        self.deadline = 0.0
        self.sizes = None


HELPERS: dict[str, Any] = {
    "len": len, "min": min, "max": max, "sum": call_limits.bounded_sum, "any": any, "all": all,
    "sorted": sorted, "reversed": reversed, "enumerate": call_limits.bounded_enumerate,
    "zip": call_limits.bounded_zip,
    "int": int, "float": float, "str": str, "bool": bool, "abs": abs, "round": call_limits.bounded_round,
    "list": list, "tuple": tuple, "dict": dict, "set": set, "range": call_limits.bounded_range,
    "match": call_limits.time_limited(re.match), "search": call_limits.time_limited(re.search),
    "fullmatch": call_limits.time_limited(re.fullmatch), "findall": call_limits.time_limited(re.findall),
    "loads": json.loads, "dumps": call_limits.bounded_dumps,
    "datetime": types.SimpleNamespace(
        datetime=_datetime.datetime, date=_datetime.date, time=_datetime.time,
        timedelta=_datetime.timedelta, timezone=_datetime.timezone,
    ),
}


class Expression:
    """A parsed expression: call `evaluate(lookup)` to get its value."""

    __slots__ = ("text", "names", "_code", "shown")

    def __init__(self, text: str, code, names: tuple[str, ...], shown=None):
        self.text = text
        self._code = code
        self.names = names
        #: For an expression holding `$references` (`expression_templates`): `shown(variables)`
        #: is its text with their values, for failure messages. None otherwise.
        self.shown = shown

    def evaluate(self, lookup: Callable[[str], Any]) -> Any:
        """Evaluate with `lookup(name)` resolving names (KeyError when unknown)."""
        context = _Context(lookup)
        try:
            result = self._code(context)
            if type(result) not in CHEAP:  # the caller may print it
                weigh(result, context, "the result is too large")
            return result
        except (ExpressionError, UndefinedVariable, PlayTimeout):  # PlayTimeout: the scenario's alarm
            raise
        except RecursionError:
            raise UnsafeExpression("expression nests too deeply") from None
        except Exception as exc:
            raise ExpressionError(f"{type(exc).__name__}: {exc}") from exc


def compile_expression(text: str) -> Expression:
    """Parse `text` once; refused syntax raises `UnsafeExpression`.

    An expression rendered from one holding `$references` (`expression_templates.Rendered`)
    is text that reads with their values; it carries its compiled form, which is used.
    """
    if text.__class__ is not str:
        compiled = getattr(text, "compiled", None)
        if compiled is not None:
            return compiled
    return _compile(text)


@functools.lru_cache(maxsize=4096)
def _compile(text: str) -> Expression:
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, not {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise UnsafeExpression(f"expression is longer than {MAX_TEXT} characters")
    compiler = Compiler()
    code = compile_tree(compiler, parse_tree(text, text))
    return Expression(text, code, tuple(dict.fromkeys(compiler.free_names)))


def parse_tree(source: str, text: str) -> ast.Expression:
    """`source` parsed as one expression; errors show `text`, the expression as written."""
    try:
        return ast.parse(source.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"invalid expression {_shorten(text)}: {exc.msg}") from None
    except ValueError as exc:  # null characters
        raise ExpressionError(f"invalid expression {_shorten(text)}: {exc}") from None
    except (RecursionError, MemoryError):
        raise UnsafeExpression("expression nests too deeply") from None


def compile_tree(compiler: Compiler, tree: ast.Expression) -> Callable:
    try:
        return compiler.compile(tree.body)
    except RecursionError:
        raise UnsafeExpression("expression nests too deeply") from None


def _shorten(text: str) -> str:
    shown = repr(text)
    return shown if len(shown) <= 200 else shown[:197] + "..."


def evaluate(text: str, names: Mapping[str, Any]) -> Any:
    """Compile (cached) and evaluate `text` with names from a mapping, then helpers."""
    return compile_expression(text).evaluate(make_lookup(names))


def make_lookup(*scopes: Mapping[str, Any]) -> Callable[[str], Any]:
    """A name resolver over mappings (first wins), `variables`, then the helpers."""

    def lookup(name: str) -> Any:
        for scope in scopes:
            if name in scope:
                return scope[name]
        if name in HELPERS:
            return HELPERS[name]
        known = [k for scope in scopes for k in scope] + list(HELPERS)
        raise UndefinedVariable(name, known, where="name")

    return lookup
