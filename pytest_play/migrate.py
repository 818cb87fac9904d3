"""Rename the pytest-play 2.x keys of scenario files: `python -m pytest_play.migrate DIR [--check]`.

A key is renamed only when it has exactly one replacement on its step
(`validate.legacy_replacement`: `assert` is `assertion`; `expression` on a command
without one is `variable_expression` when the step stores a `variable` without a
source, else `assertion`). Every other unknown key is reported with its `file:line`
and left as it is. The edit replaces the key's own characters in the text, so
comments, quoting and layout stay as written; the result is parsed again and must
equal the old file with only those keys renamed, or the file is left untouched.

Exit status: 0 when nothing is left to do, 1 when keys are left as they are (or,
with `--check`, when a file would change), 2 for a bad command line.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import did_you_mean
from .loader import SCENARIO_SUFFIXES
from .registry import ProviderRegistry
from .validate import legacy_replacement

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_SKIPPED_DIRECTORIES = {".git", ".tox", ".nox", "node_modules", "__pycache__", "venv", ".venv"}


@dataclass
class Rename:
    line: int
    label: str
    command: str
    old: str
    new: str
    start: int
    end: int
    quote: str
    where: tuple  # the step's path: (index, key, index, ...)


@dataclass
class FileReport:
    path: Path
    renames: list[Rename] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # "line: step N: ... left as is"
    error: str | None = None
    error_line: int | None = None  # the line of a YAML error


def examine_file(path: Path, registry: ProviderRegistry) -> FileReport | None:
    """What migrating `path` does; None when it holds no steps (a variables file, say)."""
    report = FileReport(path)
    try:
        text = path.read_text(encoding="utf-8")
        documents = [node for node in yaml.compose_all(text, Loader=_Loader) if node is not None]
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        if not path.name.startswith("test_"):
            return None
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:  # YAML: the line of the problem, and the problem itself
            problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
            context = getattr(exc, "context", None)
            report.error_line = mark.line + 1
            report.error = f"invalid YAML: {problem}" + (f" ({context})" if context else "")
        else:
            report.error = f"can't read it: {str(exc).splitlines()[0]}"
        return report
    steps = _steps_node(documents)
    if steps is None:
        return None
    _walk(steps, (), "", registry, report)
    return report


def _steps_node(documents: list) -> yaml.SequenceNode | None:
    if not documents or len(documents) > 2:
        return None
    body = documents[-1]
    if isinstance(body, yaml.MappingNode):
        body = next((value for key, value in body.value if _scalar(key) == "steps"), None)
    return body if isinstance(body, yaml.SequenceNode) else None


def _scalar(node: Any) -> Any:
    return node.value if isinstance(node, yaml.ScalarNode) else None


def _walk(sequence: yaml.SequenceNode, where: tuple, prefix: str, registry: ProviderRegistry,
          report: FileReport) -> None:
    for number, node in enumerate(sequence.value, 1):
        if not isinstance(node, yaml.MappingNode):
            continue
        label = f"{prefix}{number}"
        keys = {_scalar(key): (key, value) for key, value in node.value if _scalar(key) is not None}
        data = {name: _scalar(value) if isinstance(value, yaml.ScalarNode) else True
                for name, (_, value) in keys.items()}
        data = {name: (None if value in ("", "~", "null") else value) for name, value in data.items()}
        try:
            spec = registry.resolve(data.get("provider"), data.get("type"))
        except LookupError:
            continue  # not ours to fix: pytest reports it
        step_where = where + (number - 1,)
        if spec.params is None:
            continue
        for name, (key_node, _) in keys.items():
            if name in spec.allowed:
                continue
            line = key_node.start_mark.line + 1
            new = legacy_replacement(spec, data, name)
            if new is None:
                report.left.append(f"{line}: step {label}: {spec.type}: unknown parameter {name!r} left as is"
                                   f"{did_you_mean(str(name), spec.allowed)}")
                continue
            data[new] = data.pop(name)  # a second key can't take the same name
            report.renames.append(Rename(line, label, spec.type, name, new, key_node.start_mark.index,
                                         key_node.end_mark.index, key_node.style or "", step_where))
        for name in spec.step_lists:
            entry = keys.get(name)
            if entry is not None and isinstance(entry[1], yaml.SequenceNode):
                _walk(entry[1], step_where + (name,), f"{label}.", registry, report)


def migrated_text(text: str, renames: list[Rename]) -> str:
    """`text` with each renamed key's characters replaced, quoting kept."""
    for rename in sorted(renames, key=lambda r: r.start, reverse=True):
        replacement = f"{rename.quote}{rename.new}{rename.quote}" if rename.quote in ("'", '"') else rename.new
        text = text[:rename.start] + replacement + text[rename.end:]
    return text


