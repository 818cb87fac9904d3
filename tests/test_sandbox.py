"""The expression sandbox refuses escape attempts and runaway work, quickly, with a
clear message, and without running anything; normal expressions keep working."""

import builtins
import os
import signal
import subprocess
import time
import types

import pytest

from pytest_play.errors import ExpressionError, UndefinedVariable, UnsafeExpression
from pytest_play.expressions import _DENIED_ATTRIBUTES, evaluate

TOUCHED = []  # a successful escape through `x.__globals__` would append here


def canary(*args):
    TOUCHED.append(args)


class Response:
    """Like an HTTP response in `names`."""

    status_code = 200
    text = "hello"

    def json(self):
        return {"items": [{"id": 1}, {"id": 2}]}


IMPORTS = "name '__import__' is not allowed"
TOO_MUCH = r"expression (does too much work|takes too long)"

ATTEMPTS = [
    # imports
    ("__import__('os')", IMPORTS),
    ("__import__('os').system('touch SENTINEL')", IMPORTS),
    ("__builtins__['open']('SENTINEL', 'w')", "name '__builtins__' is not allowed"),
    ("loads.__globals__['__builtins__']['__import__']('os')", "attribute '__globals__' is not allowed"),
    ("import os", "invalid expression 'import os': invalid syntax"),
    # dunder walks
    ("().__class__.__bases__[0].__subclasses__()", "attribute '__class__' is not allowed"),
    ("''.__class__.__mro__[1].__subclasses__()", "attribute '__class__' is not allowed"),
    ("[].__class__", "attribute '__class__' is not allowed"),
    ("x.__globals__['TOUCHED'].append(1)", "attribute '__globals__' is not allowed"),
    ("x.__code__.co_consts", "attribute '__code__' is not allowed"),
    ("response.__dict__", "attribute '__dict__' is not allowed"),
    ("response.json.__func__.__globals__", "attribute '__func__' is not allowed"),
    ("[i for i in [1]].__class__", "attribute '__class__' is not allowed"),
    # format strings read attributes
    ("'{0.__class__}'.format(1)", "attribute 'format' is not allowed"),
    ("'{.__globals__}'.format(x)", "attribute 'format' is not allowed"),
    ("'{0.__class__}'.format_map({})", "attribute 'format_map' is not allowed"),
    ("str.format('{0.__class__.__bases__}', 1)", "attribute 'format' is not allowed"),
    ("'{:>9999999999}'.format(1)", "attribute 'format' is not allowed"),
    ("f'{x.__globals__}'", "attribute '__globals__' is not allowed"),
    # from helper functions and objects to modules, frames and code
    ("match.__module__", "attribute '__module__' is not allowed"),
    ("loads.__globals__", "attribute '__globals__' is not allowed"),
    ("datetime.datetime.__module__", "attribute '__module__' is not allowed"),
    ("dumps.__code__", "attribute '__code__' is not allowed"),
    ("str.mro()", "attribute 'mro' is not allowed"),
    ("(i for i in [1]).gi_frame.f_globals", "attribute 'gi_frame' is not allowed"),
    ("sorted.__self__", "attribute '__self__' is not allowed"),
    ("datetime.datetime.now.__self__", "attribute '__self__' is not allowed"),
    ("search.__wrapped__", "attribute '__wrapped__' is not allowed"),
    ("match('a', 'a').re", "access to Pattern objects is not allowed"),
    ("match('a', 'a').expand('x')", "attribute 'expand' is not allowed"),
    # builtins that are simply not there
    ("getattr(1, '__class__')", "undefined name 'getattr'"),
    ("vars()", "undefined name 'vars'"),
    ("globals()", "undefined name 'globals'"),
    ("locals()", "undefined name 'locals'"),
    ("compile('1', '', 'eval')", "undefined name 'compile'"),
    ("eval('1')", "undefined name 'eval'"),
    ("exec('1')", "undefined name 'exec'"),
    ("open('SENTINEL', 'w')", "undefined name 'open'"),
    ("type(1)", "undefined name 'type'"),
    ("object", "undefined name 'object'"),
    ("__builtins__", "name '__builtins__' is not allowed"),
    ("breakpoint()", "undefined name 'breakpoint'"),
    # syntax that could loop or bind
    ("(lambda f: f(f))(lambda f: f(f))", "lambda is not allowed in expressions"),
    ("(y := 1)", r"assignment \(:=\) is not allowed in expressions"),
    ("[(y := i) for i in range(3)]", r"assignment \(:=\) is not allowed in expressions"),
    ("(yield)", "yield is not allowed in expressions"),
    ("await x", "await is not allowed in expressions"),
    # changing values in place (and growing them past the size checks)
    ("[a.extend(a) for a in [[1]] for _ in range(40)]", "'extend' changes a value in place"),
    ("variables.clear()", "'clear' changes a value in place"),
    ("list.append(variables['items'], 1)", "'append' changes a value in place"),
    # loops, comprehensions, sums
    ("[a for a in range(10**5) for b in range(10**5)]", TOO_MUCH),
    ("sum(a * b for a in range(10**4) for b in range(10**4))", TOO_MUCH),
    ("[[0] * 10**5 for _ in range(10**5)]", TOO_MUCH),
    ("[list(range(10**6)) for _ in range(100)]", TOO_MUCH),
    ("sorted(range(10**6), key=dumps)", r"sorted\(\) of 1000000 items would read about 19000019 items \(limit 4000000\)"),
    ("sum([[0]] * 10, [])", r"sum\(\) adds numbers only"),
    # huge numbers, strings, lists, ranges
    ("9**9**9", "power result is too large"),
    ("2**10**8", "power result is too large"),
    ("1 << 10**10", "shift result is too large"),
    ("int('9' * 4300) ** 2", "call builds a number of more than 4096 bits"),
    ("round(1, -10**9)", r"round\(\) digits must be between -1000 and 1000"),
    ("(1).to_bytes(10**9, 'big')", r"to_bytes\(\) argument is too large"),
    ("'a' * 10**10", "repetition builds more than 1000000 items"),
    ("[0] * 10**9", "repetition builds more than 1000000 items"),
    ("range(10**12)", "range of 1000000000000 items is too large"),
    ("'x'.ljust(10**10)", r"ljust\(\) argument is too large"),
    ("str.ljust('x', 10**10)", r"ljust\(\) argument is too large"),
    ("('\\t' * 999000).expandtabs(1000)", r"expandtabs\(\) would build a value that is too large"),
    ("('a'*10**5).replace('a', 'a'*10**5)", r"replace\(\) would build a value that is too large"),
    ("('a'*10**6).translate({97: 'b'*10**6})", r"translate\(\) would build a value that is too large"),
    ("('x'*10**5).join('a'*10**5)", r"join\(\) would build a value that is too large"),
    ("list(zip(*[range(10**5)] * 20))", r"zip\(\) would build more than 1000000 items"),
    ("dumps([0] * 1000, indent=10**6)", r"dumps\(\) indent and separators are limited"),
    # format widths
    ("f'{1:>99999999}'", "format width is too large"),
    ("f'{1:{10**8}}'", "format width is too large"),
    ("'%099999999d' % 1", "format width is too large"),
    ("'%*d' % (10**9, 1)", "format width is too large"),
    # values that multiply when printed, hashed or compared
    ("str([['a'*1000]*1000]*1000)", "value is too large to process"),
    ("{((((1,)*1000,)*1000,)*1000,)}", "value is too large to process"),
    ("[z for y in [[0]*1000] for x in [[y]*1000] for z in [[x]*1000]]", "value is too large to process"),
    # regular expressions that backtrack for ages
    ("match('(a*)*b', 'a' * 40)", "regular expression takes too long"),
    ("search('(x+x+)+y', 'x' * 5000)", "regular expression takes too long"),
    # nesting and length
    ("(" * 10000 + "1" + ")" * 10000, "expression is longer than 10000 characters"),
    ("(" * 4000 + "1" + ")" * 4000, "too many nested parentheses"),
    ("-" * 9000 + "1", "expression nests too deeply"),
    ("1+" * 6000 + "1", "expression is longer than 10000 characters"),
    ("loads('[' * 100000 + ']' * 100000)", "expression nests too deeply"),
]


