"""Substitute `$name`, `${a.b[0]}` and `{! expression !}` in parsed step values.

Templates are compiled once per distinct string and rendered by walking the
parsed values, never by formatting and re-parsing text. A value that is exactly
one reference keeps the referenced value's type.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from .errors import ExpressionError, UndefinedVariable
from .expressions import Expression, check_attribute, compile_expression, make_lookup, safe_value

_DOLLAR = r"\$(?:(?P<dollar>\$)|\{(?P<braced>[^{}]*)\}|(?P<name>[A-Za-z_][A-Za-z0-9_]*))"
_TOKEN = re.compile(_DOLLAR + r"|(?P<open>\{!)")
_DOLLAR_TOKEN = re.compile(_DOLLAR)  # once no `!}` follows, a `{!` is just text
MAX_SUBSTITUTIONS = 10_000  # `$name`, `${...}`, `$$` and `{! !}` in one text
MAX_REFERENCE = 1_000       # characters inside one `${...}`
_TOO_MANY = (f"a text may hold at most {MAX_SUBSTITUTIONS} substitutions ($name, ${{...}}, $$, {{! !}}); "
             "this one has more")
_PATH_PART = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)|\[(-?\d+|'[^']*'|\"[^\"]*\")\]")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class Reference:
    """`$name` or `${name.key[0]}`: a variable and a path into it."""

    __slots__ = ("text", "name", "path")

    def __init__(self, text: str):
        self.text = text
        head = _NAME.match(text)
        if not head:
            raise ExpressionError(f"invalid reference ${{{text}}}: it must start with a name")
        self.name = head.group()
        self.path: list[Any] = []
        position = head.end()
        while position < len(text):
            part = _PATH_PART.match(text, position)
            if not part:
                raise ExpressionError(f"invalid reference ${{{text}}} at {text[position:]!r}")
            key = part.group(1) if part.group(1) is not None else part.group(2)
            self.path.append(int(key) if key.lstrip("-").isdigit() else key.strip("'\""))
            position = part.end()

    def resolve(self, variables: Mapping[str, Any]) -> Any:
        if self.name not in variables:
            raise UndefinedVariable(self.name, variables)
        value = variables[self.name]
        for key in self.path:
            value = _step_into(value, key, self.text)
        return value


def _step_into(value: Any, key: Any, text: str) -> Any:
    try:
        if isinstance(key, str) and not isinstance(value, Mapping):
            check_attribute(key)  # the expression sandbox's rules: no `${f.__globals__}`
            return safe_value(getattr(value, key))
        return value[key]
    except (KeyError, IndexError, TypeError, AttributeError):
        raise ExpressionError(f"${{{text}}}: no {key!r} in {_short(value)}") from None


def _short(value: Any) -> str:
    if isinstance(value, Mapping):
        return f"mapping with keys {sorted(map(str, value))[:10]}"
    if isinstance(value, (list, tuple)):
        return f"list of {len(value)} items"
    return type(value).__name__


@functools.lru_cache(maxsize=8192)
def compile_template(text: str) -> tuple | None:
    """Split `text` into literal strings, References and expressions.

    Returns None when the text has nothing to substitute (the common case).
    One pass: a `{!` looks for its `!}` once, and after a `{!` that has none
    only `$` can start a substitution, so pasted text takes linear time.
    """
    if "$" not in text and "{!" not in text:
        return None
    parts: list[Any] = []
    position = 0
    if "{!" in text:
        for start, end, part in _substitutions(text):
            if start > position:
                parts.append(text[position:start])
            parts.append(part)
            position = end
    else:  # the common case, `$` only: one finditer
        for count, token in enumerate(_DOLLAR_TOKEN.finditer(text), 1):
            if count > MAX_SUBSTITUTIONS:
                raise ExpressionError(_TOO_MANY)
            if token.start() > position:
                parts.append(text[position:token.start()])
            parts.append(_dollar_part(token))
            position = token.end()
    if position < len(text):
        parts.append(text[position:])
    return tuple(parts)


def _substitutions(text: str):
    """(start, end, part) of each substitution in `text`, in order."""
    pattern, position, count = _TOKEN, 0, 0
    while True:
        for token in pattern.finditer(text, position):
            count += 1
            if count > MAX_SUBSTITUTIONS:
                raise ExpressionError(_TOO_MANY)
            if token.lastgroup != "open":
                yield token.start(), token.end(), _dollar_part(token)
                continue
            close = text.find("!}", token.end())
            if close < 0:  # no later `{!` can close either
                pattern, position = _DOLLAR_TOKEN, token.end()
            else:
                yield token.start(), close + 2, compile_expression(text[token.end():close].strip())
                position = close + 2
            break
        else:
            return


def _dollar_part(token: re.Match) -> Any:
    if token.group("dollar"):
        return "$"
    braced = token.group("braced")
    if braced is not None and len(braced) > MAX_REFERENCE:
        raise ExpressionError(f"a reference ${{...}} may hold at most {MAX_REFERENCE} characters, "
                              f"not {len(braced)}: ${{{braced[:40]}...")
    return Reference(braced if braced is not None else token.group("name"))


def render_string(text: str, variables: Mapping[str, Any]) -> Any:
    parts = compile_template(text)
    if parts is None:
        return text
    return render_parts(parts, variables)


def render_parts(parts: tuple, variables: Mapping[str, Any]) -> Any:
    """The value of a compiled template (see `compile_template`)."""
    if len(parts) == 1 and not isinstance(parts[0], str):
        return _value_of(parts[0], variables)  # a whole-value reference keeps its type
    return "".join(part if isinstance(part, str) else as_text(_value_of(part, variables)) for part in parts)


def _value_of(part: Any, variables: Mapping[str, Any]) -> Any:
    if isinstance(part, Reference):
        return part.resolve(variables)
    if part.__class__ is not Expression:  # an expression parameter's template (expression_templates)
        return part.render(variables)
    return part.evaluate(make_lookup(variables))


def as_text(value: Any) -> str:
    """A value as it reads inside a text: None is empty, booleans are `true`/`false`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def render_text(text: str, variables: Mapping[str, Any]) -> str:
    """Like `render_string`, but the result is always text."""
    value = render_string(text, variables)
    return value if isinstance(value, str) else as_text(value)


