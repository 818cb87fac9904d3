"""A small, safe evaluator for the Python expressions used in scenarios.

Expressions are parsed once into a tree of closures. Only a whitelist of syntax
is accepted, private and dunder attributes are refused, no module, frame or
code object can be reached, and every evaluation runs within a budget of loop
iterations and of the size of the values it builds, so text pasted into a form
can neither run code nor exhaust the machine.
"""

from __future__ import annotations

import ast
import datetime as _datetime
import functools
import json
import operator
import re
import types
from collections.abc import Callable, Mapping
from typing import Any

from .errors import ExpressionError, UndefinedVariable, UnsafeExpression

MAX_TEXT = 10_000          # characters in one expression
MAX_SIZE = 1_000_000       # items in a built string/list, bits/1000 in a built int
MAX_STEPS = 300_000        # loop iterations + built sizes, per evaluation

_DENIED_ATTRIBUTES = frozenset(
    "format format_map mro gi_frame gi_code gi_yieldfrom cr_frame cr_code cr_await "
    "ag_frame ag_code f_globals f_locals f_builtins f_back f_code tb_frame tb_next "
    "co_code func_globals func_code im_func im_self".split()
)
_FORBIDDEN_VALUES = (types.ModuleType, types.FrameType, types.CodeType, types.TracebackType)
_AMPLIFYING_METHODS = frozenset("ljust rjust center zfill expandtabs replace".split())


class _Budget:
    """Counts work done by one evaluation and stops it when too much is done."""

    __slots__ = ("left",)

    def __init__(self):
        self.left = MAX_STEPS

    def spend(self, amount: int, what: str) -> None:
        self.left -= amount
        if self.left < 0:
            raise UnsafeExpression(f"expression does too much work ({what})")


class _Context:
    __slots__ = ("lookup", "budget")

    def __init__(self, lookup: Callable[[str], Any]):
        self.lookup = lookup
        self.budget = _Budget()


def _bounded_range(*args):
    result = range(*args)
    if len(result) > MAX_SIZE:
        raise UnsafeExpression(f"range of {len(result)} items is too large (limit {MAX_SIZE})")
    return result


HELPERS: dict[str, Any] = {
    "len": len, "min": min, "max": max, "sum": sum, "any": any, "all": all,
    "sorted": sorted, "reversed": reversed, "enumerate": enumerate, "zip": zip,
    "int": int, "float": float, "str": str, "bool": bool, "abs": abs, "round": round,
    "list": list, "tuple": tuple, "dict": dict, "set": set, "range": _bounded_range,
    "match": re.match, "search": re.search, "fullmatch": re.fullmatch, "findall": re.findall,
    "loads": json.loads, "dumps": json.dumps,
    "datetime": types.SimpleNamespace(
        datetime=_datetime.datetime, date=_datetime.date, time=_datetime.time,
        timedelta=_datetime.timedelta, timezone=_datetime.timezone,
    ),
}


class Expression:
    """A parsed expression: call `evaluate(lookup)` to get its value."""

    __slots__ = ("text", "names", "_code")

    def __init__(self, text: str, code, names: tuple[str, ...]):
        self.text = text
        self._code = code
        self.names = names

    def evaluate(self, lookup: Callable[[str], Any]) -> Any:
        """Evaluate with `lookup(name)` resolving names (KeyError when unknown)."""
        try:
            return self._code(_Context(lookup))
        except (ExpressionError, UndefinedVariable):
            raise
        except RecursionError:
            raise UnsafeExpression("expression nests too deeply") from None
        except Exception as exc:
            raise ExpressionError(f"{type(exc).__name__}: {exc}") from exc


