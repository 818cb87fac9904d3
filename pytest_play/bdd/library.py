"""The YAML step library: Gherkin step patterns, each with the pytest-play steps it runs.

A library file is a list of entries:

    - given: I am logged in as "{user}"     # or when / then / step (any kind)
      steps:                                # pytest-play steps; {user} is $user
        - {type: get, url: $base_url}

Loading checks everything it can without a feature file (the patterns, their
field names, the steps against the providers) and reports each problem as
`file:line`. Patterns are pytest-bdd's (`seam`): this module is imported only
when features are collected.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import ScenarioError, did_you_mean
from ..loader import make_steps
from ..loader.values import kind, line_of
from ..validate import CompiledStep, StepCompiler
from . import seam

KINDS = ("given", "when", "then", "step")  # `step` matches a step of any kind
ENTRY_KEYS = KINDS + ("steps", "comment")
# Names a pattern field may not take: the step function's own arguments, and
# those pytest-bdd keeps for a step's data table and doc string.
RESERVED_FIELDS = ("play", "request", "datatable", "docstring")
LIBRARY_SUFFIXES = (".yml", ".yaml")

Problem = tuple[Path, "int | None", str]


@dataclass(frozen=True, eq=False)
class Entry:
    """One library entry: a pattern of a kind, and its compiled steps."""

    kind: str  # given, when, then, or step
    pattern: str
    fields: tuple[str, ...]
    steps: tuple[CompiledStep, ...]
    path: Path
    line: int | None

    def where(self, shown: str) -> str:
        return f"{shown}:{self.line}" if self.line else shown

    def describe(self) -> str:
        return f"{self.kind} {self.pattern!r}"

    parser: object  # pytest-bdd's, made once

    def matches(self, step_type: str, text: str) -> bool:
        if self.kind != "step" and self.kind != step_type:
            return False
        return self.parser.is_matching(text)


@dataclass(frozen=True, eq=False)
class Library:
    """The entries of some library files, and the problems found loading them."""

    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]
    files: tuple[Path, ...]

    def closest(self, step_type: str, text: str, n: int = 3) -> list[Entry]:
        """The entries whose patterns look most like `text`, those of its kind first."""
        def score(entry: Entry) -> tuple[bool, float]:
            ratio = difflib.SequenceMatcher(None, _skeleton(entry.pattern), text).ratio()
            return entry.kind in (step_type, "step"), ratio
        ranked = sorted(self.entries, key=score, reverse=True)
        return [entry for entry in ranked if score(entry)[1] >= 0.5][:n]

    def matching(self, step_type: str, text: str) -> list[Entry]:
        return [entry for entry in self.entries if entry.matches(step_type, text)]


def _skeleton(pattern: str) -> str:
    """A pattern with its fields emptied, to compare it with a step's text."""
    return _FIELD.sub("", pattern)


_FIELD = re.compile(r"\{[^{}]*\}")


