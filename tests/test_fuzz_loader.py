"""Property-based tests: whatever a scenario file or a template holds, the outcome is
a clean result or pytest-play's own error naming the file. Never another exception,
never a hang.

Profiles (tests/hypothesis_profiles.py): "ci" by default, `--hypothesis-profile=long`
for 10,000 examples per test.
"""

import json
from datetime import timedelta
from pathlib import Path

import hypothesis_profiles  # noqa: F401  (registers the profiles)
import pytest
import yaml
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from pytest_play.errors import ExpressionError, ScenarioError, UndefinedVariable
from pytest_play.expressions import evaluate
from pytest_play.waiting import alarm
from pytest_play.loader import load_scenario
from pytest_play.registry import ProviderRegistry
from pytest_play.templating import render, render_string
from pytest_play.validate import validate_scenario

REGISTRY = ProviderRegistry.discover()
TYPES = sorted(REGISTRY.by_type())
EACH_EXAMPLE = timedelta(seconds=2)  # a slower example fails as a hang would


class Hang(BaseException):
    """Raised by the watchdog; a BaseException, so no `except Exception` can hide it."""


def watchdog(seconds: float = 5):
    """Stops an example that runs too long (a deadline alone can't stop a real hang)."""
    return alarm(seconds, lambda: Hang(f"still running after {seconds}s"))


# --- strategies -----------------------------------------------------------------------

TEMPLATE_BITS = ["$x", "${x.y}", "${l[0]}", "$$", "{! 1 + !}", "{! x !}", "{! l[0] * 2 !}", "{! __import__('os') !}",
                 "${", "{!", "!}", "$"]
KEYS = st.sampled_from([
    "steps", "type", "provider", "comment", "skip_condition", "expression", "name", "seconds", "sub_commands",
    "timeout", "poll", "markers", "test_data", "skip", "xfail", "condition", "reason", "strict", "path",
    "$schema", "seleniumVersion", "url", "json", "headers", "locator", "value",
]) | st.text(max_size=8)
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
           | st.sampled_from(TYPES + TEMPLATE_BITS + ["True", "1 +", "python", "http", "selenium", "nope"]))
VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=5),
    max_leaves=20,
)
STEP = st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES) | SCALARS},
    optional={"provider": st.sampled_from(REGISTRY.names + ["http", "browser", "nope"]) | SCALARS,
              "expression": SCALARS, "name": SCALARS, "seconds": SCALARS, "comment": SCALARS,
              "skip_condition": SCALARS, "sub_commands": st.lists(VALUES, max_size=3), "timeout": SCALARS},
) | VALUES
STEPS = st.lists(STEP, max_size=5)
METADATA = st.fixed_dictionaries({}, optional={
    "markers": VALUES, "test_data": st.lists(VALUES, max_size=3), "skip": VALUES, "xfail": VALUES, "timeout": SCALARS,
})
DOCUMENT = VALUES | STEPS | METADATA | st.builds(
    lambda extra, metadata, steps: {**extra, **metadata, "steps": steps},
    st.dictionaries(KEYS, VALUES, max_size=2), METADATA, STEPS,
)


def check_file(path):
    """Load and validate `path` as pytest collects it; return the problems, if any."""
    with watchdog():
        try:
            scenario = load_scenario(path)
        except ScenarioError as error:
            assert path.name in str(error)
            assert error.problems and all(isinstance(message, str) for _, message in error.problems)
            return [message for _, message in error.problems]
        problems = validate_scenario(scenario, REGISTRY, known_variables=set())
    assert all(isinstance(line, (int, type(None))) and isinstance(message, str) for line, message in problems)
    return [message for _, message in problems]


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return tmp_path_factory.mktemp("fuzz")


# --- any bytes --------------------------------------------------------------------------


@settings(deadline=EACH_EXAMPLE)
@given(data=st.binary(max_size=400), suffix=st.sampled_from([".json", ".yml", ".yaml"]))
def test_any_bytes_load_cleanly_or_fail_with_an_error_naming_the_file(folder, data, suffix):
    path = folder / f"test_bytes{suffix}"
    path.write_bytes(data)
    check_file(path)


