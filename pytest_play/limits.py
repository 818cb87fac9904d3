"""Work, size and time limits of the expression sandbox (see `expressions`).

Each evaluation gets a `Budget`: loop iterations and calls cost one unit, and
values cost units by their size when they are built or read whole (a compare,
a call argument). A wall clock backs the budget up. Values an evaluation builds
are bounded in size, here, and so are the operators that build them (`+`, `*`,
`**`, `<<`, `%`). The calls are bounded in `call_limits`.
"""

from __future__ import annotations

import math
import re
import time
import types
from itertools import chain, compress
from typing import Any

from .errors import UnsafeExpression

MAX_SIZE = 1_000_000        # items in one built string, list, tuple, dict or set
MAX_DEEP = 2_000_000        # items in a value read whole, nested ones included (4 characters = 1 item)
MAX_STEPS = 300_000         # budget units of one evaluation
MAX_SECONDS = 0.25          # wall clock of one evaluation, checked whenever units are spent
MAX_INT_BITS = 4_096        # computed integers (about 1,200 digits)
MAX_WIDTH = 9_999           # format widths and precisions
MAX_INDENT = 64             # dumps() indent and separators
REGEX_SECONDS = 0.25        # one regular-expression helper call (main thread only)
MAX_COLLISIONS = 1_000_000  # key comparisons that keys with equal hashes cost one set or dict
MAX_SORT_WORK = 4_000_000   # sorted(): items read (nested included) times log2 of the count
MAX_INT_TEXT = 4_300        # characters of a text int() converts, digits of an int made text
_BUILT_SHIFT = 3            # 8 items built cost one unit
_READ_SHIFT = 6             # 64 items read cost one unit

# Values whose reading costs nothing worth counting.
CHEAP = frozenset({int, float, bool, complex, type(None), str})
_SCALARS = frozenset({int, float, bool, complex, type(None)})
_CONTAINERS = (list, tuple, dict, set, frozenset)
_BUILT = (str, bytes, bytearray, list, tuple, dict, set, frozenset)
_TEXTS = (str, bytes, bytearray)
_STR = frozenset({str})
_HASHED = (dict, set, frozenset)


class Budget:
    """Counts the work of one evaluation and stops it when there is too much.

    The clock is read on the first spend (most evaluations never spend), then
    once every `_CLOCK_EVERY` units.
    """

    __slots__ = ("left", "check_at", "deadline", "sizes")

    def __init__(self):
        self.left = self.check_at = MAX_STEPS
        self.deadline = 0.0
        self.sizes: dict[int, tuple] | None = None  # id -> (value, deep size): values are not changed in place

    def spend(self, amount: int, what: str) -> None:
        self.left -= amount
        if self.left < self.check_at:
            self._check(what)

    def _check(self, what: str) -> None:
        if self.left < 0:
            raise UnsafeExpression(f"expression does too much work ({what})")
        now = time.monotonic()
        if not self.deadline:
            self.deadline = now + MAX_SECONDS
        elif now > self.deadline:
            raise UnsafeExpression(f"expression takes too long (more than {MAX_SECONDS:g} s)")
        self.check_at = max(self.left - _CLOCK_EVERY, 0)


_CLOCK_EVERY = 256


# --- sizes -----------------------------------------------------------------------


def deep_size(value: Any, budget: Budget) -> int:
    """Items in `value` and in everything it holds (4 characters count as one item).

    A list that appears 1000 times inside another counts 1000 times, as printing,
    hashing or comparing it would. Sizes are remembered for the rest of the
    evaluation: expressions don't change values in place.
    """
    if budget.sizes is None:
        budget.sizes = {}
    known = budget.sizes.get(id(value))
    if known is not None:
        return known[1]
    members = [*value.keys(), *value.values()] if isinstance(value, dict) else value
    kinds = set(map(type, members))
    if kinds <= _SCALARS:  # most values are flat: one pass at C speed
        total = 1 + len(members)
    elif kinds <= CHEAP:
        total = 1 + len(members) + (sum(map(len, compress(members, map(_STR.__contains__, map(type, members))))) >> 2)
    else:
        total = _walk(value)
    if total > MAX_DEEP:
        raise UnsafeExpression(f"value is too large to process (more than {MAX_DEEP} items, nested included)")
    budget.sizes[id(value)] = (value, total)  # holding the value keeps its id from being reused
    return total


def _walk(value: Any) -> int:
    """`deep_size` of a nested value: level by level, each level in a few passes at C speed."""
    total = 0
    level: list = [(value,)]
    sort_of = _Sorts(_KNOWN_SORTS).__getitem__  # per walk: nothing is kept between evaluations
    while level:
        total += sum(map(len, level))
        if total > MAX_DEEP:  # before building the next level
            return total
        items = list(chain.from_iterable(level))
        sorts = list(map(sort_of, map(type, items)))
        total += sum(map(len, compress(items, map(_IS_TEXT.__eq__, sorts)))) >> 2
        level = list(compress(items, map(_IS_SEQUENCE.__eq__, sorts)))
        mappings = list(compress(items, map(_IS_MAPPING.__eq__, sorts)))
        level += map(dict.keys, mappings)
        level += map(dict.values, mappings)
    return total


