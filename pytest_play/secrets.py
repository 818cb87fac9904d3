"""Decide which values are secret, and mask them in any text or step shown to people.

A variable is secret when its name contains one of `SECRET_WORDS`, when a
variables file lists it under `secrets:`, or when it comes from a `PLAY_SECRET_*`
environment variable. The value is masked, never the name, so reports still
say which variable was used. Credentials a step writes literally (an
Authorization header, a basic-auth password, cookies, a URL's password or
`?apikey=`) are found by `step_credentials` and hidden by `masked_step`.
Everything masked reads `MASK`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_WORDS = ("password", "passwd", "secret", "token", "apikey", "key", "authorization", "cookie")
ENVIRONMENT_PREFIX = "PLAY_SECRET_"
MASK = "*****"
# The password of a URL such as postgresql://user:PASSWORD@host/db
_URL_PASSWORD = re.compile(r"://[^/:@\s]*:([^@/\s]+)@")
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://\S*$")
# Request headers whose values are credentials.
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})


def is_secret_name(name: Any) -> bool:
    lowered = str(name).lower()
    return lowered == "auth" or any(word in lowered for word in SECRET_WORDS)


def url_passwords(text: str) -> list[str]:
    return _URL_PASSWORD.findall(text)


def without_url_passwords(text: str) -> str:
    return _URL_PASSWORD.sub(lambda m: m.group(0).replace(m.group(1), MASK), text)


def mask_url(url: str) -> str:
    """A URL without its password and the values of secret-looking query parameters."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return without_url_passwords(url)
    changes = {}
    if password:
        changes["netloc"] = parts.netloc.replace(f":{password}@", f":{MASK}@", 1)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if any(is_secret_name(name) for name, _ in pairs):
        changes["query"] = urlencode([(n, MASK if is_secret_name(n) else v) for n, v in pairs], safe="*")
    # Rebuilt only when something is hidden: urlunsplit may respell a URL.
    return urlunsplit(parts._replace(**changes)) if changes else url


def masked_header(name: Any, value: Any) -> Any:
    """A header value as shown: credentials replaced, the scheme kept ("Bearer *****")."""
    lowered = str(name).lower()
    if lowered not in SENSITIVE_HEADERS or not isinstance(value, str):
        return value
    scheme, _, credentials = value.partition(" ")
    if "cookie" in lowered:
        return MASK
    return f"{scheme} {MASK}" if credentials else MASK


def mask_fields(value: Any) -> Any:
    """Parsed JSON with the values of secret-named keys (token, password...) masked."""
    if isinstance(value, dict):
        return {k: MASK if is_secret_name(k) and not isinstance(v, (dict, list)) else mask_fields(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [mask_fields(v) for v in value]
    return value


def step_credentials(parameters: Mapping[str, Any]) -> set[str]:
    """Secret texts a step passes literally: basic auth password, Authorization and cookie values."""
    found = set()
    auth = parameters.get("auth")
    if isinstance(auth, list) and len(auth) == 2 and isinstance(auth[1], str):
        found.add(auth[1])
    headers = parameters.get("headers")
    for name, value in (headers.items() if isinstance(headers, dict) else ()):
        if isinstance(value, str) and str(name).lower() in SENSITIVE_HEADERS:
            found.add(value)
            found.add(value.partition(" ")[2])  # the credentials after "Bearer " or "Basic "
    # Short cookie values ("1", "yes") are masked only where shown as cookies (step,
    # Cookie header): as texts they would blank out every "1" of the message.
    cookies = parameters.get("cookies")
    found.update(str(v) for v in (cookies.values() if isinstance(cookies, dict) else ()) if len(str(v)) >= 6)
    return {text for text in found if text.strip()}


def masked_step(command: Mapping[str, Any]) -> dict:
    """A rendered step as shown to people: every URL masked, and credentials in `parameters`
    (headers, cookies, auth) replaced. A copy: nothing below the top level is changed in place."""
    shown = {key: mask_url(value) if isinstance(value, str) and _URL.match(value) else value
             for key, value in command.items()}
    parameters = shown.get("parameters")
    if not isinstance(parameters, dict):
        return shown
    masked = dict(parameters)
    if isinstance(masked.get("headers"), dict):
        masked["headers"] = {k: masked_header(k, v) for k, v in masked["headers"].items()}
    if isinstance(masked.get("cookies"), dict):
        masked["cookies"] = dict.fromkeys(masked["cookies"], MASK)
    if isinstance(masked.get("auth"), list) and len(masked["auth"]) == 2:
        masked["auth"] = [masked["auth"][0], MASK]
    shown["parameters"] = masked
    return shown


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
