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

SECRET_WORDS = ("password", "passwd", "secret", "token", "apikey", "key", "authorization", "cookie")
ENVIRONMENT_PREFIX = "PLAY_SECRET_"
MASK = "*****"
# The password of a URL such as postgresql://user:PASSWORD@host/db
_URL_PASSWORD = re.compile(r"://[^/:@\s]*:([^@/\s]+)@")


def is_secret_name(name: Any) -> bool:
    lowered = str(name).lower()
    return lowered == "auth" or any(word in lowered for word in SECRET_WORDS)


def url_passwords(text: str) -> list[str]:
    return _URL_PASSWORD.findall(text)


def without_url_passwords(text: str) -> str:
    return _URL_PASSWORD.sub(lambda m: m.group(0).replace(m.group(1), MASK), text)


def environment_secrets(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """`PLAY_SECRET_DB_PASSWORD=x` becomes the variable `db_password`."""
    return {
        key[len(ENVIRONMENT_PREFIX):].lower(): value
        for key, value in environ.items()
        if key.startswith(ENVIRONMENT_PREFIX) and len(key) > len(ENVIRONMENT_PREFIX)
    }


def secret_values(variables: Mapping[str, Any], declared: Iterable[str] = ()) -> set[str]:
    """The text of every secret value in `variables`, nested values included.

    Values of secret names (and everything inside them), and passwords written
    inside URLs anywhere.
    """
    declared = set(declared)
    found: set[str] = set()

    def visit(value: Any, secret: bool) -> None:
        if isinstance(value, Mapping):
            for name, item in value.items():
                lowered = str(name).lower()
                if lowered == "auth" and isinstance(item, (list, tuple)):
                    item = item[1:]  # [user, password]: only the password is secret
                elif "authorization" in lowered and isinstance(item, str) and " " in item.strip():
                    item = item.strip().split(" ", 1)[1]  # keep the scheme: "Bearer *****"
                visit(item, secret or name in declared or is_secret_name(name))
        elif isinstance(value, (list, tuple)):
            for item in value:
                visit(item, secret)
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = str(value)
            if secret and text.strip():
                found.add(text)
            elif isinstance(value, str) and "://" in value:
                found.update(url_passwords(value))

    visit(variables, False)
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
