"""Steps are compiled once, at collection, into immutable objects; the engine runs
them with its collaborators given explicitly, so it needs no pytest session."""

import dataclasses
import io
from pathlib import Path

import pytest

from pytest_play.engine import Engine
from pytest_play.errors import StepFailure
from pytest_play.expressions import Expression
from pytest_play.loader import load_text
from pytest_play.protocol import BaseProvider, Param, command
from pytest_play.providers.selenium.locators import parse_locator
from pytest_play.registry import ProviderRegistry
from pytest_play.validate import StepCompiler

REGISTRY = ProviderRegistry.discover()
SCENARIO = """\
- {type: store_variable, name: x, expression: '2'}
- {type: assert, expression: '$x == 2'}
- {type: clickElement, locator: {type: css, value: '#go'}}
- {type: clickElement, locator: {type: css, value: '$x'}}
"""


def compile_text(text):
    scenario = load_text(text, Path("test_x.yml"))
    return scenario, StepCompiler(REGISTRY).compile_scenario(scenario)


def test_compiling_leaves_the_parsed_values_as_they_were():
    scenario, (compiled, problems) = compile_text(SCENARIO)
    assert problems == []
    for step in scenario.steps:
        assert not hasattr(step.data, "plan") and not hasattr(step.data, "__dict__")
    with pytest.raises(dataclasses.FrozenInstanceError):
        compiled.steps[0].plan = None
    with pytest.raises(TypeError):
        compiled.steps[0].parsed["expression"] = "1"


def test_parameters_with_nothing_to_render_are_parsed_by_their_kind():
    _, (compiled, _) = compile_text(SCENARIO)
    store, check, click, templated_click = compiled.steps
    assert isinstance(store.parsed["expression"], Expression) and store.parsed["expression"].text == "2"
    assert check.parsed == {} and check.plan[1] == ("expression",)
    assert (click.parsed["locator"].by, click.parsed["locator"].query) == ("css selector", "#go")
    assert templated_click.parsed == {} and templated_click.plan[1] == ("locator",)


class Recorder(BaseProvider):
    @command(locator=Param("locator", parse=parse_locator), expression=Param("expression", required=False))
    def command_record(self, command, **kwargs):
        self.engine.variables["seen"] = (command["locator"], self.engine.parsed("locator"),
                                         self.engine.parsed("expression", "none"))


class RecorderEntryPoint:
    """The `playcommands` entry point of a provider installed nowhere."""

    name, value, dist = "recorder", "test_compiled_steps:Recorder", None

    def load(self):
        return Recorder


def test_a_provider_runs_without_a_pytest_session_and_sees_what_was_parsed():
    output = io.StringIO()
    engine = Engine(REGISTRY, {"x": 2}, output=output)
    assert engine.request is None
    engine.execute_command({"type": "store_variable", "name": "y", "expression": "$x * 3"})
    assert engine.variables["y"] == 6
    assert "[play] step * store_variable: ok in" in output.getvalue()

    registry = ProviderRegistry([RecorderEntryPoint()])
    engine = Engine(registry, {"sel": "#b"}, compiler=StepCompiler(registry), output=io.StringIO())
    engine.execute_command({"type": "record", "locator": {"type": "id", "value": "a"}})
    raw, parsed, expression = engine.variables["seen"]
    assert raw == {"type": "id", "value": "a"} and str(parsed) == "id 'a'" and expression == "none"
    engine.execute_command({"type": "record", "locator": {"type": "id", "value": "$sel"}})
    assert engine.variables["seen"][:2] == ({"type": "id", "value": "#b"}, None)  # parsed only before rendering


def test_a_plain_dict_step_is_checked_when_run_with_the_same_messages():
    engine = Engine(REGISTRY, output=io.StringIO())
    with pytest.raises(StepFailure, match=r"clickElement: parameter 'locator': unknown locator type 'csss'"):
        engine.execute_command({"type": "clickElement", "locator": {"type": "csss", "value": "a"}})
    with pytest.raises(StepFailure, match=r"assert: missing parameter 'expression'"):
        engine.execute_command({"type": "assert"})
    with pytest.raises(StepFailure, match=r"unknown command 'asert'"):
        engine.execute_command({"type": "asert"})


def test_an_included_file_is_compiled_before_it_runs(pytester):
    pytester.path.joinpath("part.yml").write_text("- {type: assert, expression: 'True'}\n- {type: asert}\n")
    pytester.makefile(".yml", test_inc="- {type: store_variable, name: a, expression: '1'}\n"
                                       "- {type: include, path: part.yml}\n")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["test_inc.yml:2: step 2 failed", "  can't include 'part.yml': *part.yml:2: step 2: "
                                 "unknown command 'asert' (did you mean 'assert'*"])
    assert "[play] step 1 assert" not in result.stdout.str()  # nothing of it ran


def test_an_expression_compiled_at_collection_is_not_compiled_again_when_run(monkeypatch):
    _, (compiled, _) = compile_text("- {type: store_variable, name: x, expression: '6 * 7'}\n"
                                    "- {type: assert, expression: 'x == 42'}\n")
    engine = Engine(REGISTRY, output=io.StringIO())
    monkeypatch.setattr("pytest_play.engine.compile_expression", lambda text: pytest.fail(f"compiled {text!r}"))
    engine.run_scenario(compiled.steps)
    assert engine.variables["x"] == 42


def test_running_renders_the_templates_compiled_at_collection_without_compiling_them_again(monkeypatch):
    from pytest_play import templating
    from pytest_play.expression_templates import compile_expression_template

    _, (compiled, _) = compile_text("- {type: store_variable, name: x, expression: '6 * 7'}\n"
                                    "- {type: assert, expression: '$x == 42', comment: 'x is $x'}\n")
    # An expression's template is the expression compiled with its references as values.
    assert compiled.steps[1].templates["expression"][0].compiled is compile_expression_template("$x == 42")
    compiled_again = []
    real = templating.compile_template
    monkeypatch.setattr(templating, "compile_template", lambda text: compiled_again.append(text) or real(text))
    engine = Engine(REGISTRY, output=io.StringIO())
    engine.run_scenario(compiled.steps)
    assert "$x == 42" not in compiled_again and "x is $x" not in compiled_again
    assert engine.variables["x"] == 42
