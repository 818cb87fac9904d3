"""The loader: read scenario files (JSON, YAML, sidecar .ini) into frozen `Scenario`s.

Parsing happens once per file. Every mapping keeps the line it started on, so
problems found later can still point at `file:line`. The loader knows nothing
of commands: checking steps against the providers is `validate`'s job.

    values      parsed mappings and lists that remember their line
    json_lines  JSON, and the line of each step
    yaml_lines  YAML, with lines everywhere
    bounds      refusing values nested too deeply or expanding too far
    steps       documents -> metadata mapping and `Step`s
    metadata    metadata and `.ini` sidecars
    files       one file -> `Scenario`; `ScenarioLoader` keeps what serves later files
"""

from __future__ import annotations

from .bounds import MAX_DEPTH, MAX_VALUES
from .files import (SCENARIO_SUFFIXES, Scenario, ScenarioLoader, is_scenario_file, load_scenario, load_text,
                    parse_documents)
from .json_lines import parse_json
from .metadata import Metadata, SidecarIndex
from .steps import IGNORED_KEYS, METADATA_KEYS, Step, make_steps, split_documents
from .values import Mapping, Sequence, line_of
from .yaml_lines import YamlParser, parse_yaml

__all__ = [
    "IGNORED_KEYS", "MAX_DEPTH", "MAX_VALUES", "METADATA_KEYS", "SCENARIO_SUFFIXES", "Mapping", "Metadata",
    "Scenario", "ScenarioLoader", "Sequence", "SidecarIndex", "Step", "YamlParser", "is_scenario_file",
    "line_of", "load_scenario", "load_text", "make_steps", "parse_documents", "parse_json", "parse_yaml",
    "split_documents",
]
