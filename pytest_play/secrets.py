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

import base64
import functools
import itertools
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, urlencode, urlsplit, urlunsplit

SECRET_WORDS = frozenset({"password", "passwd", "pwd", "passphrase", "secret", "token", "apikey", "key",
                          "authorization", "cookie", "credentials", "passwords", "secrets", "tokens", "keys",
                          "cookies"})
ENVIRONMENT_PREFIX = "PLAY_SECRET_"
MASK = "*****"
# The password of a URL such as postgresql://user:PASSWORD@host/db
_URL_PASSWORD = re.compile(r"://[^/:@\s]*:([^@/\s]+)@")
_URL = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*://\S*$")
# Request headers whose values are credentials.
SENSITIVE_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# The parts of a name: `_`, `-`, `.` and spaces separate them, and so does camelCase.
_NAME_PARTS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# The walk of the variables for secrets stops after this many values: huge data stays fast.
MAX_VALUES = 200_000


def is_secret_name(name: Any) -> bool:
    """`api_key`, `db_password`, `X-Auth-Token`, `accessToken`, `auth`: yes. `keyspace`,
    `monkey`, `tokenizer`, `author`: no. A secret word must be a whole part of the name."""
    text = str(name)
    if text.lower() == "auth":
        return True
    parts = {part.lower() for part in _NAME_PARTS.findall(text)}
    return not parts.isdisjoint(SECRET_WORDS)


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


def masked_copy(value: Any, mask: Callable[[str], str], budget: int = 10_000) -> Any:
    """`value` (a rendered step, parsed data, a message) as reports show it: a copy with
    URLs, credentials and every text masked. Containers are copied up to `budget`
    values; what is beyond it, or of an odd type, is shown as masked text."""
    left = [budget]

    def copy(item: Any, depth: int) -> Any:
        left[0] -= 1
        if isinstance(item, str):
            return mask(item)
        if item is None or isinstance(item, bool):
            return item
        if isinstance(item, (int, float)):  # a secret PIN is a number
            return item if mask(str(item)) == str(item) else MASK
        if left[0] <= 0 or depth > 20:
            return mask(str(item)[:1000])
        if isinstance(item, Mapping):
            shown = masked_step(item) if depth == 0 else item
            return {str(k): MASK if is_secret_name(k) and isinstance(v, str) and v else copy(v, depth + 1)
                    for k, v in shown.items()}
        if isinstance(item, (list, tuple)):
            return [copy(v, depth + 1) for v in item]
        return mask(str(item)[:1000])

    return copy(value, 0)


def environment_secrets(environ: Mapping[str, str] = os.environ) -> dict[str, str]:
    """`PLAY_SECRET_DB_PASSWORD=x` becomes the variable `db_password`."""
    return {
        key[len(ENVIRONMENT_PREFIX):].lower(): value
        for key, value in environ.items()
        if key.startswith(ENVIRONMENT_PREFIX) and len(key) > len(ENVIRONMENT_PREFIX)
    }


def secret_values(variables: Mapping[str, Any], declared: Iterable[str] = ()) -> set[str]:
    """The text of every secret value in `variables`, nested values included.

    Values of secret names (and everything inside them), passwords written inside
    URLs anywhere, and the base64 `user:password` of `auth: [user, password]`.
    The walk is iterative, visits each container once and at most `MAX_VALUES`
    values, so deep, cyclic or huge data never crash it.
    """
    declared = set(declared)
    found: set[str] = set()
    pending: list[tuple[Any, bool]] = [(variables, False)]
    seen: set[int] = set()
    budget = MAX_VALUES
    while pending and budget > 0:
        value, secret = pending.pop()
        budget -= 1
        if isinstance(value, (Mapping, list, tuple)):
            if id(value) in seen:
                continue
            seen.add(id(value))
        if isinstance(value, Mapping):
            try:
                items = list(value.items())
            except Exception:  # an odd mapping: nothing to find in it
                continue
            for name, item in items:
                pending.append(_secret_part(name, item, secret or name in declared or is_secret_name(name), found))
        elif isinstance(value, (list, tuple)):
            # never more than the budget: a huge list must not be copied into `pending`
            pending.extend((item, secret) for item in itertools.islice(value, budget))
        elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
            text = str(value) if not isinstance(value, str) else value
            if secret and text.strip():
                found.add(text)
            elif isinstance(value, str) and "://" in value:
                found.update(url_passwords(value))
    return found


def _secret_part(name: Any, item: Any, secret: bool, found: set[str]) -> tuple[Any, bool]:
    """What of `name: item` is secret: `[user, password]` of `auth` only the password
    (and its basic-auth base64), an `Authorization` value only its credentials."""
    lowered = str(name).lower()
    if lowered == "auth" and isinstance(item, (list, tuple)):
        if len(item) == 2 and all(isinstance(part, str) for part in item):
            found.update(basic_credentials(*item))
        return item[1:], secret
    if "authorization" in lowered and isinstance(item, str) and " " in item.strip():
        return item.strip().split(" ", 1)[1], secret  # keep the scheme: "Bearer *****"
    return item, secret


