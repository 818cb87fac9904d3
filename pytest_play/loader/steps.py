"""From a file's parsed documents to its metadata mapping and its `Step`s."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ScenarioError, did_you_mean
from .values import Mapping, kind, line_of

METADATA_KEYS = ("markers", "test_data", "skip", "xfail", "timeout", "testrail")
# Keys of Selenium Builder's JSON format that carry no meaning for us.
IGNORED_KEYS = ("type", "seleniumVersion", "formatVersion", "$schema", "name", "description")


@dataclass(frozen=True, eq=False)
class Step:
    """One step as written: its raw mapping, where it is, and its position."""

    data: dict
    path: Path
    line: int | None
    label: str  # "3", or "3.2" for the 2nd sub-command of step 3

    @property
    def type(self) -> Any:
        return self.data.get("type")

    @property
    def provider(self) -> Any:
        return self.data.get("provider")

    @property
    def comment(self) -> Any:
        return self.data.get("comment")

    def where(self) -> str:
        path = _relative(self.path)
        at = f"{path}:{self.line}" if self.line else path
        comment = f" ({self.comment})" if self.comment else ""
        return f"{at}: step {self.label}{comment}"


def _relative(path: Path) -> str:
    """`path` relative to the working directory when it is below it."""
    try:
        return str(path.relative_to(Path.cwd())) if path.is_absolute() else str(path)
    except ValueError:
        return str(path)


def split_documents(path: Path, documents: list) -> tuple[dict, Any]:
    """Return `(metadata, steps)` from the parsed documents of one file."""
    documents = [d for d in documents if d is not None]
    if not documents:
        raise ScenarioError.single(path, None, "no steps: the file is empty")
    if len(documents) > 2:
        line = line_of(documents[2])
        raise ScenarioError.single(
            path, line, f"expected at most 2 YAML documents (metadata, steps), found {len(documents)}"
        )
    metadata: dict = Mapping(line=1)
    if len(documents) == 2:
        metadata = documents[0]
        if not isinstance(metadata, dict):
            raise ScenarioError.single(
                path, line_of(metadata, 1), f"metadata must be a mapping, not {kind(metadata)}"
            )
    body = documents[-1]
    if isinstance(body, list):
        return metadata, body
    if isinstance(body, dict):
        steps = body.get("steps")
        if steps is not None and not isinstance(steps, list):
            raise ScenarioError.single(path, line_of(body, 1), f"'steps' must be a list, not {kind(steps)}")
        if "steps" not in body:
            raise ScenarioError.single(path, line_of(body, 1), "missing 'steps' list")
        extra = {k: v for k, v in body.items() if k in METADATA_KEYS}
        unknown = [k for k in body if k not in METADATA_KEYS and k not in IGNORED_KEYS and k != "steps"]
        if unknown:
            key = unknown[0]
            hint = did_you_mean(str(key), METADATA_KEYS + ("steps",))
            raise ScenarioError.single(path, line_of(body, 1), f"unknown top-level key {key!r}{hint}")
        return merge_metadata(metadata, extra), body["steps"]
    raise ScenarioError.single(
        path, line_of(body, 1), f"expected a list of steps or a mapping with 'steps', not {kind(body)}"
    )


def merge_metadata(base: dict, extra: dict) -> dict:
    """`extra` metadata over `base`; markers add up."""
    merged = Mapping(base, line=line_of(base, 1))
    for key, value in extra.items():
        if key == "markers":
            merged[key] = list(as_list(base.get(key))) + list(as_list(value))
        else:
            merged[key] = value
    return merged


def as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def make_steps(path: Path, raw_steps: Any, parent: Step | None = None) -> tuple[Step, ...]:
    """Wrap raw step mappings into `Step`s; structure is checked by the validator."""
    where = line_of(raw_steps, parent.line if parent else None)
    if not isinstance(raw_steps, list):
        raise ScenarioError.single(path, where, f"'steps' must be a list, not {kind(raw_steps)}")
    prefix = f"{parent.label}." if parent else ""
    item_lines = getattr(raw_steps, "lines", None)
    steps = []
    for number, raw in enumerate(raw_steps, 1):
        label = f"{prefix}{number}"
        if not isinstance(raw, dict):
            line = item_lines[number - 1] if item_lines else where
            raise ScenarioError.single(
                path, line, f"step {label}: a step must be a mapping with a 'type', not {kind(raw)}"
            )
        steps.append(Step(raw, path, line_of(raw, where), label))
    return tuple(steps)
