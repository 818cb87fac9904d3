"""Recordings made by other tools, run and converted as our scenarios.

    chrome     Chrome DevTools Recorder flows (`test_*.json` with `title` and Recorder steps)
    side       Selenium IDE projects (`test_*.side`): one scenario per test
    selectors  recorded selectors: robustness, and each as one of our locators
    common     the base URL rule, escaping, the `Translated` step
    lines      JSON with the line of every mapping (for `.side`)

A recording is translated once, at collection, into our own steps of the
`selenium` provider (each carrying its recorded step's line), so it runs through
the same engine: auto-waits, variables, evidence, reports. `convert` writes the
same steps as YAML.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ScenarioError
from ..loader import Mapping, Scenario, Step
from ..loader.metadata import Metadata, make_metadata, read_ini
from ..loader.steps import merge_metadata
from .chrome import RECORDER_ONLY, flow_origin, is_flow, translate_flow
from .common import Translated
from .lines import parse_with_lines
from .side import is_project, project_origin, project_tests, translate_test

@dataclass(frozen=True)
class Recording:
    """One scenario of a recording: its name (a `.side` test's; None for a flow) and steps."""

    name: str | None
    steps: list[Translated]
    origin: str | None  # the default of `base_url` (the base URL rule, see `common`)


def is_recording(path: Path, documents: list) -> bool:
    """Whether a `.json` file's parsed documents are a Chrome Recorder flow."""
    return path.suffix == ".json" and len(documents) == 1 and is_flow(documents[0])


def refuse_near_miss(path: Path, documents: list) -> None:
    """A `.json` with `title` and `steps` that is not a flow: say what would make it one."""
    data = documents[0] if len(documents) == 1 else None
    if path.suffix == ".json" and isinstance(data, dict) and "title" in data and isinstance(data.get("steps"), list):
        raise ScenarioError.single(path, getattr(data, "line", None) or 1, (
            "unknown top-level key 'title': our scenarios have none, and a Chrome Recorder flow (a string 'title') "
            f"needs steps of Recorder types ({', '.join(sorted(RECORDER_ONLY)[:4])}...); remove 'title', or "
            "export the flow again from the Recorder"))


def read_side(path: Path, text: str) -> Any:
    project = parse_with_lines(path, text)
    if not is_project(project):
        raise ScenarioError.single(path, getattr(project, "line", None) or 1,
                                   "not a Selenium IDE project: expected a mapping with a 'tests' list")
    return project


def recordings(path: Path, data: Any) -> list[Recording]:
    """The scenarios of a flow (one) or of a `.side` project (one per test)."""
    if path.suffix == ".side":
        found, problems = [], []
        origin = project_origin(data)
        for name, test in project_tests(path, data):
            try:
                found.append(Recording(name, translate_test(path, data, test), origin))
            except ScenarioError as error:
                problems.extend((line, f"test {name!r}: {message}") for line, message in error.problems)
        if problems:
            raise ScenarioError(path, problems)
        return found
    return [Recording(None, translate_flow(path, data), flow_origin(data))]


def _mapping(translated: Translated) -> Mapping:
    """A translated step as the loader's mapping (its sub_commands too), commented with
    the recorded step's type, which `Step.where()` shows."""
    data = Mapping({key: [_mapping(sub) for sub in value] if key == "sub_commands" else value
                    for key, value in translated.data.items()}, line=translated.line)
    if "comment" not in data:
        data["comment"] = translated.source.split(" ", 2)[-1]  # "click"
    return data


def flow_scenario(path: Path, flow: dict, ini: Path | None = None) -> Scenario:
    """The scenario of a Chrome Recorder flow (pasted text, `--play-file`, the loader's `load`)."""
    return as_scenario(path, Recording(None, translate_flow(path, flow), flow_origin(flow)), ini)


def as_scenario(path: Path, recording: Recording, ini: Path | None = None) -> Scenario:
    """Our `Scenario` of a recording (with the metadata of the `.ini` beside it, if any)."""
    steps = [Step(_mapping(translated), path, translated.line, translated.label) for translated in recording.steps]
    metadata = Metadata() if ini is None else make_metadata(path, merge_metadata(Mapping(line=1), read_ini(ini)))
    return Scenario(path, tuple(steps), metadata)


__all__ = ["Recording", "Translated", "as_scenario", "is_recording", "read_side",
           "flow_scenario", "recordings", "refuse_near_miss"]
