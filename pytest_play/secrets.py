"""Decide which values are secret, and mask them in any text shown to people.

A variable is secret when its name contains one of `SECRET_WORDS`, when a
variables file lists it under `secrets:`, or when it comes from a `PLAY_SECRET_*`
environment variable. The value is masked, never the name, so reports still
say which variable was used.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any

SECRET_WORDS = ("password", "passwd", "secret", "token", "apikey", "key")
ENVIRONMENT_PREFIX = "PLAY_SECRET_"
MASK = "*****"


def is_secret_name(name: Any) -> bool:
    lowered = str(name).lower()
    return any(word in lowered for word in SECRET_WORDS)


def environment_secrets(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """`PLAY_SECRET_DB_PASSWORD=x` becomes the variable `db_password`."""
    return {
        key[len(ENVIRONMENT_PREFIX):].lower(): value
        for key, value in environ.items()
        if key.startswith(ENVIRONMENT_PREFIX) and len(key) > len(ENVIRONMENT_PREFIX)
    }


def secret_values(variables: Mapping[str, Any], declared: Iterable[str] = ()) -> set[str]:
    """The text of every secret value in `variables`, nested mappings included."""
    declared = set(declared)
    found: set[str] = set()

    def visit(mapping: Mapping[str, Any]) -> None:
        for name, value in mapping.items():
            if isinstance(value, Mapping):
                visit(value)
            elif (name in declared or is_secret_name(name)) and isinstance(value, (str, int, float)) \
                    and not isinstance(value, bool):
                text = str(value)
                if text.strip():
                    found.add(text)

    visit(variables)
    return found


class Masker:
    """Replaces every occurrence of the given secret values with `MASK`."""

    def __init__(self, values: Iterable[str]):
        values = sorted({v for v in values if v}, key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, values))) if values else None

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __call__(self, text: str) -> str:
        if self._pattern is None or not text:
            return text
        return self._pattern.sub(MASK, text)
