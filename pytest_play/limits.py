"""Work, size and time limits of the expression sandbox (see `expressions`).

Each evaluation gets a `Budget`: loop iterations and calls cost one unit, and
values cost units by their size when they are built or read whole (a compare,
a call argument). A wall clock backs the budget up. Values an evaluation builds
are bounded in size, and the helpers and methods whose output or work can
explode with their arguments (padding, `replace`, `join`, regular expressions,
`zip`, `sum`, `round`, `dumps`) are guarded here, before they run. So are the
C calls that no alarm can interrupt once they run long: hashing keys with equal
hashes, `sorted`, and conversions between long numbers and text.
"""

from __future__ import annotations

import json
import math
import operator
import re
import sys
import time
import types
from collections import Counter
from itertools import chain, compress
from typing import Any

from .errors import UnsafeExpression
from .waiting import alarm

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


# --- calls --------------------------------------------------------------------------------

# Methods that change a list, dict or set in place: expressions compute values,
# and a value that grows in place would escape the size checks.
MUTATORS = frozenset(
    "append extend insert pop popitem remove clear sort reverse update setdefault add discard "
    "difference_update intersection_update symmetric_difference_update".split()
)
_MUTABLE = (list, dict, set, bytearray)


def refuse_mutation(owner: Any, name: str) -> None:
    if isinstance(owner, _MUTABLE) or (isinstance(owner, type) and issubclass(owner, _MUTABLE)):
        raise UnsafeExpression(f"'{name}' changes a value in place, which expressions may not do")


def weigh_operands(left: Any, right: Any, budget: Budget, contains: bool = False) -> None:
    """Charge a comparison; `x in a_dict` (or a set) only hashes `x`."""
    weigh(left, budget)
    if not (contains and isinstance(right, _HASHED)):
        weigh(right, budget)




def guard_call(func: Any, args: list, kwargs: dict, budget: Budget) -> dict:
    """Charge a call, refuse it if it would build or do too much; return the keywords to use.

    Callables given as keywords (`key=`, `default=`, `object_hook=`) are metered:
    C functions call them once per item.
    """
    budget.spend(1, "too many calls")
    if func is len:
        return kwargs
    positional = args
    owner = getattr(func, "__self__", None)
    if isinstance(func, types.MethodDescriptorType) and args:  # str.replace(text, ...)
        owner, args = args[0], args[1:]
    try:
        check = _C_LEVEL.get(func)
    except TypeError:  # an unhashable callable
        check = None
    if check is None and isinstance(owner, _HASHED):
        check = _SET_METHODS.get(getattr(func, "__name__", None))
    if check is not None:  # before the weighing: these say which limit the call passes
        check(owner, args, positional, budget)
    if not isinstance(owner, _HASHED):  # dict.get, set.isdisjoint...: not a full read
        weigh(owner, budget)
    for value in args:
        weigh(value, budget)
    for name, value in kwargs.items():
        weigh(value, budget)
        if callable(value):
            kwargs[name] = _metered(value, budget)
    if isinstance(owner, _BUILTIN_VALUES):
        _check_growth(owner, getattr(func, "__name__", ""), args, kwargs)
    return kwargs


_BUILTIN_VALUES = (str, bytes, bytearray, int, float, list, tuple, dict, set, frozenset)


# --- C calls that no alarm interrupts: bounded before they start ----------------------


def _listed(positional: list, index: int) -> Any:
    """Argument `index` as a list (in place) when it is an iterator: its items must be counted."""
    value = positional[index]
    if not hasattr(value, "__len__"):
        value = positional[index] = list(value)
        if len(value) > MAX_SIZE:
            raise UnsafeExpression(f"an argument of {len(value)} items is too large (limit {MAX_SIZE})")
    return value


def _hashing_call(what: str, keys_of=None):
    """The check of a call that hashes the items of its arguments (and of its owner, a set or dict)."""
    def check(owner, args, positional, budget):
        start = len(positional) - len(args)  # 1 when called as set.union(a, b)
        groups = [owner] if isinstance(owner, _HASHED) else []
        for index in range(start, len(positional)):
            items = _listed(positional, index)
            if not isinstance(items, (str, bytes, range)):
                groups.append(keys_of(items) if keys_of else items)
        if sum(map(len, groups)) >= 1_000:
            check_hashing(groups[0] if len(groups) == 1 else list(chain.from_iterable(groups)), what)
    return check


def _pair_keys(items):
    if isinstance(items, dict):
        return items
    return [item[0] for item in items if isinstance(item, (tuple, list)) and item]


