"""Expressions that hold `$name`, `${a.b[0]}` or `{! ... !}`: each one is a value, never source text.

The text is parsed once, at collection, with a placeholder name standing for each
substitution. A placeholder inside a string literal (pytest-play's `'$name' == 'x'`)
becomes the value's text there; anywhere else it is the value itself (`$count > 2`).
References are resolved when the expression is evaluated, so quotes, backslashes,
`{!`, `$` or newlines in a value can't change what the expression means, and a
step's `assertion` sees the variable that the same step has just stored.
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Mapping
from typing import Any

from .errors import ExpressionError, UndefinedVariable, UnsafeExpression
from .expression_compiler import Compiler
from .expressions import MAX_TEXT, Expression, compile_tree, make_lookup, parse_tree
from .limits import CHEAP, built, weigh
from .templating import Reference, as_text, compile_template

_MISSING = object()


def is_whole_reference(parts: tuple) -> bool:
    """Whether a compiled template is one substitution (blanks around it aside): such an
    expression takes its text from the variable (a check kept in test data)."""
    substitutions = [part for part in parts if not isinstance(part, str)]
    return len(substitutions) == 1 and all(part.isspace() for part in parts if isinstance(part, str))


@functools.lru_cache(maxsize=4096)
def compile_expression_template(text: str) -> Expression:
    """`text`, holding substitutions, compiled once; ExpressionError when it can't be."""
    if len(text) > MAX_TEXT:
        raise UnsafeExpression(f"expression is longer than {MAX_TEXT} characters")
    parts = compile_template(text) or (text,)
    marker = "_pp"
    while marker in text:
        marker += "p"
    pattern = re.compile(re.escape(marker) + r"(\d+)_")
    source, substitutions = [], []
    for part in parts:
        if isinstance(part, str):
            source.append(part)
        else:
            source.append(f"{marker}{len(substitutions)}_")
            substitutions.append(part)
    tree = parse_tree("".join(source), text)
    compiler = _TemplateCompiler(pattern, substitutions, text)
    code = compile_tree(compiler, tree)
    if compiler.used != len(substitutions):  # one is elsewhere (a keyword, a loop name) or in a comment
        _check_placement(tree, pattern, text)
    quoted = tuple(index in compiler.quoted for index in range(len(substitutions)))
    return Expression(text, code, tuple(dict.fromkeys(compiler.free_names)),
                      shown=functools.partial(_shown, parts, quoted))


def _check_placement(tree: ast.AST, pattern: re.Pattern, text: str) -> None:
    """A substitution may be a value (alone, outside quotes) or part of a string literal, nothing else."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            bad = pattern.search(node.id) and (not isinstance(node.ctx, ast.Load) or not pattern.fullmatch(node.id))
        elif isinstance(node, ast.Attribute):
            bad = pattern.search(node.attr)
        elif isinstance(node, ast.keyword):
            bad = node.arg is not None and pattern.search(node.arg)
        elif isinstance(node, ast.Constant) and isinstance(node.value, bytes):
            bad = pattern.search(node.value.decode("latin-1"))
        else:
            continue
        if bad:
            raise _misplaced(text)


def _misplaced(text: str) -> ExpressionError:
    return ExpressionError(
        f"invalid expression {_shorten(text)}: a $reference outside quotes must stand alone, as a value "
        "(write '$name' inside quotes to use its text as part of a word, a string or a name)")


class _TemplateCompiler(Compiler):
    """The sandbox's compiler, with the placeholders compiled to the substitutions' values."""

    def __init__(self, pattern: re.Pattern, substitutions: list, text: str):
        super().__init__()
        self.pattern = pattern
        self.substitutions = substitutions
        self.text = text
        self.quoted: set[int] = set()
        self.used = 0  # placeholders compiled to values

    def _Name(self, node):
        match = self.pattern.fullmatch(node.id)
        if match is None:
            if self.pattern.search(node.id):
                raise _misplaced(self.text)
            return super()._Name(node)
        self.used += 1
        return _value_code(self.substitutions[int(match.group(1))])

    def _Attribute(self, node):
        if self.pattern.search(node.attr):
            raise _misplaced(self.text)
        return super()._Attribute(node)

    def _Constant(self, node):
        value = node.value
        if not isinstance(value, str) or not self.pattern.search(value):
            return super()._Constant(node)
        pieces: list[Any] = []
        position = 0
        for match in self.pattern.finditer(value):
            if match.start() > position:
                pieces.append(value[position:match.start()])
            index = int(match.group(1))
            self.quoted.add(index)
            self.used += 1
            pieces.append(_value_code(self.substitutions[index]))
            position = match.end()
        if position < len(value):
            pieces.append(value[position:])

        def text(ctx):
            return built("".join(piece if piece.__class__ is str else _text_of(piece(ctx), ctx) for piece in pieces),
                         ctx, "text")
        return text


def _value_code(part: Any):
    if isinstance(part, Reference):
        return lambda ctx: resolve(part, ctx.lookup)
    return lambda ctx: part.evaluate(_variables_lookup(ctx.lookup))  # a `{! !}` inside an expression


def _text_of(value: Any, ctx) -> str:
    if type(value) not in CHEAP:
        weigh(value, ctx)  # its text is built whole
    return as_text(value)


def _variables(lookup) -> Mapping[str, Any] | None:
    try:
        variables = lookup("variables")
    except UndefinedVariable:
        return None
    return variables if isinstance(variables, Mapping) else None


def _variables_lookup(lookup):
    variables = _variables(lookup)
    return make_lookup(variables) if variables is not None else lookup


def resolve(reference: Reference, lookup) -> Any:
    """The value of `$name` (or `${name.path}`) for an evaluation: a variable; without
    the `variables` mapping (a plain `evaluate(text, names)`), a name."""
    variables = _variables(lookup)
    if variables is not None and reference.name in variables:
        return reference.resolve(variables)
    try:
        value = lookup(reference.name)
    except UndefinedVariable:
        raise UndefinedVariable(reference.name, variables if variables is not None else ()) from None
    return reference.resolve({reference.name: value})


class Rendered(str):
    """An expression holding `$references`, rendered for a step: its text reads with their
    values (for reports), and `compiled` is what is evaluated (`compile_expression` uses it)."""

    compiled: Expression


class ExpressionPart:
    """The template of an expression parameter (`templating.render_parts` renders it)."""

    __slots__ = ("compiled",)

    def __init__(self, compiled: Expression):
        self.compiled = compiled

    def render(self, variables: Mapping[str, Any]) -> Rendered:
        rendered = Rendered(self.compiled.shown(variables))
        rendered.compiled = self.compiled
        return rendered


def _shown(parts: tuple, quoted: tuple, variables: Mapping[str, Any]) -> str:
    """The expression as it reads with `variables`: a value's text inside quotes, its repr
    outside; a reference that has no value stays as written."""
    shown, index = [], 0
    for part in parts:
        if part.__class__ is str:
            shown.append(part)
            continue
        try:
            value = part.resolve(variables) if part.__class__ is Reference else part.evaluate(make_lookup(variables))
        except Exception:  # shown as written
            value = _MISSING
        if value is _MISSING:
            if isinstance(part, Reference):
                shown.append("$" + part.text if part.text.isidentifier() else "${" + part.text + "}")
            else:
                shown.append("{! " + part.text + " !}")
        else:
            shown.append(as_text(value) if quoted[index] else repr(value))
        index += 1
    return "".join(shown)


def _shorten(text: str) -> str:
    shown = repr(text)
    return shown if len(shown) <= 200 else shown[:197] + "..."