def check_migration(old_text: str, new_text: str, renames: list[Rename]) -> str | None:
    """None when `new_text` parses to `old_text`'s data with only the renamed keys changed."""
    try:
        old, new = list(yaml.load_all(old_text, Loader=_Loader)), list(yaml.load_all(new_text, Loader=_Loader))
    except yaml.YAMLError as exc:
        return f"the edited text does not parse: {exc}"
    steps = _steps_of(old)
    for rename in renames:
        step = _step_at(steps, rename.where)
        step[rename.new] = step.pop(rename.old)
    if old != new:
        return "the edited text does not read as the old one with the keys renamed"
    return None


def _steps_of(documents: list) -> list:
    documents = [d for d in documents if d is not None]
    body = documents[-1]
    return body["steps"] if isinstance(body, dict) else body


def _step_at(steps: list, where: tuple) -> dict:
    step = steps[where[0]]
    for index in range(1, len(where), 2):
        step = step[where[index]][where[index + 1]]
    return step


def scenario_files(root: Path) -> list[Path]:
    if root.is_file():
        return [root]
    found = []
    for path in sorted(root.rglob("*")):
        if path.suffix in SCENARIO_SUFFIXES and path.is_file() and not _SKIPPED_DIRECTORIES & set(path.parts):
            found.append(path)
    return found


def migrate(root: Path, check: bool = False, out=None) -> int:
    """Migrate (or with `check`, only report) the scenario files under `root`; the exit status."""
    out = out or sys.stdout
    registry = ProviderRegistry.discover()
    checked = renamed = left = changed = 0
    for path in scenario_files(root):
        report = examine_file(path, registry)
        if report is None:
            continue
        checked += 1
        shown = _shown(path)
        if report.error:
            where = f"{shown}:{report.error_line}" if report.error_line else shown
            print(f"{where}: {report.error}", file=out)
            left += 1
            continue
        lines = [(int(message.split(":", 1)[0]), message) for message in report.left]
        if report.renames:
            old_text = path.read_text(encoding="utf-8")
            new_text = migrated_text(old_text, report.renames)
            problem = check_migration(old_text, new_text, report.renames)
            if problem:
                print(f"{shown}: not changed: {problem}", file=out)
                left += len(report.renames)
            else:
                verb = "would rename" if check else "renamed"
                lines += [(rename.line, f"{rename.line}: step {rename.label}: {rename.command}: {verb} "
                                        f"{rename.old!r} to {rename.new!r}") for rename in report.renames]
                if not check:
                    path.write_text(new_text, encoding="utf-8")
                renamed += len(report.renames)
                changed += 1
        for _, message in sorted(lines, key=lambda entry: entry[0]):
            print(f"{shown}:{message}", file=out)
        left += len(report.left)
    verb = "would rename" if check else "renamed"
    print(f"migrate: {checked} scenario file(s) checked; {verb} {renamed} key(s) in {changed} file(s); "
          f"{left} left as they are", file=out)
    return 1 if left or (check and renamed) else 0


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_play.migrate", description=__doc__.splitlines()[0])
    parser.add_argument("directory", type=Path, help="a folder of scenario files (searched recursively) or one file")
    parser.add_argument("--check", "--dry-run", action="store_true",
                        help="report what would change and write nothing; exit 1 if anything would")
    args = parser.parse_args(argv)
    if not args.directory.exists():
        parser.error(f"{args.directory} does not exist")
    return migrate(args.directory, check=args.check)


if __name__ == "__main__":  # pragma: no cover - python -m
    sys.exit(main())
