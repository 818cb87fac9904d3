"""Locators, element look-up, readiness checks and script helpers of the browser provider.

A locator is `{type: ..., value: ...}` with play_selenium's types (`css`, `xpath`,
`id`, `name`, `tag`, `text`, `partialText`, `value`), Selenium Builder's
(`css selector`, `link text`, `partial link text`, `tag name`, `class name`), or
those looked up by a script in the page (see `finders`): `aria` (accessible name,
`Save` or `Save[role="button"]`), `pierce` (CSS through open shadow roots),
`shadow` (`#host >>> button`: each part inside the previous one's shadow root),
`containsText` (the deepest elements whose text, children's included, contains the value),
`focused` (the focused element; any value), and `selectors`, the alternatives of a
Chrome Recorder step (a list of its selectors), tried in order.
Everything here answers one question per call and never waits: waiting is done by
the provider with `pytest_play.waiting.poll`, which calls these again and again.

Selenium is imported inside the functions, so importing this module (which the
registry does at collection) stays cheap.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ...errors import StepError, did_you_mean
from .finders import as_chains, find_in_page, selector_text

# written type -> (selenium strategy, how the value becomes the query)
_STRATEGIES = {
    "css": "css selector", "css selector": "css selector",
    "xpath": "xpath",
    "id": "id",
    "name": "name",
    "tag": "tag name", "tag name": "tag name",
    "class name": "class name",
    "link text": "link text",
    "partial link text": "partial link text",
    # play_selenium's splinter types, as XPath
    "text": "xpath", "partialText": "xpath", "value": "xpath",
    # looked up by a script in the page (finders.py)
    "aria": "script", "containsText": "script", "pierce": "script", "shadow": "script", "focused": "script",
    "selectors": "script",
}
_XPATH_TEMPLATES = {
    # an element one of whose own text nodes is the value (spaces normalized)
    "text": "//*[text()[normalize-space(.)=normalize-space({0})]]",
    # an element one of whose own text nodes contains the value
    "partialText": "//*[text()[contains(., {0})]]",
    "value": "//*[@value={0}]",
}
LOCATOR_TYPES = tuple(_STRATEGIES)

# The start tag of an element, for messages: one round trip.
_DESCRIBE_JS = """
const html = arguments[0].outerHTML || '';
const end = html.indexOf('>');
return end < 0 ? html : html.slice(0, end + 1);
"""
# The element that would receive a click at the element's centre, when it is not
# the element itself (or inside it). Scrolls first: off-screen points hit nothing.
_COVER_JS = """
const el = arguments[0];
if (el.closest('select, datalist')) return null;  // options are drawn by the <select>
el.scrollIntoView({block: 'center', inline: 'center'});
const box = el.getBoundingClientRect();
const x = box.left + box.width / 2, y = box.top + box.height / 2;
let hit = document.elementFromPoint(x, y);
while (hit && hit.shadowRoot) {  // a shadow host: the element inside it that is hit
  const inner = hit.shadowRoot.elementFromPoint(x, y);
  if (!inner || inner === hit) break;
  hit = inner;
}
if (!hit || hit === el || el.contains(hit)) return null;
const html = hit.outerHTML || hit.nodeName;
const end = html.indexOf('>');
return end < 0 ? html : html.slice(0, end + 1);
"""
_MAX_TAG = 120
# A `return` statement: at the start, or after ; { } ) or a newline.  Scripts
# are scenario text: each run of spaces is read from one place only (linear time).
_RETURN = re.compile(r"(?:^|[;{})]|\belse)\s*return\b|\n[^\S\n]*return\b")
_TRAILING = re.compile(r"[\s;]*")  # matched on the reversed script: `[\s;]+$` is quadratic
# Scripts starting like this are statements, not an expression.
_STATEMENT = re.compile(r"^(?:var|let|const|if|for|while|do|try|throw|function|class|switch)\b")
_QUOTES = "'\"`"
_OPEN, _CLOSE = "([{", ")]}"
_INTERCEPTED_BY = re.compile(r"Other element would receive the click: (<[^>]*>)")


class Missing(Exception):
    """What a step needs is not there (yet): no matching element, no alert, no cookie."""


class Shown(str):
    """Text shown as is (no quotes) in 'last seen: ...' messages."""

    def __repr__(self) -> str:
        return str(self)


NO_ELEMENT = Shown("no matching element")


@dataclass(frozen=True)
class Locator:
    kind: str    # as written, for messages
    value: str
    by: str      # selenium strategy, or "script" (finders.py)
    query: str
    chains: tuple = ()  # "script": the alternatives, each a tuple of chained selectors

    def __str__(self) -> str:
        if self.kind == "selectors":
            return "selectors [" + ", ".join(repr(selector_text(list(c))) for c in self.chains) + "]"
        return f"{self.kind} {self.value!r}"


def parse_locator(raw: Any) -> Locator:
    """A `Locator` from a step's `{type, value}`; StepError when it can't be one."""
    if not isinstance(raw, dict) or "type" not in raw or "value" not in raw:
        raise StepError(f"a locator must be a mapping with 'type' and 'value', not {raw!r}")
    extra = sorted(set(raw) - {"type", "value"})
    if extra:
        raise StepError(f"unknown locator key {extra[0]!r} (a locator has 'type' and 'value')")
    kind, value = raw["type"], raw["value"]
    if kind not in _STRATEGIES:
        choices = ", ".join(LOCATOR_TYPES)
        raise StepError(f"unknown locator type {kind!r}{did_you_mean(str(kind), LOCATOR_TYPES)}; use one of {choices}")
    if kind == "selectors":
        return _selectors_locator(value)
    if isinstance(value, bool) or not isinstance(value, (str, int, float)) or value == "":
        raise StepError(f"locator value must be a non-empty string, not {value!r}")
    value = str(value)
    if _STRATEGIES[kind] == "script":
        return Locator(kind, value, "script", value, (_script_chain(kind, value),))
    template = _XPATH_TEMPLATES.get(kind)
    query = template.format(xpath_literal(value)) if template else value
    return Locator(kind, value, _STRATEGIES[kind], query)


def _script_chain(kind: str, value: str) -> tuple[str, ...]:
    if kind == "shadow":
        parts = tuple(part.strip() for part in value.split(">>>"))
        if not all(parts):
            raise StepError(f"a shadow locator is 'host >>> inner', not {value!r}")
        return parts
    if kind == "focused":
        return (":focus-deep",)
    if kind == "containsText":
        return (f"text/{value}",)
    return (f"{kind}/{value}",)


def _selectors_locator(value: Any) -> Locator:
    """Chrome Recorder alternatives: a list of selectors, each a string or a chain (a list of strings)."""
    def usable(part):
        return isinstance(part, str) and part.strip() != ""

    if not isinstance(value, list) or not value or not all(
            usable(s) or (isinstance(s, list) and s and all(map(usable, s))) for s in value):
        raise StepError(f"selectors must be a non-empty list of selectors (strings or lists of strings), not {value!r}")
    chains = tuple(tuple(chain) for chain in as_chains(value))
    return Locator("selectors", " | ".join(selector_text(list(c)) for c in chains), "script", "", chains)


def find_all(driver, locator: Locator) -> list:
    """Every element matching `locator` in the current frame (the first matching alternative's)."""
    if locator.by == "script":
        return find_in_page(driver, [list(chain) for chain in locator.chains])[1]
    return driver.find_elements(locator.by, locator.query)


def xpath_literal(text: str) -> str:
    """`text` as an XPath 1.0 string literal, whatever quotes it contains."""
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    parts = text.split('"')
    return "concat(" + ", '\"', ".join(f'"{part}"' for part in parts) + ")"


def find(driver, locator: Locator):
    """The first element matching `locator` in the current frame; raises Missing."""
    elements = find_all(driver, locator)
    if not elements:
        raise Missing(NO_ELEMENT)
    return elements[0]


def describe(driver, element) -> str:
    """The element's start tag, e.g. `<button id="save" disabled="">`."""
    try:
        tag = driver.execute_script(_DESCRIBE_JS, element) or "<?>"
    except Exception:  # describing must never hide the real problem
        return "the element"
    return tag if len(tag) <= _MAX_TAG else tag[: _MAX_TAG - 4] + "...>"


def unready(driver, element, needs: tuple[str, ...]) -> Shown | None:
    """Why `element` can't be used yet ("<input ...> is disabled"), or None when it can.

    `needs` holds some of "visible", "enabled", "uncovered".
    """
    if "visible" in needs and not element.is_displayed():
        return Shown(f"{describe(driver, element)} is hidden")
    if "enabled" in needs and not element.is_enabled():
        return Shown(f"{describe(driver, element)} is disabled")
    if "uncovered" in needs:
        cover = driver.execute_script(_COVER_JS, element)
        if cover:
            return Shown(f"{describe(driver, element)} is covered by {cover}")
    return None


def intercepted(driver, element, error) -> Shown:
    """'<x> is covered by <y>' from a click that another element received."""
    match = _INTERCEPTED_BY.search(getattr(error, "msg", None) or str(error))
    cover = match.group(1) if match else "another element"
    return Shown(f"{describe(driver, element)} is covered by {cover}")


def retryable_errors() -> tuple[type[BaseException], ...]:
    """Selenium errors that mean "not yet": the page is still changing."""
    from selenium.common import exceptions as e

    return (e.StaleElementReferenceException, e.ElementNotInteractableException,
            e.ElementClickInterceptedException, e.NoSuchElementException,
            e.NoSuchFrameException, e.NoSuchWindowException, e.NoAlertPresentException,
            e.InvalidElementStateException, e.MoveTargetOutOfBoundsException)


def not_yet(error: BaseException) -> Shown:
    """A "not yet" selenium error as last seen: `NoAlertPresentException: no such alert`."""
    return Shown(explain(error))


def explain(error: BaseException) -> str:
    """'Type: first line of the message', without selenium's 'Message:' and stack."""
    message = getattr(error, "msg", None) or str(error)
    first = message.strip().splitlines()[0] if message.strip() else ""
    return f"{type(error).__name__}: {first}" if first else type(error).__name__


def stale_error() -> type[BaseException]:
    from selenium.common.exceptions import StaleElementReferenceException

    return StaleElementReferenceException


STALE = Shown("an element that the page replaced (stale); finding it again")


# --- scripts and keys ----------------------------------------------------------


def script_body(script: str) -> str:
    """A function body for `execute_script`: statements (a `return`, several
    statements, a declaration...) run as written; an expression's value is returned."""
    stripped = script.strip()
    expression = stripped[:len(stripped) - _TRAILING.match(stripped[::-1]).end()]
    if _RETURN.search(expression) or _STATEMENT.match(expression) or _has_statement_separator(expression):
        return script
    return f"return (\n{expression}\n);"


def _has_statement_separator(code: str) -> bool:
    """True when `code` has a `;` outside strings and brackets."""
    depth, quote, escaped = 0, None, False
    for char in code:
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
            continue
        if char in _QUOTES:
            quote, escaped = char, False
        elif char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif char == ";" and depth <= 0:
            return True
    return False


def run_script(driver, script: str) -> Any:
    """Run a step's JavaScript (expression or body) and return its value."""
    from selenium.common.exceptions import JavascriptException

    try:
        return driver.execute_script(script_body(script))
    except JavascriptException as exc:
        lines = (exc.msg or "").strip().splitlines() or [""]
        message = lines[0].removeprefix("javascript error: ")
        raise StepError(f"JavaScript error in {script!r}: {message}") from None


def key_or_text(text: str) -> str:
    """A key name (`ENTER`, `TAB`, `KEY_ENTER`...) as the key, anything else as text."""
    from selenium.webdriver.common.keys import Keys

    name = text[4:] if text.startswith("KEY_") else text
    if name.isupper() and not name.startswith("_") and isinstance(getattr(Keys, name, None), str):
        return getattr(Keys, name)
    return text


def js_text(value: Any) -> str:
    """A value as JavaScript would print it: true/false/null, 42 for 42.0."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (dict, list)):
        import json

        return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return str(value)