def render(value: Any, variables: Mapping[str, Any], skip: frozenset = frozenset(),
           text: frozenset = frozenset()) -> Any:
    """Return `value` with every string rendered.

    Top-level keys in `skip` are left as they are; those in `text` render to text.
    """
    if isinstance(value, str):
        return render_string(value, variables)
    if isinstance(value, dict):
        if skip or text:
            return {k: v if k in skip else render_text(v, variables) if k in text and isinstance(v, str)
                    else render(v, variables) for k, v in value.items()}
        return {k: render(v, variables) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, variables) for v in value]
    return value


def render_step(data: Mapping[str, Any], variables: Mapping[str, Any], templates: Mapping[str, tuple],
                skip: frozenset = frozenset(), text: frozenset = frozenset()) -> dict:
    """Like `render(data, variables, skip, text)`, using the templates of top-level
    string values compiled before (`templates`, by key) instead of compiling them again."""
    rendered = {}
    for key, value in data.items():
        parts = templates.get(key)
        if parts is not None:
            value = render_parts(parts, variables)
            rendered[key] = as_text(value) if key in text and not isinstance(value, str) else value
        elif key in skip:
            rendered[key] = value
        elif key in text and isinstance(value, str):
            rendered[key] = render_text(value, variables)
        else:
            rendered[key] = render(value, variables)
    return rendered


def needs_rendering(value: Any) -> bool:
    """Whether any string inside `value` has something to substitute."""
    if isinstance(value, str):
        return compile_template(value) is not None
    if isinstance(value, dict):
        return any(needs_rendering(v) for v in value.values())
    if isinstance(value, list):
        return any(needs_rendering(v) for v in value)
    return False


def references(value: Any) -> list[str]:
    """Every variable name referenced by `$...` inside `value` (for validation)."""
    found: list[str] = []
    if isinstance(value, str):
        try:
            parts = compile_template(value) or ()
        except ExpressionError:  # reported by the parameter checks
            parts = ()
        for part in parts:
            if isinstance(part, Reference):
                found.append(part.name)
    elif isinstance(value, dict):
        for v in value.values():
            found.extend(references(v))
    elif isinstance(value, list):
        for v in value:
            found.extend(references(v))
    return found

