"""Runs that would never end: template scanning is linear, C calls that no alarm can
interrupt are refused before they start, and sleeps and waits end within the
scenario's time limit. Each test ends in bounded time, also when the bound is gone."""

import random
import re
import sys
import time

import pytest

from pytest_play.errors import ExpressionError, PlayTimeout, UnsafeExpression
from pytest_play.expressions import evaluate
from pytest_play.templating import compile_template
from pytest_play.waiting import alarm, poll

scan = compile_template.__wrapped__  # no cache: each call scans


class Hang(BaseException):
    """Raised by the watchdog; a BaseException, so no `except Exception` can hide it."""


def watchdog(seconds: float = 10):
    return alarm(seconds, lambda: Hang(f"still running after {seconds}s"))


def fastest(function, repeats: int = 3) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


# --- templates ----------------------------------------------------------------------

TOO_MANY = "a text may hold at most 10000 substitutions ($name, ${...}, $$, {! !}); this one has more"

PASTES = [
    # (unit repeated up to 1 MB, error text or None when the text is just text)
    ("{!", None),
    ("${", None),
    ("{!${$", None),
    ("$", TOO_MANY),
    ("$a", TOO_MANY),
    ("${a}{!", TOO_MANY),
    ("{!1!}", TOO_MANY),
]


def scan_outcome(text: str):
    try:
        return scan(text)
    except ExpressionError as error:
        return str(error)