def basic_credentials(user: str, password: str) -> set[str]:
    """The base64 forms of an HTTP Basic `user:password`, as a header carries them."""
    raw = f"{user}:{password}"
    forms = set()
    for encoding in ("latin-1", "utf-8"):
        try:
            forms.add(base64.b64encode(raw.encode(encoding)).decode("ascii"))
        except UnicodeEncodeError:
            continue
    return forms if password else set()


_URI_SAFE = "!#$%&'()*+,/:;=?@[]~"  # what requests leaves as it is in a URL it is given


@functools.lru_cache(maxsize=1024)
def _spellings(value: str) -> frozenset[str]:
    return frozenset(spellings(value))


def spellings(value: str) -> set[str]:
    """`value` as reports may spell it: raw, `repr`- and JSON-escaped (twice: a JSON text
    inside a repr), and URL-encoded with `quote` and `quote_plus` (as a query value, a
    path segment, or in a URL requests re-quotes)."""
    escaped = {value}
    for _ in range(2):
        escaped |= {form for text in escaped for form in _escapes(text)}
    encoded = {quote(value), quote(value, safe=""), quote(value, safe=_URI_SAFE), quote_plus(value),
               quote_plus(value, safe="/"), quote_plus(value, safe=_URI_SAFE), value.replace(" ", "+")}
    return {form for form in escaped | encoded if form}


def _escapes(text: str) -> set[str]:
    return {repr(text)[1:-1], json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1],
            text.replace("\\", "\\\\").replace('"', '\\"')}


# `Basic <base64>` anywhere: always a credential.
_BASIC = re.compile(r"(?<=\bBasic )[A-Za-z0-9+/]{4,}={0,2}")
# `?password=...`, `&api_key=...` in any text (a driver error quoting its URL).
_QUERY_SECRET = re.compile(r"(?<=[?&;])([A-Za-z0-9_.-]+)=([^&;#\s'\"]+)")
# An ellipsis: what precedes it may be the start of a cut secret.
_ELLIPSIS = re.compile(r"\.\.\.|\u2026")
_MIN_CUT = 3  # a cut secret showing fewer characters than this is left as it is


class Masker:
    """Replaces every spelling of the given secret values with `MASK`, and every
    Basic credential, URL password and secret-named query value, except inside the
    `keep` texts (file paths, provider and command names, artifact paths)."""

    def __init__(self, values: Iterable[str], keep: Iterable[str] = ()):
        values = {v for v in values if v}
        forms = tuple(sorted({form for v in values for form in _spellings(v)}, key=len, reverse=True))
        self._forms = forms
        self._pattern = _compiled(forms)
        self._keep = _compiled(tuple(sorted({k for k in keep if k and any(f in k for f in forms)}, key=len, reverse=True)))

    def __bool__(self) -> bool:
        return self._pattern is not None

    def __call__(self, text: str) -> str:
        if not text or not isinstance(text, str):
            return text
        kept = [m.span() for m in self._keep.finditer(text)] if self._keep is not None else []
        spans = []
        if self._pattern is not None:
            spans += [m.span() for m in self._pattern.finditer(text)]
            spans += self._cut_spans(text)
        if "Basic " in text:
            spans += [m.span() for m in _BASIC.finditer(text) if _is_basic_credential(m.group())]
        if "=" in text:
            spans += [m.span(2) for m in _QUERY_SECRET.finditer(text) if is_secret_name(m.group(1))]
        if "://" in text:
            spans += [m.span(1) for m in _URL_PASSWORD.finditer(text)]
        spans = [span for span in spans if not any(start <= span[0] and span[1] <= end for start, end in kept)]
        return _replace(text, spans)

    def _cut_spans(self, text: str) -> list[tuple[int, int]]:
        """The start of a secret cut off right before an ellipsis ("tok-abc...")."""
        spans = []
        for match in _ELLIPSIS.finditer(text):
            end = match.start()
            for form in self._forms:
                for size in range(min(len(form) - 1, end), _MIN_CUT - 1, -1):
                    start = end - size
                    if text.startswith(form[:size], start) and not (start and _is_word(text[start - 1])
                                                                    and _is_word(form[0])):
                        spans.append((end - size, end))
                        break
        return spans


def _is_basic_credential(text: str) -> bool:
    try:
        return b":" in base64.b64decode(text, validate=True)
    except ValueError:
        return False


@functools.lru_cache(maxsize=64)
def _compiled(forms: tuple[str, ...]) -> re.Pattern | None:
    """One pattern for all `forms`, each a whole token: "sql" is not masked in "sqlite"."""
    return re.compile("|".join(map(_token, forms))) if forms else None


def _token(form: str) -> str:
    before = _NOT_AFTER_ALNUM if _is_word(form[0]) else ""
    after = _NOT_BEFORE_ALNUM if _is_word(form[-1]) else ""
    return f"{before}{re.escape(form)}{after}"


def _is_word(character: str) -> bool:
    return character.isalnum()


_NOT_AFTER_ALNUM = r"(?<![^\W_])"  # not right after a letter or digit
_NOT_BEFORE_ALNUM = r"(?![^\W_])"


def _replace(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each span (merged where they overlap) replaced by `MASK`."""
    if not spans:
        return text
    pieces, position = [], 0
    for start, end in sorted(spans):
        if end <= position:
            continue
        start = max(start, position)
        pieces += [text[position:start], MASK]
        position = end
    pieces.append(text[position:])
    return "".join(pieces)
