"""Write a JSON Schema of scenario files, built from the installed providers' declarations.

    python -m pytest_play.schema -o play-schema.json

Editors use it to complete and check scenarios: the YAML language server reads
a `# yaml-language-server: $schema=./play-schema.json` first line, JSON editors
a `"$schema": "./play-schema.json"` key. A provider installed from another
distribution adds its commands, as it does to collection.

The schema accepts what the loader accepts: a JSON object with `steps` (and
metadata), a list of steps, or a YAML metadata document. A step is checked by
its `type` (and `provider` when several providers offer that type): the command's
declared parameters, required ones, and their types. A `$variable` or
`{! expression !}` text is accepted wherever another type is expected, since it
is rendered before the step runs.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from .loader import IGNORED_KEYS
from .protocol import Param
from .registry import ALIASES, STEP_KEYS, CommandSpec, ProviderRegistry

DIALECT = "https://json-schema.org/draft/2020-12/schema"
TEMPLATE = {"type": "string", "pattern": r"\$|\{!", "description": "rendered before the step runs"}
_TYPES = {
    "string": {"type": "string"}, "expression": {"type": "string"}, "number": {"type": "number"},
    "integer": {"type": "integer"}, "boolean": {"type": "boolean"}, "mapping": {"type": "object"},
    "list": {"type": "array"}, "steps": {"$ref": "#/$defs/steps"}, "locator": {"$ref": "#/$defs/locator"},
}


def build_schema(registry: ProviderRegistry) -> dict:
    """The whole schema: scenario layouts, metadata, steps, and one sub-schema per command."""
    commands = _commands(registry)
    defs: dict[str, Any] = {
        "scenario": _scenario(),
        "metadata": _metadata(),
        "steps": {"type": "array", "description": "steps run in order", "items": {"$ref": "#/$defs/step"}},
        "step": _step(registry, commands),
        "locator": _locator(),
        "condition": _condition(),
        "marker": {"type": "string", "pattern": "^[A-Za-z_][A-Za-z0-9_]*$"},
        "case_id": {"anyOf": [{"type": "string", "pattern": "^[cC]?[0-9]{1,10}$"}, {"type": "integer", "minimum": 0}]},
        "template": TEMPLATE,
        "comment": {"description": STEP_KEYS["comment"].doc},
        "skip_condition": param_schema(STEP_KEYS["skip_condition"]),
    }
    for (provider, type_), spec in commands.items():
        defs[_def_name(provider, type_)] = _command(spec, _provider_names(registry, provider))
    return {
        "$schema": DIALECT,
        "title": "pytest-play scenario",
        "description": "A scenario file (a JSON object with steps), a list of steps (a YAML steps document), "
                       "or the metadata document of a YAML file.",
        "anyOf": [{"$ref": "#/$defs/scenario"}, {"$ref": "#/$defs/steps"}, {"$ref": "#/$defs/metadata"}],
        "$defs": defs,
    }


def _commands(registry: ProviderRegistry) -> dict[tuple[str, str], CommandSpec]:
    """Every command, once per provider class (one entry point name may alias another)."""
    found = {}
    for specs in registry.by_type().values():
        for spec in specs:
            found[(spec.provider, spec.type)] = spec
    return dict(sorted(found.items(), key=lambda item: (item[0][0], item[0][1].lower())))


def _provider_names(registry: ProviderRegistry, provider: str) -> list[str]:
    """The entry point names sharing `provider`'s class, and their aliases."""
    provider_class = registry.provider_class(provider)
    names = [name for name in registry.names if registry.provider_class(name) is provider_class]
    return names + [alias for alias, target in ALIASES.items() if target in names and alias not in names]


def _def_name(provider: str, type_: str) -> str:
    return f"command.{provider}.{type_}"


# --- documents -----------------------------------------------------------------------------


def _metadata_properties() -> dict:
    return {
        "markers": {"description": "pytest markers of the scenario (select with -m)",
                    "anyOf": [{"type": "array", "items": {"$ref": "#/$defs/marker"}}, {"$ref": "#/$defs/marker"}]},
        "test_data": {"description": "one test per row; each row's keys become variables",
                      "type": "array", "items": {"type": "object"}},
        "skip": {"description": "skip the scenario", "$ref": "#/$defs/condition"},
        "xfail": {"description": "the scenario is expected to fail", "$ref": "#/$defs/condition"},
        "timeout": {"description": "seconds the whole scenario may run", "type": "number", "exclusiveMinimum": 0},
        "testrail": {"description": "TestRail case ids of the scenario, e.g. C93466 (TESTRAIL_ENABLE)",
                     "anyOf": [{"$ref": "#/$defs/case_id"}, {"type": "array", "items": {"$ref": "#/$defs/case_id"}}]},
    }