_P = sys.hash_info.modulus


def _plain_key(value) -> bool:
    """A key whose hash equals no other value's: text (random hashes), and ints below the modulus."""
    kind = type(value)
    return kind is str or kind is bytes or (kind is int and -_P < value < _P) or kind is bool or value is None


def check_hashing(keys, what: str) -> None:
    """Refuse to build a set or dict from `keys` when keys with equal hashes would make
    the C code compare them with each other more than MAX_COLLISIONS times."""
    if len(keys) < 1_000:  # at most 500,000 comparisons
        return
    others = list(filter(_not_plain, keys))
    if len(others) < 1_000:
        return
    try:
        hashes = list(map(hash, others))
    except TypeError:
        return  # the call itself says which item is unhashable
    counts = Counter(hashes)
    sizes = [size for size in counts.values() if size > 1]
    if sum(map(operator.mul, sizes, sizes)) <= MAX_COLLISIONS:
        return
    # Many equal hashes: count the distinct keys behind each (equal keys cost one comparison).
    distinct: dict[int, list] = {}
    for key, key_hash in zip(others, hashes):
        if counts[key_hash] > 1:
            seen = distinct.setdefault(key_hash, [])
            if len(seen) <= 16 and not any(key == other for other in seen):
                seen.append(key)
    work = sum(counts[h] * (len(seen) if len(seen) <= 16 else counts[h]) for h, seen in distinct.items())
    if work > MAX_COLLISIONS:
        raise UnsafeExpression(f"{what}: keys with equal hashes would need about {work} comparisons "
                               f"(limit {MAX_COLLISIONS})")


def _not_plain(value) -> bool:
    return not _plain_key(value)


def check_sort(owner, args, positional, budget) -> None:
    if not positional:
        return
    items = _listed(positional, 0)
    count = len(items)
    if count > 1:
        work = deep_size(items, budget) * max(count.bit_length() - 1, 1) if not isinstance(items, _TEXTS) else \
            count * count.bit_length()
        if work > MAX_SORT_WORK:
            raise UnsafeExpression(f"sorted() of {count} items would read about {work} items "
                                   f"(limit {MAX_SORT_WORK})")


def check_int_text(owner, args, positional, budget) -> None:
    value = positional[0] if positional else None
    if isinstance(value, (str, bytes, bytearray)) and len(value) > MAX_INT_TEXT:
        raise UnsafeExpression(f"int() of a text of {len(value)} characters (limit {MAX_INT_TEXT})")


_INT_TEXT_BITS = int(MAX_INT_TEXT * math.log2(10))


def check_text_of_int(owner, args, positional, budget) -> None:
    for value in positional:
        if type(value) is int and value.bit_length() > _INT_TEXT_BITS:
            raise UnsafeExpression(f"a number of more than {MAX_INT_TEXT} digits cannot be made text")


def check_loads(owner, args, positional, budget) -> None:
    text = positional[0] if positional else ""
    if isinstance(text, (str, bytes, bytearray)) and len(text) > MAX_INT_TEXT:
        limit = sys.get_int_max_str_digits() if hasattr(sys, "get_int_max_str_digits") else 0
        if not limit or limit > MAX_INT_TEXT:  # the interpreter's own bound is off: long numbers cost n**2
            if re.search(rf"\d{{{MAX_INT_TEXT + 1}}}", text if isinstance(text, str) else text.decode("latin-1")):
                raise UnsafeExpression(f"loads() of a number of more than {MAX_INT_TEXT} digits")


_C_LEVEL = {
    set: _hashing_call("set()"), frozenset: _hashing_call("frozenset()"),
    dict: _hashing_call("dict()", _pair_keys), dict.fromkeys: _hashing_call("dict.fromkeys()"),
    sorted: check_sort, int: check_int_text, str: check_text_of_int, repr: check_text_of_int,
    json.loads: check_loads,
}
_SET_METHODS = {name: _hashing_call(f"{name}()") for name in (
    "union", "intersection", "difference", "symmetric_difference", "issubset", "issuperset", "isdisjoint",
    "fromkeys")}


def hashed_operator(op, symbol: str):
    """`|`, `&`, `-`, `^`: checked like the set methods when an operand is a set or dict."""
    def apply(left, right, budget):
        if isinstance(left, _HASHED) and isinstance(right, _HASHED) and len(left) + len(right) >= 1_000:
            check_hashing([*left, *right], f"'{symbol}'")
        return op(left, right)
    return apply


