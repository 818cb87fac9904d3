"""Write the command reference (Markdown) from the installed providers' declarations.

`python -m pytest_play.reference` prints it; `--update README.md` rewrites the
part of a file between the `<!-- reference -->` and `<!-- /reference -->` lines.
The README's reference is built this way, so it cannot drift from the code.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from .registry import ALIASES, ProviderRegistry

START, END = "<!-- reference -->", "<!-- /reference -->"


def reference(registry: ProviderRegistry) -> str:
    lines = ["## Command reference", "",
             "Generated from the providers' declarations (`python -m pytest_play.reference`).", ""]
    for name in registry.names:
        commands = registry.commands(name)
        if not commands:
            continue
        aliases = [alias for alias, target in ALIASES.items() if target == name]
        title = f"### `{name}`" + (f" (alias `{'`, `'.join(aliases)}`)" if aliases else "")
        lines += [title, "", "| command | parameters | what it does |", "|---|---|---|"]
        for type_, spec in sorted(commands.items(), key=lambda kv: kv[0].lower()):
            lines.append(f"| `{type_}` | {_parameters(spec)} | {_first_line(spec.doc)} |")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _parameters(spec) -> str:
    if spec.params is None:
        return "(not declared)"
    common = set(getattr(spec.provider_class, "common_params", {}))
    shown = []
    for name, param in spec.params.items():
        if name in common:
            continue
        text = f"`{name}`" if param.required else f"`{name}`?"
        shown.append(text)
    return ", ".join(shown) or "–"


def _first_line(doc: str) -> str:
    return (doc.strip().splitlines() or [""])[0].replace("|", "\\|")


def update(path: Path, text: str) -> bool:
    """Replace the reference block of `path`; True when the file changed.

    Without an end line, the block is inserted after the start line and
    nothing else of the file is touched.
    """
    content = path.read_text(encoding="utf-8")
    if START not in content:
        raise SystemExit(f"{path}: no {START} line to replace")
    head, rest = content.split(START, 1)
    tail = rest.split(END, 1)[1] if END in rest else rest
    updated = f"{head}{START}\n{text}{END}{tail if tail.startswith(chr(10)) else chr(10) + tail}"
    if updated != content:
        path.write_text(updated, encoding="utf-8")
    return updated != content


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--update", type=Path, metavar="FILE", help="rewrite the reference block of FILE")
    args = parser.parse_args(argv)
    text = reference(ProviderRegistry.discover())
    if args.update:
        print(f"{args.update}: {'updated' if update(args.update, text) else 'up to date'}")
    else:
        print(text, end="")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
