"""The seam to pytest-bdd (pytest_play/bdd/seam.py): what pytest-play expects of it.
When pytest-bdd changes, these fail first, and seam.py is the one file to mend."""

import textwrap

import pytest

pytest.importorskip("pytest_bdd")

from pytest_play.bdd import seam  # noqa: E402

FEATURE = """
@shop
Feature: Shop
  Background:
    Given a shop

  @slow
  Scenario Outline: Buying
    Given a <thing>
    And <count> more
    When I pay
    But I keep the receipt

    @cheap
    Examples:
      | thing | count |
      | pen   | 2     |
      | cup   | 1     |

  Rule: Returns
    @returns
    Scenario: Returning
      Then I get my money back
"""


@pytest.fixture
def feature(tmp_path):
    path = tmp_path / "shop.feature"
    path.write_text(textwrap.dedent(FEATURE).lstrip())
    return path


def test_feature_steps_render_each_example_with_the_background_and_the_kind_of_and_and_but(feature):
    steps = [(step.type, step.text, step.line, step.shown()) for step in seam.feature_steps(feature)]
    assert steps[:5] == [
        ("given", "a shop", 4, "Given a shop"),
        ("given", "a pen", 8, "Given a pen"),
        ("given", "2 more", 9, "And 2 more"),
        ("when", "I pay", 10, "When I pay"),
        ("when", "I keep the receipt", 11, "But I keep the receipt"),
    ]
    assert ("given", "a cup", 8, "Given a cup") in steps
    assert steps[-2:] == [("given", "a shop", 4, "Given a shop"), ("then", "I get my money back", 22,
                                                                   "Then I get my money back")]
    assert len(steps) == 5 + 5 + 2


def test_feature_tags_are_those_of_the_feature_scenarios_examples_and_rules(feature):
    assert seam.feature_tags(feature) == {"shop", "slow", "cheap", "returns"}


def test_bind_and_define_put_test_functions_and_step_fixtures_in_a_namespace_and_examples_reach_items(pytester):
    """Run inside a pytest session, as at collection: pytest-bdd's decorators need its configured plugin."""
    pytester.makeini("[pytest]\naddopts = -p no:hypothesispytest -p no:benchmark -p no:randomly\n"
                     "markers =\n    shop\n    slow\n    cheap\n    returns\n")
    (pytester.path / "shop.feature").write_text(textwrap.dedent(FEATURE).lstrip())
    pytester.makeconftest('''
import pytest
from pytest_play.bdd import seam


def pytest_runtest_setup(item):
    print("EXAMPLE", item.name, seam.example_of(item))
''')
    pytester.makepyfile(test_shop='''
from pathlib import Path

from pytest_play.bdd import seam

seen = []
seam.bind_scenarios(globals(), Path(__file__).with_name("shop.feature"))
for pattern, kind in [("a shop", "given"), ("a {thing}", "given"), ("{count:d} more", "given"),
                      ("I pay", "when"), ("I keep the receipt", "step"), ("I get my money back", "then")]:
    seam.define_step(globals(), kind, pattern, lambda **kw: seen.append(kw))

NAMES = sorted(name for name in globals() if name.startswith(("test_", "pytestbdd_stepdef_")))


def test_names():
    assert NAMES == ["pytestbdd_stepdef_*_I keep the receipt", "pytestbdd_stepdef_given_a shop",
                     "pytestbdd_stepdef_given_a {thing}", "pytestbdd_stepdef_given_{count:d} more",
                     "pytestbdd_stepdef_then_I get my money back", "pytestbdd_stepdef_when_I pay",
                     "test_buying", "test_returning"]
    assert not any(name.startswith("__play_") for name in globals())
''')
    result = pytester.runpytest("-s", "-v", "-m", "not returns or returns")
    result.assert_outcomes(passed=4)
    result.stdout.fnmatch_lines([
        "*EXAMPLE test_buying[[]pen-2[]] {'thing': 'pen', 'count': '2'}",
        "*EXAMPLE test_buying[[]cup-1[]] {'thing': 'cup', 'count': '1'}",
        "*EXAMPLE test_returning {}",
    ])
    pytester.runpytest("-m", "cheap").assert_outcomes(passed=2, deselected=2)


def test_a_gherkin_parse_error_gives_its_line_and_reason(tmp_path):
    path = tmp_path / "bad.feature"
    path.write_text("Feature: One\n  Scenario: S\n    Given a\nFeature: Two\n")
    with pytest.raises(Exception) as excinfo:
        list(seam.feature_steps(path))
    assert seam.parse_error(excinfo.value) == (4, "Multiple features are not allowed in a single feature file.")
    assert seam.parse_error(ValueError("other")) is None
