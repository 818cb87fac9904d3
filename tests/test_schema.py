"""The JSON Schema for editors: built from the installed providers, it accepts every
example scenario and rejects the mistakes collection rejects."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from pytest_play.registry import ProviderRegistry
from pytest_play.schema import build_schema, main

ROOT = Path(__file__).parent.parent
EXAMPLES = sorted(p for p in (ROOT / "scenarios").rglob("*") if p.suffix in (".json", ".yml", ".yaml"))


@pytest.fixture(scope="module")
def schema():
    built = build_schema(ProviderRegistry.discover())
    jsonschema.Draft202012Validator.check_schema(built)
    return built


def validator(schema, definition=None):
    """A validator of the whole schema, or of one of its definitions (`metadata`, `steps`)."""
    if definition:
        schema = {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": f"#/$defs/{definition}"}
    return jsonschema.Draft202012Validator(schema)


def errors(schema, document, definition=None):
    return [error.message for error in validator(schema, definition).iter_errors(document)]


def test_there_are_examples_to_validate():
    assert len(EXAMPLES) >= 5


@pytest.mark.parametrize("path", EXAMPLES, ids=[str(p.relative_to(ROOT)) for p in EXAMPLES])
def test_every_example_scenario_is_valid(schema, path):
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        assert errors(schema, json.loads(text)) == []
        return
    documents = [d for d in yaml.safe_load_all(text) if d is not None]
    *metadata, steps = documents
    assert errors(schema, steps, "steps" if isinstance(steps, list) else "scenario") == []
    for document in metadata:
        assert errors(schema, document, "metadata") == []


@pytest.mark.parametrize("document, message", [
    ([{"type": "asert", "expression": "True"}], "'asert' is not one of"),
    ([{"type": "assert"}], "'expression' is a required property"),
    ([{"type": "assert", "expression": "True", "expresion": "x"}],
     "Additional properties are not allowed ('expresion'"),
    ([{"type": "sleep", "seconds": "soon"}], "'soon' is not valid under any of the given schemas"),
    ([{"type": "assert", "expression": "True", "provider": "selenium"}], "'selenium' is not one of ['python']"),
    ([{"type": "wait_until", "expression": "True", "sub_commands": [{"type": "sleep"}]}],
     "'seconds' is a required property"),
    ([{"expression": "True"}], "'type' is a required property"),
    ({"steps": [], "timeout": 0}, "0 is less than or equal to the minimum of 0"),
    ({"steps": [], "markrs": ["x"]}, "Additional properties are not allowed ('markrs'"),
    ({"steps": {"type": "assert"}}, "is not of type 'array'"),
])
def test_mistakes_are_rejected(schema, document, message):
    found = [error.message for error in _all_errors(validator(schema), document)]
    assert any(message in text for text in found), found


def _all_errors(checker, document):
    """The errors, and those under anyOf/oneOf, where the useful message usually is."""
    pending = list(checker.iter_errors(document))
    while pending:
        error = pending.pop()
        yield error
        pending.extend(error.context or ())


@pytest.mark.parametrize("document", [
    [{"type": "sleep", "seconds": "$pause"}],
    [{"type": "sleep", "seconds": "{! 1 + 1 !}", "comment": "computed"}],
    [{"provider": "python", "type": "assert", "expression": "True", "skip_condition": "$skip"}],
    [{"provider": "http", "type": "GET", "url": "$api_url/items"}] if "play_requests" in
    ProviderRegistry.discover().names else [{"type": "assert", "expression": "True"}],
    {"steps": [{"type": "assert", "expression": "True"}], "$schema": "./play-schema.json", "markers": ["smoke"],
     "skip": {"condition": "env == 'prod'", "reason": "not there"}, "timeout": 30},
])
def test_variables_and_expressions_are_accepted_for_any_parameter(schema, document):
    assert errors(schema, document) == []


def test_a_yaml_metadata_document_is_checked_alone(schema):
    assert errors(schema, {"markers": ["login"], "test_data": [{"user": "ann"}]}, "metadata") == []
    assert errors(schema, {"markers": "login", "xfail": True}) == []
    assert errors(schema, {"markers": [5]}, "metadata") != []
    assert errors(schema, {"test_data": [1]}, "metadata") != []


def test_descriptions_come_from_the_declarations(schema):
    from pytest_play.providers.python import PythonProvider

    declared = PythonProvider.command_sleep
    sleep = schema["$defs"]["command.python.sleep"]
    assert sleep["description"] == declared.__doc__.strip() and sleep["description"].startswith("Sleep for `seconds`")
    assert sleep["properties"]["seconds"]["description"] == declared.play_params["seconds"].doc != ""
    assert sleep["required"] == ["type", "seconds"]
    wait = schema["$defs"]["command.python.wait_until"]["properties"]
    assert wait["timeout"]["default"] == 10
    assert {"$ref": "#/$defs/steps"} in wait["sub_commands"]["anyOf"]


def test_the_command_line_writes_the_schema_to_a_file(tmp_path, capsys):
    assert main(["-o", str(tmp_path / "play-schema.json")]) == 0
    written = json.loads((tmp_path / "play-schema.json").read_text(encoding="utf-8"))
    assert written["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert main([]) == 0
    assert json.loads(capsys.readouterr().out) == written


def test_a_third_party_provider_extends_the_schema(tmp_path):
    package = tmp_path / "acme_play"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "providers.py").write_text(textwrap.dedent('''
        from pytest_play.providers import BaseProvider, Param, command

        class AcmeProvider(BaseProvider):
            @command(text=Param("string", doc="what to shout"),
                     times=Param("integer", required=False, default=1, doc="how often"))
            def command_shout(self, command, **kwargs):
                """Shout `text`."""

            def command_anything(self, command, **kwargs):
                """Not declared: any keys."""

            @command(expression=Param("expression", doc="acme's own assertion"), level=Param("integer"))
            def command_assert(self, command, **kwargs):
                """An assert of its own: `assert` now needs a provider."""
    '''))
    dist = tmp_path / "acme_play-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-play\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[playcommands]\nacme = acme_play.providers:AcmeProvider\n")
    environment = {**os.environ, "PYTHONPATH": str(tmp_path)}
    subprocess.run([sys.executable, "-m", "pytest_play.schema", "-o", "schema.json"],
                   cwd=tmp_path, env=environment, check=True, timeout=120)
    schema = json.loads((tmp_path / "schema.json").read_text(encoding="utf-8"))

    shout = schema["$defs"]["command.acme.shout"]
    assert shout["description"] == "Shout `text`."
    assert shout["required"] == ["type", "text"]
    assert shout["properties"]["times"]["default"] == 1
    assert "acme" in schema["$defs"]["step"]["properties"]["provider"]["enum"]
    assert errors(schema, [{"type": "shout", "text": "hi", "times": "$n"}, {"type": "anything", "x": [1]}]) == []
    assert errors(schema, [{"type": "shout"}]) != []
    assert errors(schema, [{"type": "assert", "expression": "True"}]) != []  # which provider?
    assert errors(schema, [{"provider": "python", "type": "assert", "expression": "True"}]) == []
    assert errors(schema, [{"provider": "acme", "type": "assert", "expression": "True"}]) != []  # level
    assert errors(schema, [{"provider": "acme", "type": "assert", "expression": "True", "level": 2}]) == []