class Recorder:
    """Records calls to functions that run programs, open files or import modules."""

    def __init__(self, monkeypatch):
        self.calls = []
        self.active = False  # pytest's own imports while patching don't count
        self.monkeypatch = monkeypatch

    def watch(self, owner, name):
        original = getattr(owner, name)

        def recorded(*args, **kwargs):
            if self.active:
                self.calls.append((name, args[:1]))
            return original(*args, **kwargs)

        self.monkeypatch.setattr(owner, name, recorded)

    def __enter__(self):
        for owner, name in [(os, "system"), (os, "popen"), (os, "execv"), (subprocess, "Popen"),
                            (builtins, "open"), (builtins, "__import__"), (builtins, "exec"), (builtins, "eval")]:
            self.watch(owner, name)
        self.active = True
        return self

    def __exit__(self, *exc_info):
        self.active = False
        self.monkeypatch.undo()


def names():
    return {"x": canary, "response": Response(), "variables": {"items": [1, 2]}}


@pytest.mark.parametrize("attempt, message", ATTEMPTS, ids=[a[:40] for a, _ in ATTEMPTS])
def test_escape_attempt_is_refused_quickly_with_a_clear_message_and_runs_nothing(
        attempt, message, tmp_path, monkeypatch):
    sentinel = tmp_path / "escaped"
    text = attempt.replace("SENTINEL", str(sentinel))
    start = time.perf_counter()
    with Recorder(monkeypatch) as recorder, pytest.raises((ExpressionError, UndefinedVariable), match=message):
        evaluate(text, names())
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"refused after {elapsed:.2f}s"
    assert recorder.calls == []
    assert not sentinel.exists()
    assert TOUCHED == []