class LibraryLoader:
    """Loads library files once per session; a library is the union of some files."""

    def __init__(self, loader, compiler: StepCompiler):
        self._yaml = loader.yaml
        self._compiler = compiler
        self._files: dict[Path, tuple[tuple[Entry, ...], tuple[Problem, ...]]] = {}
        self._libraries: dict[tuple[Path, ...], Library] = {}

    def library(self, files: tuple[Path, ...]) -> Library:
        library = self._libraries.get(files)
        if library is None:
            entries: list[Entry] = []
            problems: list[Problem] = []
            for path in files:
                file_entries, file_problems = self._load(path)
                entries.extend(file_entries)
                problems.extend(file_problems)
            problems.extend(_duplicates(entries))
            library = self._libraries[files] = Library(tuple(entries), tuple(problems), files)
        return library

    def _load(self, path: Path):
        loaded = self._files.get(path)
        if loaded is None:
            loaded = self._files[path] = self._read(path)
        return loaded

    def _read(self, path: Path):
        try:
            documents = [d for d in self._yaml.parse(path, path.read_text(encoding="utf-8")) if d is not None]
        except ScenarioError as error:
            return (), tuple((path, line, message) for line, message in error.problems)
        except (OSError, UnicodeDecodeError) as error:
            return (), ((path, None, f"can't read the step library: {error}"),)
        if not documents:
            return (), ()
        if len(documents) > 1 or not isinstance(documents[0], list):
            shown = kind(documents[0]) if len(documents) == 1 else f"{len(documents)} documents"
            return (), ((path, line_of(documents[0], 1),
                         f"a step library is one list of entries (given/when/then and steps), not {shown}"),)
        entries, problems = [], []
        for raw in documents[0]:
            entry, entry_problems = self._entry(path, raw, line_of(raw, line_of(documents[0])))
            problems.extend(entry_problems)
            if entry is not None:
                entries.append(entry)
        return tuple(entries), tuple(problems)

    def _entry(self, path: Path, raw, line):
        if not isinstance(raw, dict):
            return None, [(path, line, f"a library entry is a mapping with given/when/then and steps, not {kind(raw)}")]
        problems = [(path, line, f"unknown key {str(key)!r}{did_you_mean(str(key), ENTRY_KEYS)}")
                    for key in raw if key not in ENTRY_KEYS]
        kinds = [key for key in KINDS if key in raw]
        if len(kinds) != 1:
            found = " and ".join(kinds) if kinds else "none"
            problems.append((path, line, f"an entry needs exactly one of given, when, then or step (found {found})"))
            return None, problems
        entry_kind = kinds[0]
        pattern = raw[entry_kind]
        if not isinstance(pattern, str) or not pattern.strip():
            problems.append((path, line, f"{entry_kind}: the pattern must be a text, not {kind(pattern)}"))
            return None, problems
        parser, fields, pattern_problems = _parse_pattern(pattern)
        problems.extend((path, line, f"{entry_kind} {pattern!r}: {message}") for message in pattern_problems)
        if "steps" not in raw:
            problems.append((path, line, f"{entry_kind} {pattern!r}: missing 'steps' list"))
            return None, problems
        steps, step_problems = self._steps(path, raw["steps"], line)
        problems.extend(step_problems)
        if problems:
            return None, problems
        return Entry(entry_kind, pattern, fields, steps, path, line, parser), problems

    def _steps(self, path: Path, raw_steps, line):
        try:
            steps = make_steps(path, raw_steps if raw_steps is not None else [])
        except ScenarioError as error:
            return (), [(path, problem_line or line, message) for problem_line, message in error.problems]
        compiled, problems = [], []
        for step in steps:
            step_compiled, step_problems = self._compiler.compile_step(step)
            compiled.append(step_compiled)
            problems.extend((path, problem_line, message) for problem_line, message in step_problems)
        return tuple(compiled), problems


def _parse_pattern(pattern: str):
    """pytest-bdd's parser of a `parsers.parse` pattern, its field names, and what is wrong with them."""
    try:
        parser = seam.compile_pattern(pattern)
        names, unnamed = seam.pattern_fields(parser)
    except (ValueError, TypeError) as error:
        return None, (), [f"not a valid parse pattern: {error}"]
    problems = []
    if unnamed:
        problems.append("every field needs a name, e.g. {user} (a name becomes a variable of the steps)")
    for name in names:
        if not name.isidentifier():
            problems.append(f"field {{{name}}}: a field name must be a plain name (letters, digits, _)")
        elif name in RESERVED_FIELDS:
            problems.append(f"field {{{name}}}: the name is reserved, use another one")
    return parser, names, problems


def _duplicates(entries: list[Entry]) -> list[Problem]:
    """Two entries with the same pattern for the same kind of step: which one runs is undecided."""
    problems: list[Problem] = []
    seen: dict[tuple[str, str], Entry] = {}
    for entry in entries:
        for kind_ in (("given", "when", "then") if entry.kind == "step" else (entry.kind,)):
            first = seen.get((kind_, entry.pattern))
            if first is not None and first is not entry:
                problems.append((entry.path, entry.line,
                                 f"{entry.describe()} is already defined at {_shown(first.path)}:{first.line}"))
                break
            seen[(kind_, entry.pattern)] = entry
    return problems


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def library_files(feature: Path, root: Path, configured: list[Path]) -> tuple[Path, ...]:
    """The library of a feature file: the YAML files of the `steps/` folders beside it
    and in its parent folders up to `root` (as conftest.py files are found), then the
    configured files and folders (`play_bdd_steps`)."""
    found: list[Path] = []
    folder = feature.parent
    folders = []
    while True:
        folders.append(folder / "steps")
        if folder == root or folder.parent == folder or root not in folder.parents:
            break
        folder = folder.parent
    for place in [*reversed(folders), *configured]:
        found.extend(_yaml_files(place))
    return tuple(dict.fromkeys(path.resolve() for path in found))


def _yaml_files(place: Path) -> list[Path]:
    if place.is_file():
        return [place]
    if place.is_dir():
        return sorted(p for p in place.rglob("*") if p.suffix in LIBRARY_SUFFIXES and p.is_file())
    return []
