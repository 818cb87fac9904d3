"""The requests options of an HTTP step: `parameters` checked and turned into `Session.request` arguments."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ...engine import resolve_path
from ...errors import StepError, did_you_mean
from ...secrets import MASK
from ...step_helpers import timeout_pair
from ...trust import TRUSTED, Policy

DEFAULT_TIMEOUT = 30.0
# The requests options a step may pass under `parameters`.
OPTIONS = ("headers", "params", "json", "data", "cookies", "timeout", "auth", "allow_redirects",
           "verify", "files", "proxies", "cert")
# Options that must be of a kind: (key, types, what they must be).
_KINDS = (("headers", dict, "a mapping"), ("cookies", dict, "a mapping"),
          ("params", (dict, list, str), "a mapping, a list or text"),
          ("files", dict, "a mapping of field: [filename, data, content type, headers]"),
          ("allow_redirects", bool, "true or false"),
          ("verify", (bool, str), "true, false or a CA bundle path"),
          ("proxies", dict, "a mapping of scheme: proxy URL"),
          ("cert", (str, list), "a file path or [certificate file, key file]"))


def request_options(parameters: dict, variables: dict, base: Path | None, policy: Policy = TRUSTED) -> dict:
    """The keyword arguments of `Session.request` for a step's `parameters`.

    `variables` give the default timeout (`http_timeout`); `path:` files are
    relative to `base`, the scenario's folder. Files read (`path:`, `verify`, `cert`) and
    proxies are asked of `policy`.
    """
    unknown = [key for key in parameters if key not in OPTIONS]
    if unknown:
        key = unknown[0]
        raise StepError(f"unknown key {key!r} in parameters{did_you_mean(str(key), OPTIONS)} "
                        f"(known: {', '.join(OPTIONS)})")
    options = dict(parameters)
    if "timeout" in parameters:
        options["timeout"] = timeout_pair(parameters["timeout"], "parameters.timeout")
    else:
        options["timeout"] = timeout_pair(variables.get("http_timeout", DEFAULT_TIMEOUT), "http_timeout")
    for key, kinds, what in _KINDS:
        if key in options and not isinstance(options[key], kinds):
            raise StepError(f"parameters.{key} must be {what}, not {options[key]!r}")
    if "headers" in options:
        # YAML gives numbers for `X-Count: 3`; requests wants text.
        options["headers"] = {k: v if v is None or isinstance(v, (str, bytes)) else str(v)
                              for k, v in options["headers"].items()}
    if "auth" in options:
        options["auth"] = basic_auth(options["auth"])
    if isinstance(options.get("cert"), list):
        options["cert"] = tuple(options["cert"])  # requests hashes it into its pool key
    if not policy.trusted:
        check_local_files(options, policy)
    if "files" in options:
        options["files"] = {field: upload(field, value, base, policy) for field, value in options["files"].items()}
    return options


def basic_auth(value: Any) -> tuple:
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        shown = [value[0], MASK] if isinstance(value, list) and len(value) == 2 else "something else"
        raise StepError(f"parameters.auth must be [user, password], not {shown!r}")
    return tuple(value)


def check_local_files(options: dict, policy: Policy) -> None:
    """The CA bundle and certificate files `policy` may read, and the proxies it may reach."""
    if isinstance(options.get("verify"), str):
        policy.readable(options["verify"])
    cert = options.get("cert")
    for path in (cert if isinstance(cert, tuple) else (cert,) if cert else ()):
        policy.readable(str(path))
    for proxy in (options.get("proxies") or {}).values():
        policy.reachable(str(proxy))


def upload(field: str, value: Any, base: Path | None, policy: Policy = TRUSTED) -> tuple:
    """`[filename, data or 'path:FILE', content type, headers]` (the last two optional) as requests wants it.

    The four-item form is play_requests' (pytest-play 2.x): `headers` are the part's own headers.
    """
    if isinstance(value, str):
        value = [None, value]
    if not isinstance(value, list) or not 2 <= len(value) <= 4:
        raise StepError(f"parameters.files.{field} must be {_FILE_FORM}, not {value!r}")
    filename, data, *rest = value
    if isinstance(data, str) and data.startswith("path:"):
        data = local_file(data[len("path:"):], base or Path.cwd(), policy).read_bytes()
    elif not isinstance(data, (str, bytes)):
        data = json.dumps(data)
    if len(rest) == 2:
        rest[1] = part_headers(field, rest[1])
    return (filename, data, *rest)


_FILE_FORM = "[filename, data or 'path:FILE', content type, headers]"


def part_headers(field: str, headers: Any) -> dict:
    """The headers of one multipart part: a mapping of names to text (YAML numbers become text)."""
    if not isinstance(headers, dict) or not all(isinstance(name, str) for name in headers):
        raise StepError(f"parameters.files.{field}: the fourth item (the part's headers) must be a mapping "
                        f"of header: value, not {headers!r} (e.g. {{Expires: '0'}})")
    return {name: "" if v is None else v if isinstance(v, str) else str(v) for name, v in headers.items()}


def local_file(reference: str, base: Path, policy: Policy) -> Path:
    """The file a `path:` names; for pasted text asked of `policy` before looking whether it exists."""
    if policy.trusted:
        return resolve_path(reference, base)
    path = policy.readable(base / reference)
    if not path.is_file():
        raise StepError(f"file {reference!r} not found in {base}")
    return path