def _metadata() -> dict:
    return {"type": "object", "description": "the metadata document of a YAML scenario (before `---`)",
            "properties": _metadata_properties(), "additionalProperties": False, "minProperties": 1}


def _scenario() -> dict:
    ignored = {key: {"description": "Selenium Builder key, ignored"} for key in IGNORED_KEYS}
    ignored["$schema"] = {"type": "string", "description": "the schema of this file, for editors"}
    return {"type": "object", "description": "a scenario: steps, and optional metadata",
            "required": ["steps"],
            "properties": {"steps": {"$ref": "#/$defs/steps"}, **_metadata_properties(), **ignored},
            "additionalProperties": False}


def _condition() -> dict:
    return {"anyOf": [
        {"type": "boolean"},
        {"type": "string", "description": "the reason"},
        {"type": "object", "additionalProperties": False,
         "properties": {"condition": {"type": ["string", "boolean"], "description": "an expression over the variables"},
                        "reason": {"type": "string"}, "strict": {"type": "boolean"}}},
    ]}


def _locator() -> dict:
    return {"type": "object", "description": "how to find an element",
            "required": ["type", "value"],
            "properties": {"type": {"type": "string", "description": "css, xpath, id, name, text, ..."},
                           "value": {"type": "string"}}}


# --- steps ------------------------------------------------------------------------------------


def _step(registry: ProviderRegistry, commands: dict) -> dict:
    """A step: `type` picks the command (with `provider` when the type is ambiguous)."""
    by_type: dict[str, list[str]] = {}
    for provider, type_ in commands:
        by_type.setdefault(type_, []).append(provider)
    providers = sorted({name for provider, _ in commands for name in _provider_names(registry, provider)})
    branches = []
    for type_, owners in sorted(by_type.items(), key=lambda item: item[0].lower()):
        is_type = {"properties": {"type": {"const": type_}}, "required": ["type"]}
        if len(owners) == 1:
            branches.append({"if": is_type, "then": {"$ref": f"#/$defs/{_def_name(owners[0], type_)}"}})
            continue
        names = {owner: _provider_names(registry, owner) for owner in owners}
        choose = [{"if": {"properties": {"provider": {"enum": names[owner]}}},
                   "then": {"$ref": f"#/$defs/{_def_name(owner, type_)}"}} for owner in owners]
        offered_by = sorted(name for owner in owners for name in names[owner])
        branches.append({"if": is_type, "then": {
            "description": f"{type_!r} is offered by several providers: 'provider' says which",
            "required": ["provider"], "properties": {"provider": {"enum": offered_by}}, "allOf": choose,
        }})
    return {
        "type": "object",
        "required": ["type"],
        "properties": {
            "type": {"description": "the command", "enum": sorted(by_type, key=str.lower)},
            "provider": {"description": STEP_KEYS["provider"].doc, "enum": providers},
        },
        "allOf": branches,
    }


def _command(spec: CommandSpec, provider_names: list[str]) -> dict:
    schema: dict[str, Any] = {"type": "object", "description": spec.doc or f"{spec.provider} {spec.type}"}
    properties: dict[str, Any] = {
        "type": {"const": spec.type},
        "provider": {"enum": provider_names, "description": STEP_KEYS["provider"].doc},
        "comment": {"$ref": "#/$defs/comment"},
        "skip_condition": {"$ref": "#/$defs/skip_condition"},
    }
    schema["properties"] = properties
    if spec.params is None:  # undeclared: any keys
        return schema
    for name, param in spec.params.items():
        properties[name] = param_schema(param)
    schema["required"] = ["type"] + [name for name, param in spec.params.items() if param.required]
    schema["additionalProperties"] = False
    return schema


def param_schema(param: Param) -> dict:
    """The schema of one parameter; templates are accepted for non-text kinds."""
    if "any" in param.kinds:
        schema: dict[str, Any] = {}
    else:
        options = [dict(_TYPES[kind]) for kind in dict.fromkeys(param.kinds)]
        if param.choices is not None:
            options = [{"enum": list(param.choices)}]
        if param.choices is not None or not any(option.get("type") == "string" for option in options):
            options.append({"$ref": "#/$defs/template"})
        schema = options[0] if len(options) == 1 else {"anyOf": options}
    if param.doc:
        schema["description"] = param.doc
    if param.default is not None and _is_json(param.default):
        schema["default"] = param.default
    return schema


def _is_json(value: Any) -> bool:
    try:
        json.dumps(value)
    except (TypeError, ValueError):
        return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_play.schema", description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, help="write the schema to this file (default: print it)")
    options = parser.parse_args(argv)
    text = json.dumps(build_schema(ProviderRegistry.discover()), indent=2, ensure_ascii=False) + "\n"
    if options.output:
        options.output.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
