"""Chrome DevTools Recorder flows (the `@puppeteer/replay` JSON schema) as our browser steps.

A flow is `{title, timeout?, selectorAttribute?, steps}`. Each recorded step becomes
one or more steps of the `selenium` provider, all carrying the recorded step's line:

    navigate            get (then the navigation checks of `assertedEvents`)
    click, doubleClick  clickElement, doubleClickElement (primary button only)
    hover               mouseOverElement
    change              setElementText (a <select>: the option with that value)
    keyDown             sendKeysToElement to the focused element (keyUp: nothing more)
    scroll              eval: window.scrollTo(x, y), or the element's scrollTo
    setViewport         setWindowSize
    waitForElement      waitForElementPresent / waitForElementVisible (negated for none)
    waitForExpression   waitUntilCondition
    close               close
    customStep, emulateNetworkConditions: refused with what to do instead.

`assertedEvents: [{type: navigation, url, title}]` become assertCurrentUrl and
assertTitle after the step. `frame: [0, 1]` switches into those frames (by index
from the top document) first; `target` other than "main" switches to the window
opened for it (the n-th target recorded is the n-th window). Element steps use all
the recorded selectors as alternatives (locator type `selectors`).
"""

from __future__ import annotations

from typing import Any

from ..errors import ScenarioError
from ..loader import line_of
from .common import Refused, Translated, Urls, escape, origin_of, translate_one
from .selectors import usable

STEP_TYPES = ("navigate", "click", "doubleClick", "hover", "change", "keyDown", "keyUp", "scroll", "setViewport",
              "waitForElement", "waitForExpression", "close", "emulateNetworkConditions", "customStep")
# Step types that are not also a command of ours: one of them (with `title`) marks a flow.
RECORDER_ONLY = frozenset(STEP_TYPES) - {"close"}
SUPPORTED = ("navigate", "click", "doubleClick", "hover", "change", "keyDown", "keyUp", "scroll", "setViewport",
             "waitForElement", "waitForExpression", "close")
REFUSED = {
    "customStep": "a customStep runs code of the Recorder extension that made it; convert the flow "
                  "(python -m pytest_play.convert) and replace the step with our own steps",
    "emulateNetworkConditions": "network throttling is not emulated; remove the step, or convert the flow "
                                "and throttle the network outside the test",
}
MODIFIERS = {"Shift", "Control", "Alt", "Meta"}
# DOM `key` values -> selenium key names (`key_or_text`); one character is typed as it is.
KEYS = {"Enter": "ENTER", "Tab": "TAB", "Escape": "ESCAPE", "Backspace": "BACK_SPACE", "Delete": "DELETE",
        "ArrowUp": "ARROW_UP", "ArrowDown": "ARROW_DOWN", "ArrowLeft": "ARROW_LEFT", "ArrowRight": "ARROW_RIGHT",
        "Home": "HOME", "End": "END", "PageUp": "PAGE_UP", "PageDown": "PAGE_DOWN", "Insert": "INSERT",
        **{f"F{n}": f"F{n}" for n in range(1, 13)}}
FOCUSED = {"type": "focused", "value": "element"}


def is_flow(data: Any) -> bool:
    """A Chrome Recorder flow: a mapping with a string `title` and a `steps` list in which
    some step has a Recorder step type that is not also a command of ours (our own
    format has no `title`, and its steps are our commands)."""
    if not isinstance(data, dict) or not isinstance(data.get("title"), str):
        return False
    steps = data.get("steps")
    return isinstance(steps, list) and any(
        isinstance(step, dict) and isinstance(step.get("type"), str) and step["type"] in RECORDER_ONLY
        for step in steps)


def translate_flow(path, flow: dict) -> list[Translated]:
    """Our steps for a flow; a ScenarioError listing every step that can't be translated."""
    steps = flow["steps"]
    translator = _FlowTranslator(path, Urls(flow_origin(flow)), flow)
    for number, step in enumerate(steps, 1):
        translator.step(number, step)
    if translator.problems:
        raise ScenarioError(path, translator.problems)
    return translator.out


def flow_origin(flow: dict) -> str | None:
    """The origin of the flow's first `navigate` step (the base URL rule)."""
    steps = flow.get("steps") or []
    return origin_of(next((s.get("url") for s in steps if isinstance(s, dict) and s.get("type") == "navigate"), None))