@pytest.mark.parametrize("attribute", sorted(_DENIED_ATTRIBUTES))
def test_every_denied_attribute_is_refused_even_where_the_value_has_it(attribute):
    holder = types.SimpleNamespace(**{attribute: "reached"})
    with pytest.raises(UnsafeExpression, match=f"access to attribute '{attribute}' is not allowed"):
        evaluate(f"holder.{attribute}", {"holder": holder})
    assert evaluate("holder.allowed", {"holder": types.SimpleNamespace(allowed="reached")}) == "reached"


CONTROLS = [
    "status == 200 and 'ell' in text and text != 'bye'",
    "response.json()['items'][1]['id'] == 2",
    "[i * 2 for i in items if i > 1] == [4, 6]",
    "{k: v for k, v in pairs} == {'a': 1, 'b': 2}",
    "datetime.datetime(2020, 1, 1).year == 2020",
    "datetime.timedelta(seconds=60).total_seconds() == 60",
    "bool(match(r'a\\d', 'a1')) and search('b+', 'abbc').group() == 'bb'",
    "loads(dumps({'k': [1, 2]}))['k'][1] == 2 and loads(dumps(pairs, indent=2)) == [['a', 1], ['b', 2]]",
    "len(items) == 3 and min(items) == 1 and max(items) == 3 and sum(items) == 6",
    "any(i > 2 for i in items) and all(i > 0 for i in items)",
    "sorted(items, reverse=True) == [3, 2, 1] and sorted(words, key=len)[0] == 'a'",
    "int('42') + float('0.5') == 42.5 and str(7) == '7' and bool(1) and round(2.567, 2) == 2.57",
    "variables['x'] == 'v'",
    "list(zip(items, 'abc'))[0] == (1, 'a') and list(enumerate(items))[-1] == (2, 3)",
    "f'{status:>5}' == '  200' and '%05d' % 42 == '00042' and 2 ** 100 > 10 ** 30",
    "', '.join(words) == 'a, bb' and 'x'.ljust(3, '.') == 'x..' and 'a-b'.replace('-', '+') == 'a+b'",
    "items[1:] == [2, 3] and (1, 2) in {(1, 2): 'p'} and text[::-1] == 'olleh'",
    "[w.upper() for w in words] == ['A', 'BB'] and dict(pairs)['b'] == 2 and set(items) == {1, 2, 3}",
]


@pytest.mark.parametrize("expression", CONTROLS)
def test_normal_expressions_keep_working(expression):
    variables = {"x": "v"}
    names = {"status": 200, "text": "hello", "response": Response(), "items": [1, 2, 3],
             "pairs": [("a", 1), ("b", 2)], "words": ["a", "bb"], "variables": variables, **variables}
    assert evaluate(expression, names) is True


def test_a_regex_time_limit_puts_back_the_scenario_timeout(monkeypatch):
    """The regex helpers borrow SIGALRM; the engine's scenario timeout uses it too."""
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda *args: fired.append(args))
    signal.setitimer(signal.ITIMER_REAL, 30)
    try:
        assert evaluate("match('a+', 'aaa').group()", {}) == "aaa"
        with pytest.raises(ExpressionError, match="regular expression takes too long"):
            evaluate("match('(a*)*b', 'a' * 40)", {})
        remaining, _ = signal.getitimer(signal.ITIMER_REAL)
        handler = signal.getsignal(signal.SIGALRM)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert 28 < remaining <= 30
    assert handler is not previous and fired == []
    handler(signal.SIGALRM, None)
    assert len(fired) == 1  # the scenario's own handler is back


def test_a_refused_expression_in_a_scenario_is_a_clear_failure(pytester):
    # Written in the file: refused at collection, with its line. Rendered from a
    # variable: refused when run. Too much work: stopped when run.
    pytester.makefile(".yml", test_hostile="""\
- {type: store_variable, name: who, expression: "'ann'"}
- type: assert
  comment: pasted from a form
  expression: "().__class__.__bases__[0].__subclasses__()"
- {type: assert, expression: "who == 'ann'"}
""", test_rendered="""\
test_data:
  - {attack: "().__class__.__bases__[0]"}
---
- {type: assert, comment: pasted from a form, expression: "$attack"}
""", test_runaway="""\
- type: store_variable
  name: big
  expression: "[[0] * 10**5 for _ in range(10**5)]"
""")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines([
        "test_hostile.yml:2: step 2: assert: parameter 'expression': access to attribute '__class__' is not allowed",
    ])
    result.stdout.fnmatch_lines([
        "test_rendered.yml:4: step 1 (pasted from a form) failed",
        '  step: {"type": "assert", "expression": "().__class__.__bases__[0]"}',
        "  access to attribute '__class__' is not allowed",
    ])
    result.stdout.fnmatch_lines([
        "test_runaway.yml:1: step 1 failed",
        "  expression does too much work (repetition)",
    ])
    assert "Traceback" not in result.stdout.str()