@pytest.mark.parametrize("unit, error", PASTES, ids=[unit for unit, _ in PASTES])
def test_a_pasted_megabyte_of_template_marks_is_scanned_in_linear_time(unit, error):
    small, big = unit * (250_000 // len(unit)), unit * (1_000_000 // len(unit))
    with watchdog():
        outcome = scan_outcome(big)
        small_time = fastest(lambda: scan_outcome(small), repeats=5)
        big_time = fastest(lambda: scan_outcome(big), repeats=5)
    assert outcome == (error if error else (big,))
    # 4 times the text: under 10 times the time (quadratic would be 16 times, and was hours).
    assert big_time < 10 * small_time + 0.02, f"250 KB: {small_time:.4f}s, 1 MB: {big_time:.4f}s"
    assert big_time < 1.0


def test_an_unclosed_expression_mark_still_leaves_later_references_working():
    parts = compile_template("{! a $x {! b $$ ${y}")
    assert [p if isinstance(p, str) else p.name for p in parts] == ["{! a ", "x", " {! b ", "$", " ", "y"]
    assert compile_template("{! 1 !} {! 2") [0].text == "1"


def test_a_megabyte_inside_one_expression_or_reference_is_refused_with_its_limit():
    with watchdog():
        start = time.perf_counter()
        with pytest.raises(UnsafeExpression, match="expression is longer than 10000 characters"):
            scan("{!" * 500_000 + "!}")
        with pytest.raises(ExpressionError, match=r"a reference \$\{\.\.\.\} may hold at most 1000 characters, "
                                                  r"not 999999: \$\{aaaa"):
            scan("${" + "a" * 999_999 + "}")
        assert time.perf_counter() - start < 1.0


# --- C calls bounded before they start -------------------------------------------------

COLLIDING = [i * (2**61 - 1) for i in range(1, 12_001)]  # all hash to 0: each insert compares with all before
HALF = len(COLLIDING) // 2
WORK = "keys with equal hashes would need about 144000000 comparisons"  # 12,000 squared

C_CALLS = [
    ("set(keys)", rf"set\(\): {WORK} \(limit 1000000\)"),
    ("dict.fromkeys(keys)", rf"dict.fromkeys\(\): {WORK}"),
    ("dict(zip(keys, keys))", rf"dict\(\): {WORK}"),
    ("left | right", f"'\\|': {WORK}"),
    ("left.union(right)", rf"union\(\): {WORK}"),
    ("sorted(shuffled)", r"sorted\(\) of 1000000 items would read about 19000019 items \(limit 4000000\)"),
    ("('a' * 10**6).translate(['b' * 1000] * 98)", r"translate\(\) would build a value that is too large "
                                                    r"\(limit 1000000\)"),
    ("''.join(str(i) for i in range(10**6))", r"expression (does too much work|takes too long)"),
    ("data * 10**8", "repetition builds more than 1000000 items"),
]


@pytest.fixture(scope="module")
def c_names():
    shuffled = list(range(10**6))
    random.Random(13).shuffle(shuffled)
    left, right = set(COLLIDING[:HALF]), set(COLLIDING[HALF:])  # each built once, here: 2 x 18,000,000
    return {"keys": COLLIDING, "left": left, "right": right, "shuffled": shuffled, "data": bytearray(b"ab")}


@pytest.mark.parametrize("expression, message", C_CALLS, ids=[e[:30] for e, _ in C_CALLS])
def test_a_c_call_no_alarm_can_stop_is_refused_before_it_starts(expression, message, c_names):
    start = time.perf_counter()
    with watchdog(), pytest.raises(UnsafeExpression, match=message):
        evaluate(expression, c_names)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"refused after {elapsed:.2f}s"


def test_sets_and_sorts_of_ordinary_values_still_work():
    # Many equal keys are counted as such: 10 groups of 400 equal pairs cost 4,000 comparisons, not 1,600,000.
    names = {"codes": [i % 7 for i in range(5_000)], "words": [str(i % 10) for i in range(5_000)],
             "pairs": [(i % 10, "x") for i in range(4_000)], "few": COLLIDING[:500]}  # 250,000 comparisons: allowed
    assert evaluate("len(set(codes)) == 7 and len(set(words)) == 10 and len(dict.fromkeys(pairs)) == 10", names)
    assert evaluate("len(set(few)) == 500 and sorted(codes[:1000])[-1] == 6", names)


@pytest.fixture
def no_digit_limit():
    """The interpreter's own bound on int <-> text conversions off (PYTHONINTMAXSTRDIGITS=0)."""
    previous = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    yield
    sys.set_int_max_str_digits(previous)


@pytest.mark.parametrize("expression, message", [
    ("int(digits)", r"int\(\) of a text of 300000 characters \(limit 4300\)"),
    ("str(number)", "a number of more than 4300 digits cannot be made text"),
    ("f'{number}'", "a number of more than 4300 digits cannot be made text"),
    ("loads(digits)", r"loads\(\) of a number of more than 4300 digits"),
])
def test_long_int_text_conversions_are_refused_even_without_the_interpreters_digit_limit(
        expression, message, no_digit_limit):
    names = {"digits": "7" * 300_000, "number": 7 ** 360_000}  # each conversion: seconds, in C
    start = time.perf_counter()
    with watchdog(), pytest.raises(UnsafeExpression, match=message):
        evaluate(expression, names)
    assert time.perf_counter() - start < 1.0


# --- sleeps and waits within the scenario's time limit -------------------------------


def test_a_wait_whose_attempts_swallow_the_alarm_still_ends_when_it_fires():
    started = time.monotonic()

    def attempt():
        try:
            time.sleep(0.05)
        except Exception:  # as a careless provider might
            pass
        if time.monotonic() - started > 3:
            return True, "never stopped"
        return False, None

    with watchdog(), pytest.raises(PlayTimeout, match="the time is up"):
        with alarm(0.3, lambda: PlayTimeout("the time is up")):
            poll(attempt, timeout=None, interval=0, waiting_for="nothing")
    assert time.monotonic() - started < 2


SCENARIOS = {
    "test_sleep_forever": "timeout: 2\n---\n- {type: sleep, seconds: 1000000000}\n",
    "test_sleep_past": "timeout: 1\n---\n- {type: sleep, seconds: 3}\n",
    "test_sleep_short": "timeout: 5\n---\n- {type: sleep, seconds: 0.1}\n",
    "test_sleep_negative": "- {type: sleep, seconds: -1}\n",
    "test_wait_forever": "timeout: 1\n---\n- {type: wait_until, expression: 'False', timeout: 0, poll: 0.01}\n",
    "test_while_forever": "timeout: 1\n---\n- {type: while, expression: 'True', timeout: 0}\n",
    "test_while_huge": "timeout: 1\n---\n- {type: while, expression: 'True', timeout: 1000000000,"
                       " sub_commands: [{type: store_variable, name: n, expression: '1'}]}\n",
}


def test_sleeps_and_waits_end_within_the_scenario_time_limit(pytester):
    pytester.makefile(".yml", **SCENARIOS)
    start = time.monotonic()
    result = pytester.runpytest("-p", "no:randomly", "--durations=0", "-vv")
    elapsed = time.monotonic() - start
    result.assert_outcomes(passed=1, failed=6)
    result.stdout.fnmatch_lines(["*test_sleep_forever.yml*", "*sleep of 1e+09s is longer than the time left "
                                 "of the time limit (*s of 2s)"])
    result.stdout.fnmatch_lines(["*sleep of 3s is longer than the time left of the time limit (*s of 1s)"])
    result.stdout.fnmatch_lines(["*seconds must be a number of seconds >= 0, not -1"])
    assert result.stdout.str().count("scenario timed out after 1s") >= 3
    assert elapsed < 15, f"took {elapsed:.1f}s"
    calls = {line.split("::")[-1]: float(line.split()[0][:-1]) for line in result.stdout.lines
             if re.match(r"\d+\.\d+s call ", line)}
    assert calls["test_sleep_forever"] < 0.5 and calls["test_sleep_past"] < 0.5, calls  # at once
    assert 0.9 < calls["test_wait_forever"] < 3 and 0.9 < calls["test_while_forever"] < 3, calls  # at the limit
