"""Test ids of scenario rows: readable, unique, and without secrets."""

from __future__ import annotations

from typing import Any

from .secrets import is_secret_name, without_url_passwords


def row_ids(rows: list[dict | None]) -> list[str]:
    """Readable ids from an explicit `id` or the row's values, leaving secrets out."""
    ids = [_row_id(row, number) for number, row in enumerate(rows)]
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


def _row_id(row: dict | None, number: int) -> str:
    if row is None:
        return ""
    if "id" in row and row["id"] is not None:
        return _id_text(row["id"])
    parts = [_id_text(value) for key, value in row.items()
             if not is_secret_name(key) and isinstance(value, (str, int, float, bool)) and str(value) != ""]
    return "-".join(parts) or f"test_data{number}"


def _id_text(value: Any) -> str:
    text = without_url_passwords(str(value))
    return text.encode("ascii", "backslashreplace").decode("ascii").replace(" ", "_")
