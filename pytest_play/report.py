"""The failure report of a scenario step: where it failed, what was rendered, and the cause.

Values are rendered within bounds (depth and length, `…` past them), masked, and
only then cut, so neither deep data nor a long secret can break or leak through it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from .errors import PlayError, StepFailure
from .loader import Step
from .secrets import Masker

MAX_DEPTH = 12  # deeper values render as `…`
ELLIPSIS = "…"
_SCALARS = (str, int, float, bool, type(None))


KEPT = pytest.StashKey[set]()  # texts of a test never masked: the paths of its artifacts


def _same(text: str) -> str:
    return text


def display_path(config: pytest.Config, path: Path) -> str:
    try:
        return os.path.relpath(path, config.invocation_params.dir)
    except ValueError:
        return str(path)


def format_step_failure(failure: StepFailure, config: pytest.Config, mask: Callable[[str], str] = _same) -> str:
    step: Step = failure.step
    where = f"{display_path(config, step.path)}:{step.line}" if step.line else display_path(config, step.path)
    comment = f" ({mask(step.comment)})" if step.comment else ""
    lines = [f"{where}: step {step.label}{comment} failed", f"  step: {_compact(failure.rendered, mask)}"]
    cause = failure.cause
    lines.append(f"  {mask(_cause_text(cause))}")
    for name, value in getattr(cause, "details", {}).items():
        lines.append(f"    {name} = {_short(value, mask)}")
    return "\n".join(lines)


def _cause_text(cause: BaseException) -> str:
    message = str(cause).strip()
    if isinstance(cause, PlayError):
        return message.replace("\n", "\n  ")
    name = "AssertionError" if isinstance(cause, AssertionError) else type(cause).__name__
    first = message.splitlines()[0] if message else ""
    return f"{name}: {first}" if first else name


def _compact(command: Any, mask: Callable[[str], str] = _same) -> str:
    if not isinstance(command, dict):
        return _short(command, mask)
    shown = {k: v for k, v in command.items() if k != "comment"}
    return cut(mask(render(shown, 2000, as_json=True)), 500)


def _short(value: Any, mask: Callable[[str], str] = _same) -> str:
    return cut(mask(render(value, 800)), 200)


class FailureText(str):
    """A failure report as text that, like pytest's own reprs, has a crash
    message: pytest 8's short test summary (its first line) and JUnit's `message`
    attribute read `longrepr.reprcrash.message`. It is the whole text, as JUnit
    showed before."""

    @property
    def reprcrash(self) -> Crash:
        return Crash(str(self))

    def toterminal(self, out) -> None:
        """Printed as it is. (Having this also makes xdist send it as plain text.)"""
        out.line(str(self))


class Crash:
    """The part of pytest's ReprFileLocation that reports read: the message."""

    def __init__(self, message: str):
        self.message = message


def cut(text: str, limit: int) -> str:
    """`text` at most `limit` characters long, `...` marking a cut."""
    return text if len(text) <= limit else text[:limit - 3] + "..."


def render(value: Any, budget: int = 2000, *, as_json: bool = False) -> str:
    """`repr(value)` (or JSON) of any value, with depth and length bounds: deep, huge,
    cyclic or odd values render with `…` instead of raising."""
    pieces: list[str] = []
    _render(value, pieces, [budget], MAX_DEPTH, as_json, set())
    return "".join(pieces)


def _render(value: Any, out: list[str], budget: list[int], depth: int, as_json: bool, seen: set[int]) -> None:
    if budget[0] <= 0:
        return
    if isinstance(value, _SCALARS):
        text = _scalar(value, as_json)
    elif isinstance(value, (dict, list, tuple, set, frozenset)):
        if depth <= 0 or id(value) in seen:
            text = ELLIPSIS
        else:
            seen.add(id(value))
            _container(value, out, budget, depth, as_json, seen)
            seen.discard(id(value))
            return
    else:
        text = _odd(value, as_json)
    out.append(text[:max(budget[0], 0) + 200])  # a long string is cut (by the caller) only after masking
    budget[0] -= len(text)


def _container(value, out, budget, depth, as_json, seen) -> None:
    is_dict = isinstance(value, dict)
    if is_dict:
        opening, closing = "{", "}"
    elif isinstance(value, list) or as_json:
        opening, closing = "[", "]"
    else:
        opening, closing = ("(", ",)" if len(value) == 1 else ")") if isinstance(value, tuple) else ("{", "}")
    out.append(opening)
    budget[0] -= 2
    for index, item in enumerate(value.items() if is_dict else value):
        if budget[0] <= 0:
            out.append(ELLIPSIS)
            break
        if index:
            out.append(", ")
            budget[0] -= 2
        if is_dict:
            key, item = item
            out.append(_scalar(key if not as_json or isinstance(key, str) else str(key), as_json)
                       if isinstance(key, _SCALARS) else _odd(key, as_json))
            out.append(": ")
        _render(item, out, budget, depth - 1, as_json, seen)
    out.append(closing)


def _scalar(value: Any, as_json: bool) -> str:
    if as_json:
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def _odd(value: Any, as_json: bool) -> str:
    """An object of another type: its repr, or its type when the repr fails."""
    try:
        text = repr(value)
    except Exception:  # RecursionError too: a repr that walks deep data of its own
        text = f"<{type(value).__name__} object>"
    return json.dumps(text, ensure_ascii=False) if as_json else text


MASKER = pytest.StashKey[tuple]()  # (what it was built from, the Masker)


def keep_unmasked(node: pytest.Item, *texts: str) -> None:
    """Never rewrite these texts (artifact paths) in `node`'s reports: they name real files."""
    node.stash.setdefault(KEPT, set()).update(texts)


def item_masker(item: pytest.Item, engine, extra=()) -> Masker:
    """Masks the secrets of `item`'s engine (as they are now) and `extra` ones, in every
    spelling, except inside the paths, ids, provider and command names it shows."""
    values = engine.secret_values()
    if extra:
        values = values | frozenset(extra)
    # Built once for as long as the secrets and kept texts stay the same: each
    # write and log record of a test asks for it (20,000 steps, 20,000 lines).
    key = (values, frozenset(item.stash.get(KEPT, ())), tuple(engine.include_chain))
    cached = item.stash.get(MASKER, None)
    if cached is not None and cached[0] == key:
        return cached[1]
    masker = Masker(values, keep=kept_texts(item, engine))
    item.stash[MASKER] = (key, masker)
    return masker


def kept_texts(item: pytest.Item, engine) -> set[str]:
    config = item.config
    kept = {item.nodeid, item.name, *item.stash.get(KEPT, ())}
    for path in {item.path, *engine.include_chain}:
        kept.update({str(path), display_path(config, path), os.path.relpath(path, config.rootpath), path.name})
    registry = engine.registry
    for name in registry.names:
        kept.update({f"play_{name}", f'"provider": "{name}"', f"'provider': '{name}'"})
        for command in registry.commands(name):
            kept.update({f'"type": "{command}"', f"'type': '{command}'", f" {command}: ", f" {command} ("})
    return kept
