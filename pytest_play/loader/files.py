"""Read one scenario file (bytes, parse cache, parser, sidecar) into a `Scenario`."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import parsecache
from ..errors import ScenarioError
from .json_lines import parse_json
from .metadata import Metadata, SidecarIndex, make_metadata, read_ini, sidecar
from .steps import Step, make_steps, merge_metadata, split_documents
from .yaml_lines import YamlParser

SCENARIO_SUFFIXES = (".json", ".yml", ".yaml")
# Collected too: Selenium IDE projects (pytest_play.recordings); Chrome Recorder flows are `.json`.
COLLECTED_SUFFIXES = SCENARIO_SUFFIXES + (".side",)


@dataclass(frozen=True)
class Scenario:
    path: Path
    steps: tuple[Step, ...]
    metadata: Metadata = field(default_factory=Metadata)


def is_scenario_file(path: Path) -> bool:
    name = path.name
    return name.startswith("test_") and name.endswith(COLLECTED_SUFFIXES)


class ScenarioLoader:
    """Loads scenario files; what it learns on the way (the `.ini` files of each
    directory, YAML's resolved tags) serves every later file. Collection keeps one
    for the whole session."""

    def __init__(self, *, parse_cache: bool = True):
        self.sidecars = SidecarIndex()
        self.yaml = YamlParser()
        self.parse_cache = parse_cache

    def load(self, path: Path, text: str | None = None) -> Scenario:
        """Parse a scenario file (or `text` as its content), and the `.ini` beside it if there is one."""
        if not isinstance(path, Path):
            path = Path(path)
        documents = self.parse(path, text) if text is not None else self.read_documents(path)
        return self.from_documents(path, documents)

    def read_documents(self, path: Path) -> list:
        """The parsed documents of a file (from the parse cache when it has them)."""
        data = _read_bytes(path)
        documents = parsecache.load(path, data) if self.parse_cache else None
        if documents is None:
            documents = self.parse(path, _decode(path, data))
            if self.parse_cache:
                parsecache.store(path, data, documents)
        return documents

    def read_text(self, path: Path) -> str:
        """A file's text (UTF-8), with the loader's errors."""
        return _decode(path, _read_bytes(path))

    def from_documents(self, path: Path, documents: list) -> Scenario:
        """The `Scenario` of a file's parsed documents (and its sidecar `.ini`)."""
        if path.suffix == ".json":
            flow = _recorded_flow(path, documents, self.sidecars.sidecar(path))
            if flow is not None:
                return flow
        metadata, steps = split_documents(path, documents)
        ini = self.sidecars.sidecar(path)
        if ini is not None:
            metadata = merge_metadata(metadata, read_ini(ini))
        return Scenario(path, make_steps(path, steps), make_metadata(path, metadata))

    def parse(self, path: Path, text: str) -> list:
        """The documents of a file's text, by the parser its suffix names."""
        if path.suffix == ".json":
            return [parse_json(path, text)]
        return self.yaml.parse(path, text)

    def load_text(self, text: str, path: Path) -> Scenario:
        """Parse pasted text that may be JSON or YAML (reported as `path`)."""
        stripped = text.lstrip()
        if stripped.startswith(("{", "[")):
            try:
                documents = [parse_json(path, text)]
            except ScenarioError as json_error:
                try:  # maybe YAML flow style (it forgives trailing commas)
                    documents = self.yaml.parse(path, text)
                except ScenarioError:
                    raise json_error from None  # it looks like JSON: the JSON error is the useful one
        else:
            documents = self.yaml.parse(path, text)
        flow = _recorded_flow(path, documents, None)
        if flow is not None:
            return flow
        metadata, steps = split_documents(path, documents)
        return Scenario(path, make_steps(path, steps), make_metadata(path, metadata))


def _recorded_flow(path: Path, documents: list, ini: Path | None) -> Scenario | None:
    """The scenario of a Chrome Recorder flow (pasted, or a `.json` file), else None."""
    if len(documents) != 1 or not isinstance(documents[0], dict) or "title" not in documents[0]:
        return None
    from .. import recordings  # imported late: it builds on the loader

    return recordings.flow_scenario(path, documents[0], ini) if recordings.is_flow(documents[0]) else None


def load_scenario(path: Path, text: str | None = None, sidecars: SidecarIndex | None = None) -> Scenario:
    """Parse a scenario file, and the `.ini` beside it if there is one (a loader of its own)."""
    loader = ScenarioLoader()
    if sidecars is not None:
        loader.sidecars = sidecars
    return loader.load(path, text)


def load_text(text: str, path: Path) -> Scenario:
    """Parse pasted text that may be JSON or YAML (reported as `path`)."""
    return ScenarioLoader().load_text(text, path)


def parse_documents(path: Path, text: str) -> list:
    """The documents of a file's text, by the parser its suffix names."""
    return ScenarioLoader().parse(path, text)


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ScenarioError.single(path, None, f"can't read file: {exc.strerror}") from None


def _decode(path: Path, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ScenarioError.single(path, line, "file is not UTF-8 text") from None


__all__ = ["SCENARIO_SUFFIXES", "Scenario", "ScenarioLoader", "is_scenario_file", "load_scenario", "load_text",
           "parse_documents", "sidecar"]