class _FlowTranslator:
    def __init__(self, path, urls: Urls, flow: dict):
        self.path = path
        self.urls = urls
        self.timeout = _seconds(flow.get("timeout"))
        self.attribute = flow.get("selectorAttribute")
        self.out: list[Translated] = []
        self.problems: list[tuple[int | None, str]] = []
        self.frame: list = []
        self.targets = ["main"]
        self.target = "main"
        self.held: set[str] = set()

    def step(self, number: int, step: Any) -> None:
        line = line_of(step)
        if not isinstance(step, dict):
            self.problems.append((line, f"step {number}: a recorded step must be a mapping, not {step!r}"))
            return
        kind = step.get("type")
        self.here = (line, str(number), f"step {number} {kind}")
        translate_one(self.problems, line, f"step {number}", f"a {kind} step whose values are not of the kinds the "
                      "Recorder writes; export the flow again, or fix the step", lambda: self._step(step, kind))

    def emit(self, data: dict, notes: list[str] | None = None) -> None:
        line, label, source = self.here
        self.out.append(Translated(data, line, label, source, list(notes or [])))

    def _step(self, step: dict, kind: Any) -> None:
        if not isinstance(kind, str):
            raise Refused(f"a recorded step needs a string 'type', not {kind!r}")
        for key, kinds, what in (("target", str, "a string"), ("assertedEvents", list, "a list"),
                                 ("selectors", list, "a list"), ("frame", list, "a list of frame indexes")):
            if key in step and not isinstance(step[key], kinds):
                raise Refused(f"{key!r} must be {what}, not {step[key]!r}")
        if kind in REFUSED:
            raise Refused(f"{kind} is not supported: {REFUSED[kind]}")
        if kind not in STEP_TYPES:
            raise Refused(f"unknown Chrome Recorder step type {kind!r}; supported: {', '.join(SUPPORTED)} "
                           "(remove the step, or convert the flow and replace it with our own steps)")
        if kind in ("keyDown", "keyUp"):  # to the focused element, in the frame it is in
            self._context(step, self.frame)
        elif "selectors" not in step:
            self._context(step, step.get("frame") or [])
        getattr(self, f"_{kind}")(step)
        for event in step.get("assertedEvents") or []:
            self._asserted(step, event)

    # --- where the step runs: window and frame ------------------------------------------------

    def _context(self, step: dict, frame: Any) -> None:
        target = step.get("target", "main") or "main"
        if target != self.target:
            if target not in self.targets:
                self.targets.append(target)
            index = self.targets.index(target)
            self.emit({"type": "switchToWindowByIndex", "index": index, **self._timeout(step)},
                      [f"the window of {self.urls(target)}"])
            self.target = target
            self.frame = []
        if not isinstance(frame, list) or not all(isinstance(i, int) and not isinstance(i, bool) and i >= 0
                                                  for i in frame):
            raise Refused(f"frame must be a list of frame indexes, not {frame!r}")
        if frame != self.frame:
            if self.frame:
                self.emit({"type": "switchToDefaultContent"})
            for index in frame:
                self.emit({"type": "switchToFrameByIndex", "index": index, **self._timeout(step)})
            self.frame = frame

    def _timeout(self, step: dict) -> dict:
        seconds = _seconds(step.get("timeout"))
        if seconds is None:
            seconds = self.timeout
        return {} if seconds is None else {"timeout": seconds}

    def _element(self, step: dict) -> dict:
        """`locator` (the recorded alternatives) and `timeout` of an element step."""
        selectors = step.get("selectors")
        if not isinstance(selectors, list) or not selectors:
            raise Refused(f"{step.get('type')} has no selectors: record the step again, or add "
                           "\"selectors\": [\"#id\", ...]")
        kept = [selector for selector in selectors if usable(selector)]
        if not kept:
            raise Refused(f"{step.get('type')} has no usable selector in {selectors!r} (each must be a "
                           "non-empty string, or a list of them for a shadow chain)")
        self._context(step, step.get("frame") or [])
        kept = [[escape(part) for part in s] if isinstance(s, list) else escape(s) for s in kept]
        return {"locator": {"type": "selectors", "value": kept}, **self._timeout(step)}

    # --- the step types ---------------------------------------------------------------------

    def _navigate(self, step: dict) -> None:
        url = step.get("url")
        if not isinstance(url, str) or not url:
            raise Refused("navigate needs a 'url'")
        self.frame = []
        self.emit({"type": "get", "url": self.urls(url)})

    def _click(self, step: dict, command: str = "clickElement") -> None:
        button = step.get("button", "primary")
        if button != "primary":
            raise Refused(f"{step['type']} with button {button!r} is not supported (only the primary button); "
                           "convert the flow and use eval to dispatch that click")
        self.emit({"type": command, **self._element(step)})

    def _doubleClick(self, step: dict) -> None:
        self._click(step, "doubleClickElement")

    def _hover(self, step: dict) -> None:
        self.emit({"type": "mouseOverElement", **self._element(step)})

    def _change(self, step: dict) -> None:
        value = step.get("value")
        if not isinstance(value, str):
            raise Refused("change needs a string 'value'")
        self.emit({"type": "setElementText", **self._element(step), "text": escape(value)})

    def _keyDown(self, step: dict) -> None:
        key = step.get("key")
        if not isinstance(key, str) or not key:
            raise Refused("keyDown needs a 'key'")
        if key in MODIFIERS:
            self.held.add(key)
            return
        chord = sorted(self.held - {"Shift"})  # a shifted key is recorded shifted ("A")
        if chord:
            raise Refused(f"the keyboard shortcut {'+'.join(chord)}+{key} is not supported; convert the flow and "
                           "replace it with the steps the shortcut stands for")
        text = KEYS.get(key, key if len(key) == 1 else None)
        if text is None:
            raise Refused(f"key {key!r} is not supported; use one character or one of {', '.join(KEYS)}")
        self.emit({"type": "sendKeysToElement", "locator": dict(FOCUSED), "text": escape(text),
                   **self._timeout(step)})

    def _keyUp(self, step: dict) -> None:
        if isinstance(step.get("key"), str):
            self.held.discard(step["key"])  # keyDown sent the whole key press

    def _scroll(self, step: dict) -> None:
        x, y = _number(step.get("x", 0)), _number(step.get("y", 0))
        if x is None or y is None:
            raise Refused("scroll needs numbers 'x' and 'y'")
        if "selectors" not in step:
            self.emit({"type": "eval", "script": f"window.scrollTo({x}, {y})"})
            return
        css = next((s for s in step["selectors"] if isinstance(s, str) and not s.startswith(
            ("aria/", "text/", "xpath/", "pierce/")) and s.strip()), None)
        if css is None:
            raise Refused("scroll of an element needs a CSS selector among its selectors")
        self._context(step, step.get("frame") or [])
        self.emit({"type": "waitForElementPresent", "locator": {"type": "selectors", "value": [css]},
                   **self._timeout(step)})
        script = f"document.querySelector({_js_string(css)}).scrollTo({x}, {y})"
        self.emit({"type": "eval", "script": escape(script)})

    def _setViewport(self, step: dict) -> None:
        width, height = step.get("width"), step.get("height")
        if not all(isinstance(v, int) and not isinstance(v, bool) and v > 0 for v in (width, height)):
            raise Refused("setViewport needs positive integers 'width' and 'height'")
        notes = ["mobile emulation (isMobile, hasTouch, deviceScaleFactor) is not replayed"] if (
            step.get("isMobile") or step.get("hasTouch")) else []
        self.emit({"type": "setWindowSize", "width": width, "height": height}, notes)

    def _waitForElement(self, step: dict) -> None:
        for key in ("attributes", "properties"):
            if step.get(key):
                raise Refused(f"waitForElement with {key!r} is not supported; convert the flow and check them "
                               "with assertElementAttribute or waitUntilCondition")
        operator, count = step.get("operator", ">="), step.get("count", 1)
        visible = step.get("visible")
        some = (operator == ">=" and count == 1) or (operator == "==" and count == 1)
        none = operator in ("==", "<=") and count == 0
        if not (some or none):
            raise Refused(f"waitForElement with operator {operator!r} and count {count!r} is not supported "
                           "(only at least one, or none); convert the flow and use waitUntilCondition")
        element = self._element(step)
        if none:
            self.emit({"type": "waitForElementPresent", **element, "negated": True})
        elif visible is True:
            self.emit({"type": "waitForElementVisible", **element})
        elif visible is False:
            self.emit({"type": "waitForElementVisible", **element, "negated": True})
        else:
            self.emit({"type": "waitForElementPresent", **element})

    def _waitForExpression(self, step: dict) -> None:
        expression = step.get("expression")
        if not isinstance(expression, str) or not expression.strip():
            raise Refused("waitForExpression needs an 'expression'")
        # always an expression (a `return` inside it, say in a function, must not make it a body)
        self.emit({"type": "waitUntilCondition", "script": f"return ({escape(expression)});", **self._timeout(step)})

    def _close(self, step: dict) -> None:
        self.emit({"type": "close"})
        if self.target != "main":
            self.targets.remove(self.target)
        self.target = "main"  # our close switches to the first window left
        self.frame = []

    def _asserted(self, step: dict, event: Any) -> None:
        if not isinstance(event, dict) or event.get("type") != "navigation":
            raise Refused(f"asserted event {event!r} is not supported (only {{\"type\": \"navigation\"}})")
        timeout = self._timeout(step)
        if event.get("url"):
            self.emit({"type": "assertCurrentUrl", "url": self.urls(str(event["url"])), **timeout})
        if event.get("title"):
            self.emit({"type": "assertTitle", "title": escape(str(event["title"])), **timeout})


def _seconds(milliseconds: Any) -> float | None:
    if isinstance(milliseconds, bool) or not isinstance(milliseconds, (int, float)) or milliseconds < 0:
        return None
    return milliseconds / 1000


def _number(value: Any):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return int(value) if float(value).is_integer() else value


def _js_string(text: str) -> str:
    import json

    return json.dumps(text)