def _metered(function, budget: Budget):
    def metered(*args, **kwargs):
        budget.spend(1, "too many calls")
        return function(*args, **kwargs)

    return metered


def _check_growth(owner: Any, name: str, args, kwargs: dict) -> None:
    """Refuse a method of a str/bytes/int/... whose result would be too large."""
    numbers = [a for a in (*args, *kwargs.values()) if type(a) is int]
    if any(abs(n) > MAX_SIZE for n in numbers):  # widths, lengths, counts
        raise UnsafeExpression(f"{name}() argument is too large (limit {MAX_SIZE})")
    estimate = _GROWTH.get(name) if isinstance(owner, (str, bytes)) else None
    if estimate and estimate(len(owner), args, numbers) > MAX_SIZE:
        raise UnsafeExpression(f"{name}() would build a value that is too large (limit {MAX_SIZE})")


def _expandtabs(size: int, args, numbers) -> int:
    return size * max(numbers + [8])


def _replace(size: int, args, numbers) -> int:
    new = args[1] if len(args) > 1 and isinstance(args[1], (str, bytes)) else ""
    return (size + 1) * max(len(new), 1)


def _translate(size: int, args, numbers) -> int:
    table = args[0] if args else {}
    # A dict, but also a list, tuple or str: anything indexed by code point.
    values = table.values() if isinstance(table, dict) else table if isinstance(table, (list, tuple)) else ()
    return size * max(map(len, filter(_is_text, values)), default=1)


def _is_text(value) -> bool:
    return isinstance(value, (str, bytes))


def _join(size: int, args, numbers) -> int:
    items = args[0] if args else ()
    if not hasattr(items, "__len__"):
        raise UnsafeExpression("join() needs a list, a tuple or a string")
    if isinstance(items, _TEXTS):
        return size * len(items) + len(items)
    return size * len(items) + sum(len(i) for i in items if isinstance(i, (str, bytes)))


# Methods of str and bytes whose result can be much longer than the text: its size estimate.
_GROWTH = {"expandtabs": _expandtabs, "replace": _replace, "translate": _translate, "join": _join}


# --- bounded helpers -------------------------------------------------------------------


def bounded_range(*args):
    result = range(*args)
    if len(result) > MAX_SIZE:
        raise UnsafeExpression(f"range of {len(result)} items is too large (limit {MAX_SIZE})")
    return result


def bounded_zip(*iterables):
    sizes = [len(i) for i in iterables if hasattr(i, "__len__")]
    if sizes and len(iterables) * min(sizes) > MAX_SIZE:
        raise UnsafeExpression(f"zip() would build more than {MAX_SIZE} items")
    return zip(*iterables)


def bounded_enumerate(iterable, start=0):
    if hasattr(iterable, "__len__") and 2 * len(iterable) > MAX_SIZE:
        raise UnsafeExpression(f"enumerate() would build more than {MAX_SIZE} items")
    return enumerate(iterable, start)


def bounded_sum(iterable, /, start=0):
    # Adding lists or tuples copies them again and again: quadratic.
    if not isinstance(start, (int, float)):
        raise UnsafeExpression("sum() adds numbers only; build lists with a comprehension")
    return sum(iterable, start)


def bounded_round(number, ndigits=None):
    if isinstance(ndigits, int) and abs(ndigits) > 1_000:
        raise UnsafeExpression("round() digits must be between -1000 and 1000")
    return round(number, ndigits)


def bounded_dumps(value, **options):
    indent, separators = options.get("indent"), options.get("separators") or ()
    sizes = [len(s) for s in (indent, *separators) if isinstance(s, str)]
    if (isinstance(indent, int) and indent > MAX_INDENT) or any(size > MAX_INDENT for size in sizes):
        raise UnsafeExpression(f"dumps() indent and separators are limited to {MAX_INDENT} characters")
    return json.dumps(value, **options)


bounded_range.__name__ = "range"
bounded_zip.__name__ = "zip"
bounded_enumerate.__name__ = "enumerate"
bounded_sum.__name__ = "sum"
bounded_round.__name__ = "round"
bounded_dumps.__name__ = "dumps"


def time_limited(function):
    """`function` (a regex helper) stopped after REGEX_SECONDS: a pattern can backtrack for ages."""

    def limited(*args, **kwargs):
        with alarm(REGEX_SECONDS, _regex_too_slow):
            return function(*args, **kwargs)

    limited.__name__ = function.__name__
    return limited


def _regex_too_slow() -> UnsafeExpression:
    return UnsafeExpression(f"regular expression takes too long (more than {REGEX_SECONDS:g} s)")
