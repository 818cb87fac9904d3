"""Selenium Builder's accessors, and the assertX/verifyX/waitForX/storeX commands made from them.

Each accessor says how to read one thing from the browser (a title, an element's
text, a cookie...) and how to phrase it. `install` turns every accessor into its
four commands once, so all of them share one behaviour:

- `assertX` retries until the check holds or `timeout` runs out, then fails the step;
- `verifyX` retries the same way, then records the failure and lets the scenario go on;
- `waitForX` waits for the check (a timeout fails the step as a timeout);
- `storeX` stores the value in `variable` (for yes/no accessors, whether it holds);
- `negated: true` inverts the check.

Comparison rule (see the provider's docstring): accessors whose expected key is
`text`, plus PageSource, search the expected value as a regular expression
(play_selenium's `verifyText`), unless `exact: true`; the others compare exactly
(Selenium Builder), unless `exact: false`, which searches a regular expression.
A value accessor needs its subject to exist: a missing element or cookie fails
the check whether or not it is negated. A regular expression gets the time left
of its step: one still searching when it runs out ends the wait (`(a*)*b` would
backtrack for ages).
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...errors import CheckFailed, StepError
from ...waiting import WaitTimeout, alarm, describe, poll
from .. import Param
from .locators import STALE, Missing, Shown, find, find_all, js_text, parse_locator, stale_error

VERBS = ("assert", "verify", "waitFor", "store")
_LOCATOR = Param("locator", parse=parse_locator,
                 doc="the element: {type: css|xpath|id|name|text|partialText|tag|value|..., value: ...}")
_NAME = Param("string", doc="the cookie name")
_SCRIPT = Param("string", doc="JavaScript: an expression, or a body with `return`")
_NEGATED = Param("boolean", required=False, default=False, doc="invert the check")
_VARIABLE = Param("string", doc="the variable to store the value in")
TIMEOUT = Param("number", required=False,
                doc="seconds to wait; default: the variable `default_timeout` (10); 0 waits without limit")


@dataclass(frozen=True)
class Accessor:
    name: str
    doc: str                                  # "the text of `locator`"
    subject: Callable[[dict], str]            # "the text of css '#x'" for messages
    get: Callable[[Any, dict], Any]           # (provider, command) -> value; raises Missing
    inputs: dict[str, Param] = field(default_factory=dict)
    expected: str | None = None               # key of the expected value; None: yes/no accessor
    adjective: str = ""                       # yes/no accessors: "present", "visible"...
    search: bool = False                      # regular expression search unless `exact: true`

    @property
    def yes_no(self) -> bool:
        return self.expected is None


def _element(provider, command):
    return find(provider.driver, provider.locator(command))


def _element_there(provider, command) -> bool:
    return bool(find_all(provider.driver, provider.locator(command)))


class _No(Shown):
    """A "no" that says why, for 'last seen' (falsy)."""

    def __bool__(self) -> bool:
        return False


def _element_visible(provider, command):
    elements = find_all(provider.driver, provider.locator(command))
    return elements[0].is_displayed() if elements else _No("no matching element")


def _body_text(provider, command) -> str:
    return provider.driver.find_element("tag name", "body").text


def _cookie(provider, command) -> str:
    cookie = provider.driver.get_cookie(command["name"])
    if cookie is None:
        raise Missing(Shown(f"no cookie named {command['name']!r}"))
    return cookie.get("value")


def _alert_text(provider, command) -> str:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        return provider.driver.switch_to.alert.text
    except NoAlertPresentException:
        raise Missing(Shown("no alert open")) from None


def _alert_open(provider, command) -> bool:
    try:
        _alert_text(provider, command)
    except Missing:
        return False
    return True


def _loc(command) -> str:
    return str(parse_locator(command["locator"]))


ACCESSORS = (
    Accessor("CurrentUrl", "the current URL", lambda c: "the current URL",
             lambda p, c: p.driver.current_url, expected="url"),
    Accessor("Title", "the page title", lambda c: "the title", lambda p, c: p.driver.title, expected="title"),
    Accessor("Text", "the text of `locator`", lambda c: f"the text of {_loc(c)}",
             lambda p, c: _element(p, c).text, {"locator": _LOCATOR}, expected="text", search=True),
    Accessor("TextPresent", "the page text", lambda c: "the page text", _body_text,
             expected="text", search=True),
    Accessor("BodyText", "the body text", lambda c: "the body text", _body_text, expected="text", search=True),
    Accessor("PageSource", "the page source", lambda c: "the page source",
             lambda p, c: p.driver.page_source, expected="source", search=True),
    Accessor("ElementPresent", "`locator`", _loc, _element_there, {"locator": _LOCATOR}, adjective="present"),
    Accessor("ElementVisible", "`locator`", _loc, _element_visible, {"locator": _LOCATOR}, adjective="visible"),
    Accessor("ElementSelected", "`locator`", _loc, lambda p, c: _element(p, c).is_selected(),
             {"locator": _LOCATOR}, adjective="selected"),
    Accessor("ElementAttribute", "attribute `attributeName` of `locator`",
             lambda c: f"attribute {c['attributeName']!r} of {_loc(c)}",
             lambda p, c: _element(p, c).get_attribute(c["attributeName"]),
             {"locator": _LOCATOR, "attributeName": Param("string", doc="the attribute")}, expected="value"),
    Accessor("ElementStyle", "CSS property `propertyName` of `locator`",
             lambda c: f"style {c['propertyName']!r} of {_loc(c)}",
             lambda p, c: _element(p, c).value_of_css_property(c["propertyName"]),
             {"locator": _LOCATOR, "propertyName": Param("string", doc="the CSS property")}, expected="value"),
    Accessor("ElementValue", "the value of `locator`", lambda c: f"the value of {_loc(c)}",
             lambda p, c: _element(p, c).get_property("value"), {"locator": _LOCATOR}, expected="value"),
    Accessor("CookiePresent", "cookie `name`", lambda c: f"cookie {c['name']!r}",
             lambda p, c: p.driver.get_cookie(c["name"]) is not None, {"name": _NAME}, adjective="present"),
    Accessor("CookieByName", "the value of cookie `name`", lambda c: f"cookie {c['name']!r}", _cookie,
             {"name": _NAME}, expected="value"),
    Accessor("AlertText", "the text of the open alert", lambda c: "the alert text", _alert_text,
             expected="text", search=True),
    Accessor("AlertPresent", "an alert", lambda c: "an alert", _alert_open, adjective="open"),
    Accessor("Eval", "the value of `script`", lambda c: f"script {c['script']!r}",
             lambda p, c: p.run_script(c["script"]), {"script": _SCRIPT}, expected="value"),
)


# --- checks ----------------------------------------------------------------------


def _exact(accessor: Accessor, command: dict) -> bool:
    return bool(command.get("exact", not accessor.search))


def _relation(accessor: Accessor, command: dict) -> str:
    negation = "not " if command.get("negated") else ""
    if accessor.yes_no:
        return f"{negation}to be {accessor.adjective}"
    expected = command[accessor.expected]
    return f"{negation}to {'be' if _exact(accessor, command) else 'match'} {expected!r}"


def _matcher(accessor: Accessor, command: dict, timeout: float | None = None) -> Callable[[Any], bool]:
    """The check of `command`; a regular expression may search until `timeout` from now."""
    if accessor.yes_no:
        return bool
    expected = command[accessor.expected]
    if _exact(accessor, command):
        wanted = js_text(expected)
        return lambda actual: js_text(actual) == wanted
    deadline = time.monotonic() + timeout if timeout else None
    with alarm(timeout, lambda: _out_of_time(accessor, command, timeout, None)):
        try:
            pattern = re.compile(js_text(expected))
        except re.error as exc:
            raise StepError(f"invalid regular expression {expected!r}: {exc}") from None

    def search(actual: Any) -> bool:
        text = js_text(actual)
        left = max(deadline - time.monotonic(), 0.001) if deadline else None
        with alarm(left, lambda: _out_of_time(accessor, command, timeout, text)):
            return pattern.search(text) is not None

    return search


def _out_of_time(accessor: Accessor, command: dict, timeout: float, text: str | None) -> WaitTimeout:
    """What `poll` raises when the time runs out, raised while the pattern is compiled or searches `text`."""
    seen = Shown("nothing: the pattern was still being compiled" if text is None
                 else f"{describe(text)}, still being searched when the time ran out")
    return WaitTimeout(f"timed out after {timeout:g}s waiting for {_what(accessor, command)}; last seen: {seen}", seen)


def _what(accessor: Accessor, command: dict) -> str:
    return f"{accessor.subject(command)} {_relation(accessor, command)}"


def _shown(accessor: Accessor, actual: Any) -> Any:
    if isinstance(actual, Shown):
        return actual
    if accessor.yes_no:
        return Shown(accessor.adjective if actual else f"not {accessor.adjective}")
    return actual


def _reader(provider, accessor: Accessor, command: dict, check: Callable[[Any], bool] | None):
    """An attempt for `poll`: reads the value; done when `check` holds (or when read)."""
    stale = stale_error()

    def attempt():
        try:
            actual = accessor.get(provider, command)
        except Missing as missing:
            return False, missing.args[0]
        except stale:
            return False, STALE
        if check is None:
            return True, actual
        return check(actual), _shown(accessor, actual)

    return attempt


def run_check(provider, accessor: Accessor, verb: str, command: dict) -> None:
    """assertX / verifyX / waitForX."""
    timeout = provider.timeout(command)
    matches = _matcher(accessor, command, timeout)
    negated = bool(command.get("negated"))
    attempt = _reader(provider, accessor, command, lambda actual: matches(actual) != negated)
    what = _what(accessor, command)
    try:
        poll(attempt, timeout=timeout, interval=provider.interval, waiting_for=what)
    except WaitTimeout as expired:  # this check's timeout (the scenario's is a plain PlayTimeout)
        if verb == "waitFor":
            raise
        message = f"expected {what} within {timeout:g}s; last seen: {describe(expired.seen)}"
        if verb == "assert":
            raise CheckFailed(message) from None
        provider.soft_fail(message)


def run_store(provider, accessor: Accessor, command: dict) -> Any:
    """storeX: the value (yes/no accessors: whether the check holds) into `variable`.

    Waits until the value can be read (e.g. the element exists), not for any value.
    """
    negated = bool(command.get("negated"))
    yes_no = accessor.yes_no or accessor.name == "TextPresent"
    if negated and not yes_no:
        raise StepError(f"store{accessor.name}: 'negated' applies only to yes/no values")
    timeout = provider.timeout(command)
    matches = _matcher(accessor, command, timeout) if yes_no else None
    attempt = _reader(provider, accessor, command, None)
    value = poll(attempt, timeout=timeout, interval=provider.interval,
                 waiting_for=f"{accessor.subject(command)} to be available")
    if matches is not None:
        value = matches(value) != negated
    provider.engine.update_variables({command["variable"]: value})
    return value


# --- generating the commands ---------------------------------------------------------


def _check_doc(accessor: Accessor) -> str:
    if accessor.yes_no:
        return f"is {accessor.adjective}"
    if accessor.search:
        return f"matches `{accessor.expected}` (a regular expression; `exact: true` compares exactly)"
    return f"equals `{accessor.expected}` (`exact: false`: a regular expression)"


def _doc(accessor: Accessor, verb: str) -> str:
    check = f"{accessor.doc} {_check_doc(accessor)}"
    if verb == "assert":
        return f"Fail the step unless {check}, retrying until `timeout`; `negated` inverts."
    if verb == "verify":
        return f"Check that {check}, retrying until `timeout`; a failure is reported at the end, the scenario goes on."
    if verb == "waitFor":
        return f"Wait until {check}; `negated` waits for the opposite."
    if accessor.yes_no or accessor.name == "TextPresent":
        return f"Store in `variable` whether {check}; `negated` stores the opposite."
    return f"Store {accessor.doc} in `variable` (waits until it can be read)."


def _params(accessor: Accessor, verb: str) -> dict[str, Param]:
    params = dict(accessor.inputs)
    if verb == "store":
        params["variable"] = _VARIABLE
        if accessor.name == "TextPresent":
            params["text"] = Param(("string", "number"), doc="the text to look for (regular expression)")
    elif accessor.expected:
        params[accessor.expected] = Param(("string", "number", "boolean") if not accessor.search
                                          else ("string", "number"), doc="the expected value")
    if accessor.expected and (verb != "store" or accessor.name == "TextPresent"):
        params["exact"] = Param("boolean", required=False, default=not accessor.search,
                                doc="compare exactly (true) or search a regular expression (false)")
    params["negated"] = _NEGATED
    params["timeout"] = TIMEOUT
    return params


def _make(accessor: Accessor, verb: str, step: Callable) -> Callable:
    if verb == "store":
        def method(self, command, **kwargs):
            return run_store(self, accessor, command)
    else:
        def method(self, command, **kwargs):
            return run_check(self, accessor, verb, command)
    method.__name__ = f"command_{verb}{accessor.name}"
    method.__doc__ = _doc(accessor, verb)
    wrapped = step(method)
    wrapped.play_params = _params(accessor, verb)
    return wrapped


def install(provider_class: type, step: Callable) -> None:
    """Add assertX/verifyX/waitForX/storeX for every accessor (methods written by hand win)."""
    for accessor in ACCESSORS:
        for verb in VERBS:
            name = f"command_{verb}{accessor.name}"
            if name not in vars(provider_class):
                setattr(provider_class, name, _make(accessor, verb, step))