@functools.lru_cache(maxsize=4096)
def compile_expression(text: str) -> Expression:
    """Parse `text` once; refused syntax raises `UnsafeExpression`."""
    if not isinstance(text, str):
        raise ExpressionError(f"an expression must be text, not {type(text).__name__}")
    if len(text) > MAX_TEXT:
        raise UnsafeExpression(f"expression is longer than {MAX_TEXT} characters")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise ExpressionError(f"invalid expression {text!r}: {exc.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise UnsafeExpression("expression nests too deeply") from None
    compiler = _Compiler()
    try:
        code = compiler.compile(tree.body)
    except RecursionError:
        raise UnsafeExpression("expression nests too deeply") from None
    return Expression(text, code, tuple(dict.fromkeys(compiler.free_names)))


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


def _safe(value: Any) -> Any:
    if isinstance(value, _FORBIDDEN_VALUES):
        raise UnsafeExpression(f"access to {type(value).__name__} objects is not allowed")
    return value


def _check_attribute(name: str) -> None:
    if name.startswith("_") or name in _DENIED_ATTRIBUTES:
        raise UnsafeExpression(f"access to attribute {name!r} is not allowed")


def _sized(value: Any, ctx: _Context, what: str) -> Any:
    if isinstance(value, (str, bytes, list, tuple)):
        if len(value) > MAX_SIZE:
            raise UnsafeExpression(f"{what} builds a value of {len(value)} items (limit {MAX_SIZE})")
        ctx.budget.spend(len(value) // 64, what)
    return value


def _mult(left, right, ctx):
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, (str, bytes, list, tuple)) and isinstance(count, int):
            if len(seq) * count > MAX_SIZE:
                raise UnsafeExpression(f"repetition builds more than {MAX_SIZE} items")
            ctx.budget.spend(len(seq) * max(count, 0) // 64, "repetition")
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_SIZE:
            raise UnsafeExpression("multiplication result is too large")
    return left * right


def _pow(left, right, ctx):
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        if right > MAX_SIZE or left.bit_length() * right > MAX_SIZE:
            raise UnsafeExpression("power result is too large")
    return left ** right


def _lshift(left, right, ctx):
    if isinstance(right, int) and right > MAX_SIZE:
        raise UnsafeExpression("shift result is too large")
    return left << right


_WIDE_FORMAT = re.compile(r"\d{5,}")


def _mod(left, right, ctx):
    if isinstance(left, str) and _WIDE_FORMAT.search(left):
        raise UnsafeExpression("format width is too large")
    return _sized(left % right, ctx, "string formatting")


def _add(left, right, ctx):
    if isinstance(left, (str, bytes, list, tuple)) and isinstance(right, (str, bytes, list, tuple)):
        if len(left) + len(right) > MAX_SIZE:
            raise UnsafeExpression(f"concatenation builds more than {MAX_SIZE} items")
        ctx.budget.spend((len(left) + len(right)) // 64, "concatenation")
    return left + right


def _plain(op):
    return lambda left, right, ctx: op(left, right)


_BINARY = {
    ast.Add: _add, ast.Sub: _plain(operator.sub), ast.Mult: _mult, ast.Div: _plain(operator.truediv),
    ast.FloorDiv: _plain(operator.floordiv), ast.Mod: _mod, ast.Pow: _pow, ast.LShift: _lshift,
    ast.RShift: _plain(operator.rshift), ast.BitOr: _plain(operator.or_),
    ast.BitAnd: _plain(operator.and_), ast.BitXor: _plain(operator.xor),
}
_UNARY = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert}
_COMPARE = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}


def _guard_call(func, args, kwargs) -> None:
    owner = getattr(func, "__self__", None)
    if isinstance(owner, (str, bytes)) and getattr(func, "__name__", "") in _AMPLIFYING_METHODS:
        numbers = [a for a in list(args) + list(kwargs.values()) if isinstance(a, int)]
        texts = [a for a in args if isinstance(a, (str, bytes))]
        estimate = max(numbers + [0]) + len(owner) * max([len(t) for t in texts] + [1])
        if estimate > MAX_SIZE:
            raise UnsafeExpression(f"{func.__name__}() would build a value that is too large")


class _Compiler:
    """Turns an AST into nested closures, refusing anything not whitelisted."""

    def __init__(self):
        self.free_names: list[str] = []
        self._bound: list[set[str]] = []

    def compile(self, node: ast.AST):
        method = getattr(self, f"_{type(node).__name__}", None)
        if method is None:
            raise UnsafeExpression(f"{_describe(node)} is not allowed in expressions")
        return method(node)

    def _many(self, nodes):
        return [self.compile(n) for n in nodes]

    def _Constant(self, node):
        value = node.value
        return lambda ctx: value

    def _Name(self, node):
        name = node.id
        if name.startswith("__"):
            raise UnsafeExpression(f"name {name!r} is not allowed")
        if not any(name in scope for scope in self._bound):
            self.free_names.append(name)
        return lambda ctx: ctx.lookup(name)

    def _Attribute(self, node):
        name = node.attr
        _check_attribute(name)
        target = self.compile(node.value)
        return lambda ctx: _safe(getattr(target(ctx), name))

    def _Subscript(self, node):
        target, index = self.compile(node.value), self.compile(node.slice)
        return lambda ctx: _safe(target(ctx)[index(ctx)])

    def _Slice(self, node):
        parts = [self.compile(p) if p is not None else (lambda ctx: None) for p in (node.lower, node.upper, node.step)]
        return lambda ctx: slice(*(p(ctx) for p in parts))

    def _BinOp(self, node):
        op = _BINARY.get(type(node.op))
        if op is None:
            raise UnsafeExpression(f"operator {type(node.op).__name__} is not allowed")
        left, right = self.compile(node.left), self.compile(node.right)
        return lambda ctx: op(left(ctx), right(ctx), ctx)

    def _UnaryOp(self, node):
        op, operand = _UNARY[type(node.op)], self.compile(node.operand)
        return lambda ctx: op(operand(ctx))

    def _BoolOp(self, node):
        values = self._many(node.values)
        if isinstance(node.op, ast.And):
            def evaluate_and(ctx):
                result = True
                for value in values:
                    result = value(ctx)
                    if not result:
                        return result
                return result
            return evaluate_and

        def evaluate_or(ctx):
            result = False
            for value in values:
                result = value(ctx)
                if result:
                    return result
            return result
        return evaluate_or

    def _Compare(self, node):
        left = self.compile(node.left)
        pairs = [(_COMPARE[type(op)], self.compile(c)) for op, c in zip(node.ops, node.comparators)]

        def compare(ctx):
            current = left(ctx)
            for op, right in pairs:
                value = right(ctx)
                if not op(current, value):
                    return False
                current = value
            return True
        return compare

    def _IfExp(self, node):
        test, body, orelse = self.compile(node.test), self.compile(node.body), self.compile(node.orelse)
        return lambda ctx: body(ctx) if test(ctx) else orelse(ctx)

    def _Call(self, node):
        func = self.compile(node.func)
        args = [(isinstance(a, ast.Starred), self.compile(a.value if isinstance(a, ast.Starred) else a))
                for a in node.args]
        keywords = [(k.arg, self.compile(k.value)) for k in node.keywords]

        def call(ctx):
            target = func(ctx)
            positional = []
            for starred, arg in args:
                if starred:
                    positional.extend(arg(ctx))
                else:
                    positional.append(arg(ctx))
            named = {}
            for name, value in keywords:
                if name is None:
                    named.update(value(ctx))
                else:
                    named[name] = value(ctx)
            _guard_call(target, positional, named)
            return _safe(_sized(target(*positional, **named), ctx, "call"))
        return call

    def _List(self, node):
        items = self._many(node.elts)
        return lambda ctx: [item(ctx) for item in items]

    def _Tuple(self, node):
        items = self._many(node.elts)
        return lambda ctx: tuple(item(ctx) for item in items)

    def _Set(self, node):
        items = self._many(node.elts)
        return lambda ctx: {item(ctx) for item in items}

    def _Dict(self, node):
        if any(k is None for k in node.keys):
            raise UnsafeExpression("'**' in a dict display is not allowed")
        pairs = [(self.compile(k), self.compile(v)) for k, v in zip(node.keys, node.values)]
        return lambda ctx: {k(ctx): v(ctx) for k, v in pairs}

    def _JoinedStr(self, node):
        parts = self._many(node.values)
        return lambda ctx: _sized("".join(str(p(ctx)) for p in parts), ctx, "f-string")

    def _FormattedValue(self, node):
        value = self.compile(node.value)
        spec = self.compile(node.format_spec) if node.format_spec else (lambda ctx: "")
        convert = {-1: None, 115: str, 114: repr, 97: ascii}[node.conversion]

        def formatted(ctx):
            result, format_spec = value(ctx), spec(ctx)
            if _WIDE_FORMAT.search(format_spec):
                raise UnsafeExpression("format width is too large")
            return format(convert(result) if convert else result, format_spec)
        return formatted

    # Comprehensions: each generator binds its target names in a fresh scope.

    def _comprehension(self, node, make_result):
        loops = []
        bound: set[str] = set()
        self._bound.append(bound)
        try:
            for generator in node.generators:
                if generator.is_async:
                    raise UnsafeExpression("async comprehensions are not allowed")
                iterable = self.compile(generator.iter)
                target = _target_names(generator.target)
                bound.update(target[1])
                conditions = self._many(generator.ifs)
                loops.append((iterable, target, conditions))
            element = make_result()
        finally:
            self._bound.pop()
        return loops, element

    def _iterate(self, ctx, loops, element, depth=0, local=None):
        local = local if local is not None else {}
        iterable, target, conditions = loops[depth]
        for value in iterable(ctx):
            ctx.budget.spend(1, "too many loop iterations")
            _assign(target, value, local)
            if all(c(ctx) for c in conditions):
                if depth + 1 == len(loops):
                    yield element(ctx)
                else:
                    yield from self._iterate(ctx, loops, element, depth + 1, local)

    def _scoped(self, loops, element, build):
        def run(ctx):
            outer = ctx.lookup
            local: dict = {}
            ctx.lookup = lambda name: local[name] if name in local else outer(name)
            try:
                return build(self._iterate(ctx, loops, element, 0, local))
            finally:
                ctx.lookup = outer
        return run

    def _ListComp(self, node):
        loops, element = self._comprehension(node, lambda: self.compile(node.elt))
        return self._scoped(loops, element, list)

    def _SetComp(self, node):
        loops, element = self._comprehension(node, lambda: self.compile(node.elt))
        return self._scoped(loops, element, set)

    def _GeneratorExp(self, node):
        # Evaluated eagerly into a list: a lazy generator could escape the budget.
        return self._ListComp(node)

    def _DictComp(self, node):
        def pair():
            key, value = self.compile(node.key), self.compile(node.value)
            return lambda ctx: (key(ctx), value(ctx))
        loops, element = self._comprehension(node, pair)
        return self._scoped(loops, element, dict)


def _target_names(target: ast.AST) -> tuple[Any, set[str]]:
    if isinstance(target, ast.Name):
        if target.id.startswith("__"):
            raise UnsafeExpression(f"name {target.id!r} is not allowed")
        return target.id, {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        parts = [_target_names(t) for t in target.elts]
        return tuple(p[0] for p in parts), set().union(*(p[1] for p in parts))
    raise UnsafeExpression(f"{_describe(target)} is not allowed as a loop target")


def _assign(target, value, local: dict) -> None:
    if isinstance(target[0], str):
        local[target[0]] = value
        return
    names = target[0]
    values = tuple(value)
    if len(values) != len(names):
        raise ExpressionError(f"cannot unpack {len(values)} values into {len(names)} names")
    for name, item in zip(names, values):
        _assign((name, set()), item, local)


def _describe(node: ast.AST) -> str:
    names = {
        "Lambda": "lambda", "NamedExpr": "assignment (:=)", "Await": "await", "Yield": "yield",
        "YieldFrom": "yield", "Starred": "'*' unpacking",
    }
    return names.get(type(node).__name__, type(node).__name__)
