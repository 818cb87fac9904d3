"""What both recording formats share: the base URL rule, recorded text as our templates
(`${name}` is a variable, any other `$` is literal), and the steps a translation produces.

Base URL rule: a recording's origin is the `scheme://host:port` of its first URL
(Chrome Recorder: the first `navigate` step; Selenium IDE: the project's `url`).
When the variable `base_url` is set (a `--variables` file, the demo app's
fixture...), every recorded URL on that origin runs with `base_url` in place of
the origin, so one recording runs against DEV and ALPHA; without `base_url` the
recorded URLs are used as they are (the recorded origin is `base_url`'s default).
Write `base_url` without a trailing slash. A converted file uses `$base_url` too;
there the variable must be set.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..loader import Mapping

BASE_URL = "$base_url"


def origin_of(url: str) -> str | None:
    """`scheme://host:port` of an absolute http(s) URL, else None."""
    if not isinstance(url, str):
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


class Urls:
    """Rewrites recorded URLs on the recording's origin to start with `$base_url`."""

    def __init__(self, origin: str | None):
        self.origin = origin

    def __call__(self, url: str) -> str:
        origin = self.origin
        if origin is not None and (url == origin or url.startswith((origin + "/", origin + "?", origin + "#"))):
            return BASE_URL + escape(url[len(origin):])
        return escape(url)


_LONE_DOLLAR = re.compile(r"\$(?!\{[A-Za-z_][A-Za-z0-9_]*\})")


def escape(text: str) -> str:
    """Recorded text as our template: `${name}` is the variable `name` (as in Selenium
    IDE); any other `$`, and `{!`, stand for themselves."""
    text = _LONE_DOLLAR.sub("$$", text) if "$" in text else text
    return text.replace("{!", "{! '{' !}!") if "{!" in text else text


@dataclass
class Translated:
    """One of our steps made from a recorded step (or command).

    `data` is the step as it runs; `line` and `label` point at the recorded step;
    `source` says which one it was ("step 3 click") and `notes` are comments for a
    converted file (the selectors not chosen, what was left out).
    """

    data: dict
    line: int | None
    label: str
    source: str
    notes: list[str] = field(default_factory=list)

    def mapping(self) -> Mapping:
        return Mapping(self.data, line=self.line)


class Refused(Exception):
    """A recorded step or command that can't be run; its message says why and what to do."""


def translate_one(problems: list, line: int | None, what: str, advice: str, translate) -> None:
    """Run `translate()`; a refusal, or a value of a kind the recording tool never
    writes, becomes a problem of `what` ("step 3") at `line`."""
    try:
        translate()
    except Refused as refused:
        problems.append((line, f"{what}: {refused}"))
    except (TypeError, ValueError, AttributeError, KeyError):  # a value of an unexpected kind somewhere
        problems.append((line, f"{what}: {advice}"))
