"""Recorded selectors: which are usable, how robust each is, and each as one of our locators.

Chrome Recorder selectors are CSS or `aria/`, `text/`, `xpath/`, `pierce/` ones, and
lists of them (chains through shadow roots). Selenium IDE locators (`id=`, `css=`,
`xpath=`, `link=`...) are rewritten as Recorder selectors, so one locator type
(`selectors`) runs both.

Robustness, most robust first: an `#id` or a test attribute (`[data-testid=...]`,
the flow's `selectorAttribute`), an accessible name (`aria/`), a short CSS selector
without positions, a text, a shadow chain or `pierce/`, an XPath, and last CSS
with positions (`:nth-child`) or long paths. The converter keeps the most robust
one as the locator and the others as comments.
"""

from __future__ import annotations

import re
from typing import Any

_ID = re.compile(r"^#[A-Za-z_][\w-]*$")
_TEST_ATTRIBUTE = re.compile(r"^\[(data-testid|data-test|data-qa|data-cy)=")
_POSITIONAL = re.compile(r":nth-|:first-|:last-|:only-|>")


def usable(selector: Any) -> bool:
    """A non-empty string, or a non-empty list of non-empty strings."""
    if isinstance(selector, str):
        return selector.strip() != ""
    return isinstance(selector, list) and bool(selector) and all(
        isinstance(part, str) and part.strip() for part in selector)


def rank(selector: Any, attribute: str | None = None) -> int:
    """Lower is more robust (see the module docstring)."""
    if isinstance(selector, list):
        return 5 if len(selector) > 1 else rank(selector[0], attribute)
    if _ID.match(selector) or _TEST_ATTRIBUTE.match(selector) or (
            attribute and selector.startswith(f"[{attribute}=")):
        return 0
    if selector.startswith("aria/"):
        return 1
    if selector.startswith("text/"):
        return 3
    if selector.startswith("pierce/"):
        return 5 if not _POSITIONAL.search(selector) else 7
    if selector.startswith("xpath/"):
        return 6
    if _POSITIONAL.search(selector) or len(selector.split()) > 3:
        return 7
    return 2


def by_robustness(selectors: list, attribute: str | None = None) -> list:
    """The selectors, most robust first (a stable sort: ties keep the recorded order)."""
    return sorted(selectors, key=lambda selector: rank(selector, attribute))


def our_locator(selector: Any) -> dict:
    """One recorded selector (or chain) as our `{type, value}` locator."""
    if isinstance(selector, list):
        if len(selector) == 1:
            return our_locator(selector[0])
        return {"type": "shadow", "value": " >>> ".join(selector)}
    for prefix, kind in (("aria/", "aria"), ("xpath/", "xpath"), ("pierce/", "pierce"), ("text/", "containsText")):
        if selector.startswith(prefix):
            return {"type": kind, "value": selector[len(prefix):]}
    return {"type": "css", "value": selector}


def shown(selector: Any) -> str:
    return " >>> ".join(selector) if isinstance(selector, list) else selector


# --- Selenium IDE locators ---------------------------------------------------------------------

def _css_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _xpath_string(text: str) -> str:
    if '"' not in text:
        return f'"{text}"'
    if "'" not in text:
        return f"'{text}'"
    return "concat(" + ", '\"', ".join(f'"{part}"' for part in text.split('"')) + ")"


def side_selector(locator: Any) -> str | None:
    """A Selenium IDE locator (`id=x`, `css=...`, `//...`) as a Recorder selector; None when unknown."""
    if not isinstance(locator, str) or not locator.strip():
        return None
    if locator.startswith(("//", "(//")):
        return "xpath/" + locator
    strategy, sep, value = locator.partition("=")
    if not sep or not value:
        return None
    if strategy == "id":
        return f"[id={_css_string(value)}]" if not re.match(r"^[A-Za-z_][\w-]*$", value) else f"#{value}"
    if strategy == "name":
        return f"[name={_css_string(value)}]"
    if strategy == "css":
        return value
    if strategy == "xpath":
        return "xpath/" + value
    if strategy in ("link", "linkText"):
        return f"xpath///a[normalize-space(.)={_xpath_string(value.strip())}]"
    if strategy == "partialLinkText":
        return f"xpath///a[contains(., {_xpath_string(value)})]"
    return None
