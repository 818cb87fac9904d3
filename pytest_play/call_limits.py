"""The calls of the expression sandbox, bounded before they run (see `limits` for the budget).

A call is charged to the evaluation's `Budget` and its arguments weighed
(`guard_call`). The methods and helpers whose output or work can explode with
their arguments (padding, `replace`, `join`, regular expressions, `zip`, `sum`,
`round`, `dumps`) are checked here, and so are the C calls that no alarm can
interrupt once they run long: hashing keys with equal hashes, `sorted`, and
conversions between long numbers and text.
"""

from __future__ import annotations

import json
import math
import operator
import re
import sys
import types
from collections import Counter
from itertools import chain
from typing import Any

from .errors import UnsafeExpression
from .limits import (MAX_COLLISIONS, MAX_INDENT, MAX_INT_TEXT, MAX_SIZE, MAX_SORT_WORK, REGEX_SECONDS, Budget,
                     deep_size, weigh)
from .waiting import alarm

_HASHED = (dict, set, frozenset)
_TEXTS = (str, bytes, bytearray)

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
