"""Test ids of scenario rows: readable, unique, and without secrets."""

from __future__ import annotations

from typing import Any

import pytest

from .secrets import is_secret_name, without_url_passwords
from .variables import scenario_variables


def declared_names(config: pytest.Config) -> frozenset[str]:
    """The names the variables files declare secret (`secrets:`, `PLAY_SECRET_*`)."""
    try:
        from pytest_variables.plugin import variables_key
    except ImportError:  # pragma: no cover - pytest-variables is a dependency
        return frozenset()
    return scenario_variables(config.stash.get(variables_key, {}))[1]


def row_ids(rows: list[dict | None], declared: frozenset[str] = frozenset()) -> list[str]:
    """Readable ids from an explicit `id` or the row's values, leaving out the values of
    secret names and of `declared` ones: a test id never holds a secret."""
    ids = [_row_id(row, number, declared) for number, row in enumerate(rows)]
    seen: dict[str, int] = {}
    for id_ in ids:
        seen[id_] = seen.get(id_, 0) + 1
    counters: dict[str, int] = {}
    unique = []
    for id_ in ids:
        if seen[id_] > 1:
            counters[id_] = counters.get(id_, -1) + 1
            id_ = f"{id_}{counters[id_]}"
        unique.append(id_)
    return unique


def _row_id(row: dict | None, number: int, declared: frozenset[str]) -> str:
    if row is None:
        return ""
    if "id" in row and row["id"] is not None:
        return _id_text(row["id"])
    parts = [_id_text(value) for key, value in row.items()
             if key not in declared and not is_secret_name(key) and isinstance(value, (str, int, float, bool)) and str(value) != ""]
    return "-".join(parts) or f"test_data{number}"


def _id_text(value: Any) -> str:
    text = without_url_passwords(str(value))
    return text.encode("ascii", "backslashreplace").decode("ascii").replace(" ", "_")