YAMLISH = st.lists(st.sampled_from([
    "- ", "-", ": ", ":", "\n", "  ", "{", "}", "[", "]", ",", "&a ", "*a", "!!int ", "!!python/name:os.system ",
    "---\n", "? ", "type", "steps", "assert", "expression", "'", '"', "#", "2020-13-01", "1e999", "9" * 5000, "\t",
    "|", ">", "%YAML 1.1\n", "<<: *a", "\x00", "\ufeff", "é",
]), max_size=30).map("".join)


@settings(deadline=EACH_EXAMPLE)
@given(text=YAMLISH, suffix=st.sampled_from([".json", ".yml"]))
def test_yaml_like_text_loads_cleanly_or_fails_with_an_error_naming_the_file(folder, text, suffix):
    path = folder / f"test_text{suffix}"
    path.write_text(text, encoding="utf-8")
    check_file(path)


# --- any structure ------------------------------------------------------------------------


SCALAR_TEXT = st.text(alphabet="01289.:-+_eExXoObB tTrRuUfFaAlLsSnN~yYoO'\"!<=$", max_size=12)


@settings(deadline=EACH_EXAMPLE)
@given(scalar=SCALAR_TEXT)
def test_our_yaml_values_are_pyyamls_safe_values_whatever_the_scalar(scalar):
    # The loader remembers resolved tags by scalar text and takes quoted ones as text:
    # the values must stay exactly those of PyYAML's safe loader.
    from pytest_play.loader import YamlParser

    text = f"- {{a: {scalar}}}\n- {scalar}\n- [{scalar}, {scalar}]\n"
    try:
        expected = list(yaml.load_all(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))
    except yaml.YAMLError:
        expected = ScenarioError
    parser = YamlParser()
    for _ in range(2):  # the second parse uses what the first one remembered
        try:
            found = parser.parse(Path("test_x.yml"), text)
        except ScenarioError:
            found = ScenarioError
        assert found == expected
        if found is not ScenarioError:
            def scalars(documents):
                mapping, scalar, items = documents[0]
                values = [*mapping.values(), scalar, *items]
                return [list if isinstance(v, list) else dict if isinstance(v, dict) else type(v) for v in values]

            assert scalars(found) == scalars(expected)


@settings(deadline=EACH_EXAMPLE)
@given(document=DOCUMENT)
def test_any_json_structure_is_a_scenario_or_problems_naming_the_file(folder, document):
    path = folder / "test_structure.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    check_file(path)


@settings(deadline=EACH_EXAMPLE)
@given(documents=st.lists(DOCUMENT, min_size=1, max_size=3))
def test_any_yaml_documents_are_a_scenario_or_problems_naming_the_file(folder, documents):
    path = folder / "test_structure.yml"
    path.write_text(yaml.safe_dump_all(documents), encoding="utf-8")
    check_file(path)


@settings(deadline=EACH_EXAMPLE)
@given(steps=st.lists(st.fixed_dictionaries({"type": st.sampled_from(TYPES)}, optional={
    "expression": st.sampled_from(["True", "1 == 1", "$x", "{! 1 +", "{! 1 + !}"]),
    "name": st.just("x"), "seconds": st.sampled_from([0, "$pause", "soon"]),
}), min_size=1, max_size=4))
def test_well_formed_steps_are_a_scenario_or_problems(folder, steps):
    path = folder / "test_steps.yml"
    path.write_text(yaml.safe_dump(steps), encoding="utf-8")
    check_file(path)


# --- templating and expressions ----------------------------------------------------------------

NAMES = st.sampled_from(["x", "l", "d", "s", "n"]) | st.from_regex(r"[a-z_][a-z0-9_]{0,4}", fullmatch=True)
VARIABLES = st.dictionaries(NAMES, VALUES, max_size=6)
TEMPLATE = st.lists(st.sampled_from(TEMPLATE_BITS + [
    "${x}", "${d['k']}", "${d.k}", "${l[-1]}", "${x.__class__}", "${s.format}", "{! d !}", "{! len(l) !}",
    "{! [i for i in l] !}", "{! x.upper() !}", "{! '%s' % x !}", "{! n ** n !}", " ", "a", "}", "'", "[", "0",
]) | st.text(max_size=6), max_size=10).map("".join)
ALLOWED = (ExpressionError, UndefinedVariable)  # UnsafeExpression is an ExpressionError


@settings(deadline=EACH_EXAMPLE)
@given(text=TEMPLATE, variables=VARIABLES)
def test_any_template_renders_to_a_value_or_an_expression_error(text, variables):
    with watchdog():
        try:
            render_string(text, variables)
            render({"a": [text, {"b": text}]}, variables)
        except ALLOWED:
            pass


