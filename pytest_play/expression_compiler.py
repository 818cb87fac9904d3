"""The expression sandbox's compiler: a parsed expression's tree becomes nested closures.

Only whitelisted syntax compiles; private, dunder and introspection attributes are
refused, and modules, frames and code objects are never handed out. Each closure
takes the evaluation's context (its name lookup and its `limits.Budget`).
`expressions` is the public face: it parses the text and runs the closures.
"""

from __future__ import annotations

import ast
import operator
import re
import types
from typing import Any

from . import call_limits, limits
from .errors import ExpressionError, UnsafeExpression
from .limits import CHEAP, built, weigh

_DENIED_ATTRIBUTES = frozenset(
    "format format_map mro gi_frame gi_code gi_yieldfrom cr_frame cr_code cr_await "
    "ag_frame ag_code f_globals f_locals f_builtins f_back f_code tb_frame tb_next "
    "co_code func_globals func_code im_func im_self expand".split()  # Match.expand amplifies
)
_FORBIDDEN_VALUES = (types.ModuleType, types.FrameType, types.CodeType, types.TracebackType, re.Pattern)


def safe_value(value: Any) -> Any:
    """`value`, unless it is a module, frame, code object, traceback or compiled pattern."""
    if isinstance(value, _FORBIDDEN_VALUES):
        raise UnsafeExpression(f"access to {type(value).__name__} objects is not allowed")
    return value


def check_attribute(name: str) -> None:
    """Refuse private, dunder and introspection attributes (format, mro, gi_frame, ...)."""
    if name.startswith("_") or name in _DENIED_ATTRIBUTES:
        raise UnsafeExpression(f"access to attribute {name!r} is not allowed")


def _plain(op):
    return lambda left, right, budget: op(left, right)


_BINARY = {
    ast.Add: limits.add, ast.Sub: call_limits.hashed_operator(operator.sub, "-"), ast.Mult: limits.mult,
    ast.Div: _plain(operator.truediv), ast.FloorDiv: _plain(operator.floordiv), ast.Mod: limits.modulo,
    ast.Pow: limits.power, ast.LShift: limits.lshift, ast.RShift: _plain(operator.rshift),
    ast.BitOr: call_limits.hashed_operator(operator.or_, "|"), ast.BitAnd: call_limits.hashed_operator(operator.and_, "&"),
    ast.BitXor: call_limits.hashed_operator(operator.xor, "^"),
}
_UNARY = {ast.Not: operator.not_, ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Invert: operator.invert}
_COMPARE = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
# 0: compares identities only; 2: reads the right side whole (1: when not a scalar or text).
_READS = {ast.Is: 0, ast.IsNot: 0, ast.In: 2, ast.NotIn: 2}


class Compiler:
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
        target = self.compile(node.value)  # first, so the leftmost refused attribute is named
        check_attribute(name)
        if name in call_limits.MUTATORS:
            def mutator(ctx):
                owner = target(ctx)
                call_limits.refuse_mutation(owner, name)
                return safe_value(getattr(owner, name))
            return mutator
        return lambda ctx: safe_value(getattr(target(ctx), name))

    def _Subscript(self, node):
        target, index = self.compile(node.value), self.compile(node.slice)
        if isinstance(node.slice, ast.Slice):
            return lambda ctx: built(safe_value(target(ctx)[index(ctx)]), ctx, "slice")

        def subscript(ctx):
            value, key = target(ctx), index(ctx)
            if type(key) is tuple:  # hashed whole
                weigh(key, ctx)
            return safe_value(value[key])
        return subscript

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
        pairs = [(_COMPARE[type(op)], self.compile(c), _READS.get(type(op), 1))
                 for op, c in zip(node.ops, node.comparators)]

        def compare(ctx):
            current = left(ctx)
            for op, right, reads in pairs:
                value = right(ctx)
                # Comparing containers reads them whole, and so does `in` a text.
                if reads and (type(value) not in CHEAP or type(current) not in CHEAP
                              or reads == 2 and type(value) is str and len(value) > 4096):
                    call_limits.weigh_operands(current, value, ctx, contains=reads == 2)
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
                    values = arg(ctx)
                    weigh(values, ctx)
                    positional.extend(values)
                else:
                    positional.append(arg(ctx))
            named = {}
            for name, value in keywords:
                if name is None:
                    named.update(value(ctx))
                else:
                    named[name] = value(ctx)
            named = call_limits.guard_call(target, positional, named, ctx)
            return safe_value(built(target(*positional, **named), ctx, "call"))
        return call

    def _List(self, node):
        items = self._many(node.elts)
        return lambda ctx: [item(ctx) for item in items]

    def _Tuple(self, node):
        items = self._many(node.elts)
        return lambda ctx: tuple(item(ctx) for item in items)

    def _Set(self, node):
        items = [self._hashed(e) for e in node.elts]
        return lambda ctx: {item(ctx) for item in items}

    def _Dict(self, node):
        if any(k is None for k in node.keys):
            raise UnsafeExpression("'**' in a dict display is not allowed")
        pairs = [(self._hashed(k), self.compile(v)) for k, v in zip(node.keys, node.values)]
        return lambda ctx: {k(ctx): v(ctx) for k, v in pairs}

    def _hashed(self, node):
        """A set element or dict key: a tuple is hashed whole."""
        value = self.compile(node)

        def hashed(ctx):
            result = value(ctx)
            if type(result) is tuple:
                weigh(result, ctx)
            return result
        return hashed

    def _JoinedStr(self, node):
        parts = self._many(node.values)
        return lambda ctx: built("".join(str(p(ctx)) for p in parts), ctx, "f-string")

    def _FormattedValue(self, node):
        value = self.compile(node.value)
        spec = self.compile(node.format_spec) if node.format_spec else (lambda ctx: "")
        convert = {-1: None, 115: str, 114: repr, 97: ascii}[node.conversion]

        def formatted(ctx):
            result, format_spec = value(ctx), spec(ctx)
            if limits.WIDE_SPEC.search(format_spec):
                raise UnsafeExpression("format width is too large")
            if type(result) not in CHEAP:
                weigh(result, ctx)
            elif type(result) is int:
                call_limits.check_text_of_int(None, (), (result,), ctx)
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
            ctx.spend(1, "too many loop iterations")
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
        loops, element = self._comprehension(node, lambda: self._hashed(node.elt))
        return self._scoped(loops, element, set)

    def _GeneratorExp(self, node):
        # Evaluated eagerly into a list: a lazy generator could escape the budget.
        return self._ListComp(node)

    def _DictComp(self, node):
        def pair():
            key, value = self._hashed(node.key), self.compile(node.value)
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