_FREE, _IS_TEXT, _IS_SEQUENCE, _IS_MAPPING = range(4)


def _classify(kind: type) -> int:
    """How reading a value of type `kind` costs."""
    if issubclass(kind, dict):
        return _IS_MAPPING
    if issubclass(kind, _CONTAINERS):
        return _IS_SEQUENCE
    if issubclass(kind, _TEXTS + (range,)):
        return _IS_TEXT
    return _FREE


# The sorts of the types values mostly have (others are classified when met).
_KNOWN_SORTS = types.MappingProxyType({kind: _classify(kind) for kind in (
    dict, list, tuple, set, frozenset, str, bytes, bytearray, range, int, float, bool, complex, type(None))})


class _Sorts(dict):
    """type -> how reading it costs: the known sorts, and those learnt during one walk."""

    def __missing__(self, kind: type) -> int:
        sort = self[kind] = _classify(kind)
        return sort


def weigh(value: Any, budget: Budget, what: str = "reading large values") -> None:
    """Charge for an operation that reads all of `value` (compare, hash, print, call)."""
    kind = type(value)
    sort = _KNOWN_SORTS.get(kind)
    if sort is None:
        sort = _classify(kind)
    if not sort:
        return
    size = len(value) >> 2 if sort == _IS_TEXT else deep_size(value, budget)
    if size >> _READ_SHIFT:
        budget.spend(size >> _READ_SHIFT, what)


def built(value: Any, budget: Budget, what: str) -> Any:
    """Check and charge a value an operation has just built."""
    kind = type(value)
    if kind is int:
        if value.bit_length() > MAX_INT_BITS:
            raise UnsafeExpression(f"{what} builds a number of more than {MAX_INT_BITS} bits")
    elif isinstance(value, _BUILT):
        size = len(value)
        if size > MAX_SIZE:
            raise UnsafeExpression(f"{what} builds a value of {size} items (limit {MAX_SIZE})")
        if isinstance(value, _HASHED):
            size <<= 2  # a hash table entry weighs about four list items
        if size >> _BUILT_SHIFT:
            budget.spend(size >> _BUILT_SHIFT, what)
    return value


# --- operators ---------------------------------------------------------------------


def add(left, right, budget):
    if isinstance(left, (str, bytes, list, tuple)) and isinstance(right, (str, bytes, list, tuple)):
        if len(left) + len(right) > MAX_SIZE:
            raise UnsafeExpression(f"concatenation builds more than {MAX_SIZE} items")
        budget.spend((len(left) + len(right)) >> _BUILT_SHIFT, "concatenation")
    return left + right


def mult(left, right, budget):
    for seq, count in ((left, right), (right, left)):
        if isinstance(seq, (str, bytes, bytearray, list, tuple)) and isinstance(count, int):
            if len(seq) * count > MAX_SIZE:
                raise UnsafeExpression(f"repetition builds more than {MAX_SIZE} items")
            budget.spend(len(seq) * max(count, 0) >> _BUILT_SHIFT, "repetition")
    if isinstance(left, int) and isinstance(right, int):
        if left.bit_length() + right.bit_length() > MAX_INT_BITS:
            raise UnsafeExpression(f"multiplication result is too large (more than {MAX_INT_BITS} bits)")
    return left * right


def power(left, right, budget):
    if isinstance(left, int) and isinstance(right, int) and right > 0 and abs(left) > 1:
        if right > MAX_INT_BITS or math.log2(abs(left)) * right > MAX_INT_BITS:
            raise UnsafeExpression(f"power result is too large (more than {MAX_INT_BITS} bits)")
    return left ** right


def lshift(left, right, budget):
    if isinstance(left, int) and isinstance(right, int) and left and right > 0:
        if right > MAX_INT_BITS or left.bit_length() + right > MAX_INT_BITS:
            raise UnsafeExpression(f"shift result is too large (more than {MAX_INT_BITS} bits)")
    return left << right


# `%` conversions with a width or precision of 5 digits or more, or given by `*`.
_WIDE_PERCENT = re.compile(r"%(?:\([^)]*\))?[#0 +-]*(?:\d{5}|\*|\d*\.(?:\d{5}|\*))")
WIDE_SPEC = re.compile(r"\d{5}")  # in an f-string format spec


def modulo(left, right, budget):
    if isinstance(left, (str, bytes)):
        text = left if isinstance(left, str) else left.decode("latin-1")
        for wide in _WIDE_PERCENT.finditer(text):
            if "*" not in wide.group() or _has_large_int(right):
                raise UnsafeExpression("format width is too large")
        weigh(right, budget)
        return built(left % right, budget, "string formatting")
    return left % right


def _has_large_int(values) -> bool:
    values = values if isinstance(values, tuple) else (values,)
    return any(isinstance(v, int) and abs(v) > MAX_WIDTH for v in values)