TOKENS = st.sampled_from([
    "x", "l", "d", "s", "n", "len", "sorted", "str", "dumps", "loads", "match", "range", "sum", "zip", "datetime",
    "0", "1", "9", "10", "1000", "-1", "2.5", "'a'", "'%s'", "'{0}'", "'(a*)*b'", "True", "None",
    "+", "-", "*", "**", "/", "//", "%", "<<", ">>", "&", "|", "^", "~", " not ", " and ", " or ",
    "==", "!=", "<", ">", " in ", " is ", "(", ")", "[", "]", "{", "}", ",", ":", ".", "=", "*",
    " for i in ", " if ", " else ", " lambda ", ":=", "upper", "join", "replace", "keys", "items", "format",
    "__class__", "__globals__", "mro", "year", "ljust", "expandtabs", "count", "f'", "'",
])


@settings(deadline=EACH_EXAMPLE)
@given(tokens=st.lists(TOKENS, min_size=1, max_size=14), variables=VARIABLES)
def test_any_expression_evaluates_or_raises_an_expression_error(tokens, variables):
    names = {"x": 3, "l": [1, "a", [2]], "d": {"k": "v"}, "s": "text", "n": 7, **variables}
    with watchdog():
        try:
            evaluate(" ".join(tokens), names)
        except ALLOWED:
            pass


# --- one real session ------------------------------------------------------------------------


def is_broken(folder, name, content) -> bool:
    path = folder / name
    path.write_bytes(content)
    return bool(check_file(path))


def as_bytes(document, suffix):
    text = json.dumps(document) if suffix == ".json" else yaml.safe_dump(document)
    return text.encode("utf-8")


CONTENT = (st.binary(max_size=200) | YAMLISH.map(str.encode)
           | st.builds(lambda document, suffix: (document, suffix), DOCUMENT, st.sampled_from([".json", ".yml"])))


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contents=st.lists(CONTENT, min_size=3, max_size=4), suffixes=st.lists(st.sampled_from([".json", ".yml"]),
                                                                               min_size=4, max_size=4))
def test_broken_files_from_hypothesis_each_fail_alone_in_a_real_session(pytester, tmp_path_factory, contents, suffixes):
    oracle = tmp_path_factory.mktemp("oracle")
    broken = []
    for number, (content, suffix) in enumerate(zip(contents, suffixes)):
        if isinstance(content, tuple):
            content, suffix = as_bytes(*content), content[1]
        name = f"test_fuzz{number}{suffix}"
        if is_broken(oracle, name, content):
            (pytester.path / name).write_bytes(content)
            broken.append(name)
    assume(broken)
    pytester.makefile(".yml", test_good="- {type: assert, expression: '1 + 1 == 2'}\n")
    for stale in pytester.path.glob("test_fuzz*"):
        if stale.name not in broken:
            stale.unlink()

    result = pytester.runpytest("-p", "no:randomly", "-rf")

    output = result.stdout.str()
    assert "INTERNALERROR" not in output and "Traceback" not in output
    result.assert_outcomes(passed=1, failed=len(broken))
    for name in broken:
        stem = name.rsplit(".", 1)[0]
        result.stdout.fnmatch_lines([f"FAILED {name}::{stem} - {name}*"])


# --- profiles ------------------------------------------------------------------------------------

TESTS = __import__("pathlib").Path(__file__).parent


def test_the_long_profile_is_chosen_with_the_hypothesis_profile_option(pytester):
    pytester.makeini("[pytest]\naddopts = -p no:benchmark -p no:randomly\n")  # hypothesis plugin on
    pytester.makeconftest(f"import sys\nsys.path.insert(0, {str(TESTS)!r})\nimport hypothesis_profiles\n")
    pytester.makepyfile(test_profile="""
        from hypothesis import given, settings, strategies as st

        runs = []

        @given(st.integers())
        def test_count(number):
            runs.append(number)

        def test_report():
            print("PROFILE", settings.get_current_profile_name(), settings().max_examples, len(runs))
    """)
    long = pytester.runpytest_subprocess("-s", "--hypothesis-profile=long", "-k", "report")
    default = pytester.runpytest_subprocess("-s")
    long.stdout.fnmatch_lines(["*PROFILE long 10000 0"])
    default.stdout.fnmatch_lines(["*PROFILE ci 100 100"])
