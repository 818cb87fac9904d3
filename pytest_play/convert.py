"""Convert a recording (Chrome DevTools Recorder JSON, Selenium IDE `.side`) to our YAML.

    python -m pytest_play.convert recording.json -o test_checkout.yml
    python -m pytest_play.convert project.side -o tests/      # one file per test
    python -m pytest_play.convert project.side --test "log in" -o test_login.yml

The steps are those a recording runs as (see `pytest_play.recordings`), written
with our command names. Each element step keeps the most robust recorded selector
as its locator and lists the others as comments; the recording's origin becomes
`$base_url`. Exit status: 0 written, 1 the recording can't be converted (the
`file:line` problems are printed), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from .errors import ScenarioError, suggest
from .loader import ScenarioLoader
from .recordings import Recording, is_recording, read_side, recordings
from .recordings.common import BASE_URL
from .recordings.selectors import by_robustness, our_locator, shown

_FIRST_KEYS = ("type", "provider", "locator", "comment")
_LAST_KEYS = ("timeout", "condition", "sub_commands")


def _key_rank(key: str) -> int:
    """Keys in the order people read them: what and where first, then the values, then how long and when."""
    if key in _FIRST_KEYS:
        return _FIRST_KEYS.index(key)
    return len(_FIRST_KEYS) + 1 + _LAST_KEYS.index(key) if key in _LAST_KEYS else len(_FIRST_KEYS)


def convert(path: Path) -> list[tuple[Recording, str]]:
    """Each scenario of the recording at `path` with its YAML text."""
    loader = ScenarioLoader(parse_cache=False)
    if path.suffix == ".side":
        data = read_side(path, loader.read_text(path))
        kind = "Selenium IDE"
        title = data.get("name")
    else:
        documents = loader.read_documents(path)
        if not is_recording(path, documents):
            raise ScenarioError.single(path, 1, "not a Chrome Recorder flow (a mapping with 'title' and Recorder "
                                                "steps) nor a Selenium IDE .side project")
        data = documents[0]
        kind, title = "Chrome DevTools Recorder", data.get("title")
    attribute = data.get("selectorAttribute") if isinstance(data.get("selectorAttribute"), str) else None
    return [(recording, to_yaml(path, recording, kind, title, attribute)) for recording in recordings(path, data)]


def to_yaml(path: Path, recording: Recording, kind: str, title, attribute: str | None = None) -> str:
    name = f"{title} / {recording.name}" if recording.name else title
    lines = [f"# Converted from {path.name} ({kind}: {name!s}) by python -m pytest_play.convert."]
    if recording.origin:
        lines.append(f"# Recorded on {recording.origin}: run it with the variable base_url set (--variables).")
    lines.append("# Metadata (markers, test_data...) goes in a first YAML document, before a '---' line.")
    for translated in recording.steps:
        lines.extend(_step_lines(translated, attribute, ""))
    return "\n".join(lines) + "\n"


def _step_lines(translated, attribute: str | None, indent: str) -> list[str]:
    """A translated step as YAML lines: one key a line, sub_commands as nested lists."""
    data = dict(translated.data)
    notes = list(translated.notes)
    locator = data.get("locator")
    if isinstance(locator, dict) and locator.get("type") == "selectors":
        best, *others = by_robustness(locator["value"], attribute)
        data["locator"] = our_locator(best)
        notes.extend(f"also recorded: {shown(other)}" for other in others)
    keys = sorted(data, key=_key_rank)
    out = []
    for number, key in enumerate(keys):
        if key == "sub_commands":
            out.append(f"{indent}  sub_commands:")
            for sub in data[key]:
                out.extend(_step_lines(sub, attribute, indent + "    "))
            continue
        text = f"{key}: {_flow(data[key])}"
        out.append(f"{indent}- {text}  # {translated.source}" if number == 0 else f"{indent}  {text}")
        if key == "locator":
            out.extend(f"{indent}  # {note}" for note in notes)
            notes = []
    out.extend(f"{indent}  # {note}" for note in notes)
    return out


def _flow(value) -> str:
    """One value in YAML flow style, on one line (a text with ' but no " in double quotes)."""
    if isinstance(value, str) and "'" in value and '"' not in value and "\\" not in value and value.isprintable():
        return '"' + value + '"'
    text = yaml.safe_dump([value], default_flow_style=True, width=2 ** 31, allow_unicode=True).strip()
    return text[1:-1]


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", name).strip("_").lower() or "test"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pytest_play.convert", description=__doc__.split("\n\n")[0])
    parser.add_argument("recording", type=Path, help="a Chrome Recorder .json or a Selenium IDE .side file")
    parser.add_argument("-o", "--output", type=Path, help="the YAML file to write (a directory: one file per "
                                                          "test of a .side); default: standard output")
    parser.add_argument("--test", help="of a .side project, convert only the test with this name")
    args = parser.parse_args(argv)
    try:
        converted = convert(args.recording)
    except ScenarioError as error:
        print(error.format(str(args.recording)), file=sys.stderr)
        return 1
    if args.test is not None:
        names = [r.name for r, _ in converted]
        converted = [(r, text) for r, text in converted if r.name == args.test]
        if not converted:
            close = suggest(args.test, names)
            hint = (f"did you mean {' or '.join(map(repr, close))}?" if close
                    else f"its tests: {', '.join(map(repr, names))}")
            print(f"{args.recording}: no test named {args.test!r} ({hint})", file=sys.stderr)
            return 2
    if args.output is None:
        if len(converted) > 1:
            print(f"{args.recording} has {len(converted)} tests: give -o DIRECTORY, or --test NAME",
                  file=sys.stderr)
            return 2
        sys.stdout.write(converted[0][1])
        return 0
    if len(converted) > 1 and args.output.suffix in (".yml", ".yaml") and not args.output.is_dir():
        print(f"{args.recording} has {len(converted)} tests: give -o DIRECTORY (not the file {args.output}), "
              f"or --test NAME", file=sys.stderr)
        return 2
    if len(converted) > 1 or args.output.is_dir():
        args.output.mkdir(parents=True, exist_ok=True)
        for recording, text in converted:
            target = args.output / f"test_{_slug(recording.name or args.recording.stem)}.yml"
            target.write_text(text, encoding="utf-8")
            print(f"wrote {target}")
        return 0
    args.output.write_text(converted[0][1], encoding="utf-8")
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())


__all__ = ["BASE_URL", "convert", "main", "to_yaml"]
