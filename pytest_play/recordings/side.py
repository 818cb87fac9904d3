"""Selenium IDE projects (`.side`) as our browser steps: one scenario per test.

A project is `{id, version, name, url, urls, tests: [{id, name, commands}], suites}`;
a command is `{id, comment, command, target, targets: [[locator, strategy]], value}`.
`open` targets are relative to the project's `url`. Locators (`id=`, `name=`,
`css=`, `xpath=`, `link=`/`linkText=`, `partialLinkText=`, `//...`) run as the
alternatives `target` then `targets`. IDE variables `${name}` are ours as they are.
Commented-out commands (starting with `//`) and empty ones are skipped.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urljoin

from ..errors import ScenarioError
from ..loader import line_of
from .common import Refused, Translated, Urls, escape, origin_of, translate_one
from .selectors import side_selector
from .side_flow import ControlFlow

_JS_VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_KEY = re.compile(r"\$\{(KEY_[A-Z0-9_]+)\}")
CONTROL_FLOW = ("if", "elseIf", "else", "end", "while", "times", "do", "repeatIf")
REFUSED_FLOW = ("forEach", "break")
# command -> (our command, what the IDE target and value become)
_ELEMENT = {
    "click": "clickElement", "clickAt": "clickElement", "doubleClick": "doubleClickElement",
    "doubleClickAt": "doubleClickElement", "mouseOver": "mouseOverElement", "submit": "submitElement",
    "check": "setElementSelected", "uncheck": "setElementNotSelected",
}
_CHECKS = {  # command -> (ours, negated, exact text compare)
    "assertText": ("assertText", False), "verifyText": ("verifyText", False),
    "assertNotText": ("assertText", True), "verifyNotText": ("verifyText", True),
    "assertValue": ("assertElementValue", False), "verifyValue": ("verifyElementValue", False),
}
_PRESENCE = {  # command -> (ours, negated, takes a timeout in its value)
    "assertElementPresent": ("assertElementPresent", False, False),
    "verifyElementPresent": ("verifyElementPresent", False, False),
    "assertElementNotPresent": ("assertElementPresent", True, False),
    "verifyElementNotPresent": ("verifyElementPresent", True, False),
    "assertChecked": ("assertElementSelected", False, False), "verifyChecked": ("verifyElementSelected", False, False),
    "assertNotChecked": ("assertElementSelected", True, False),
    "verifyNotChecked": ("verifyElementSelected", True, False),
    "waitForElementVisible": ("waitForElementVisible", False, True),
    "waitForElementNotVisible": ("waitForElementVisible", True, True),
    "waitForElementPresent": ("waitForElementPresent", False, True),
    "waitForElementNotPresent": ("waitForElementPresent", True, True),
}
_OTHERS = ("open", "type", "sendKeys", "select", "storeText", "storeValue", "storeTitle", "executeScript",
           "assertTitle", "verifyTitle", "pause", "echo", "store", "close", "setWindowSize", "selectFrame",
           "selectWindow", "storeWindowHandle", "runScript", "assertAlert", "acceptAlert", "acceptConfirmation",
           "dismissConfirmation", "assert", "verify")
SUPPORTED = tuple(sorted({*_ELEMENT, *_CHECKS, *_PRESENCE, *_OTHERS, *CONTROL_FLOW}, key=str.lower))


def project_origin(project: dict) -> str | None:
    """The origin of the project's `url` (the base URL rule)."""
    return origin_of(project.get("url"))


def is_project(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("tests"), list)


def project_tests(path, project: dict) -> list[tuple[str, Any]]:
    """`(name, test)` of every test of the project, in order."""
    tests = []
    for test in project["tests"]:
        if not isinstance(test, dict):
            raise ScenarioError.single(path, line_of(test, line_of(project)), "a test must be a mapping")
        name = test.get("name") if isinstance(test.get("name"), str) and test.get("name") else f"test {len(tests) + 1}"
        tests.append((name, test))
    return tests


def translate_test(path, project: dict, test: dict) -> list[Translated]:
    base = project.get("url") if isinstance(project.get("url"), str) else ""
    translator = _TestTranslator(path, base, Urls(origin_of(base)))
    commands = test.get("commands")
    if not isinstance(commands, list):
        raise ScenarioError.single(path, line_of(test), f"test {test.get('name')!r} has no 'commands' list")
    for number, command in enumerate(commands, 1):
        translator.command(number, command)
    translator.finish_flow(line_of(test))
    if translator.problems:
        raise ScenarioError(path, translator.problems)
    return translator.out


class _TestTranslator(ControlFlow):
    Refused = Refused

    def __init__(self, path, base: str, urls: Urls):
        self.path, self.base, self.urls = path, base, urls
        self.start_flow()
        self.out: list[Translated] = []
        self.problems: list[tuple[int | None, str]] = []
        self.windows = {}  # IDE window handle names -> our window index
        self.opened = 0

    def command(self, number: int, command: Any) -> None:
        line = line_of(command)
        if not isinstance(command, dict):
            self.problems.append((line, f"command {number}: a command must be a mapping, not {command!r}"))
            return
        name = command.get("command") or ""
        if not isinstance(name, str) or not name.strip() or name.startswith("//"):
            return
        self.here = (line, str(number), f"command {number} {name}")
        translate_one(self.problems, line, f"command {number}", f"a {name} command whose values are not of the "
                      "kinds Selenium IDE writes; save the project again, or fix the command",
                      lambda: self._command(command, name))

    def emit(self, data: dict, notes: list[str] | None = None) -> None:
        """Add a step where the open block puts it, with the block's conditions."""
        line, label, source = self.here
        data = self.conditioned(data)
        if self._comment:
            data = {**data, "comment": self._comment}
        self.sink().append(Translated(data, line, label, source, list(notes or [])))

    def js(self, text: str) -> str:
        """IDE JavaScript (a script, a condition): `${name}` is the variable's value as a
        JavaScript literal, as the IDE passes it (a text is quoted, a number is not)."""
        return _JS_VARIABLE.sub(r"{! dumps(\1) !}", _vars(text))

    def _command(self, command: dict, name: str) -> None:
        self._comment = command.get("comment") if isinstance(command.get("comment"), str) else ""
        target, value = _text(command.get("target")), _text(command.get("value"))
        if name in REFUSED_FLOW:
            raise Refused(f"{name} is not supported; convert the test and write the loop with the `while` command "
                           "and sub_commands")
        if name in CONTROL_FLOW:
            return self.flow_command(name, target)
        if name in _ELEMENT:
            self.emit({"type": _ELEMENT[name], "locator": self._locator(command)})
            if command.get("opensWindow") is True and isinstance(command.get("windowHandleName"), str):
                self.opened += 1
                self.windows[command["windowHandleName"]] = self.opened
        elif name in _CHECKS:
            ours, negated = _CHECKS[name]
            key = "text" if ours.endswith("Text") else "value"
            step = {"type": ours, "locator": self._locator(command), key: _vars(value), "exact": True}
            self.emit({**step, "negated": True} if negated else step)
        elif name in _PRESENCE:
            ours, negated, timed = _PRESENCE[name]
            step = {"type": ours, "locator": self._locator(command)}
            if negated:
                step["negated"] = True
            if timed and value.strip():
                step["timeout"] = _milliseconds(value) / 1000
            self.emit(step)
        elif name in _OTHERS:
            getattr(self, f"_{name}")(command, target, value)
        else:
            raise Refused(f"unsupported Selenium IDE command {name!r}; supported: {', '.join(SUPPORTED)} "
                           "(convert the test and replace it with our own steps)")

    def _locator(self, command: dict) -> dict:
        targets = command.get("targets") if isinstance(command.get("targets"), list) else []
        alternatives = [command.get("target")] + [pair[0] for pair in targets if isinstance(pair, list) and pair]
        selectors = []
        for locator in alternatives:
            selector = side_selector(locator)
            if selector is not None and selector not in selectors:
                selectors.append(_vars(selector))
        if not selectors:
            raise Refused(f"no usable locator in target {command.get('target')!r} or its targets; use id=, name=, "
                           "css=, xpath=, link=, partialLinkText= or //xpath")
        return {"type": "selectors", "value": selectors}

    def _open(self, command, target, value):
        url = urljoin(self.base, target) if self.base else target
        if not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url):
            raise Refused(f"open {target!r}: the project has no 'url' to open it from; give an absolute URL")
        self.emit({"type": "get", "url": self.urls(url)})

    def _type(self, command, target, value):
        self.emit({"type": "setElementText", "locator": self._locator(command), "text": _vars(value)})

    def _sendKeys(self, command, target, value):
        locator = self._locator(command)
        for part in filter(None, _KEY.split(value)):
            text = part if part.startswith("KEY_") and f"${{{part}}}" in value else _vars(part)
            self.emit({"type": "sendKeysToElement", "locator": locator, "text": text})

    def _select(self, command, target, value):
        how, sep, wanted = value.partition("=")
        if not sep or how not in ("label", "value"):
            raise Refused(f"select {value!r}: use label=... or value=... (index= and id= are not supported)")
        self.emit({"type": "select", "locator": self._locator(command),
                   ("text" if how == "label" else "value"): _vars(wanted)})

    def _storeText(self, command, target, value, ours="storeText"):
        self.emit({"type": ours, "locator": self._locator(command), "variable": _name(value)})

    def _storeValue(self, command, target, value):
        self._storeText(command, target, value, "storeElementValue")

    def _storeTitle(self, command, target, value):
        self.emit({"type": "storeTitle", "variable": _name(value or target)})

    def _executeScript(self, command, target, value):
        if value.strip():
            self.emit({"type": "storeEval", "script": self.js(target), "variable": _name(value)})
        else:
            self.emit({"type": "eval", "script": self.js(target)})

    _runScript = _executeScript

    def _assertTitle(self, command, target, value, ours="assertTitle"):
        self.emit({"type": ours, "title": _vars(target)})

    def _verifyTitle(self, command, target, value):
        self._assertTitle(command, target, value, "verifyTitle")

    def _assert(self, command, target, value, ours="assert"):
        # IDE's assert: variable `target` equals `value`
        self.emit({"type": ours, "provider": "python",
                   "expression": f"str(variables[{_name(target)!r}]) == {_vars(value)!r}"})

    def _verify(self, command, target, value):
        raise Refused("verify (of a variable) is not supported; use assert")

    def _pause(self, command, target, value):
        self.emit({"type": "pause", "waitTime": _milliseconds(target or value)})

    def _echo(self, command, target, value):
        self.emit({"type": "print", "text": _vars(target)})

    def _store(self, command, target, value):
        self.emit({"type": "store", "variable": _name(value), "text": _vars(target)})

    def _close(self, command, target, value):
        self.emit({"type": "close"})

    def _setWindowSize(self, command, target, value):
        match = re.match(r"^\s*(\d+)\s*x\s*(\d+)\s*$", target)
        if not match:
            raise Refused(f"setWindowSize needs WIDTHxHEIGHT, not {target!r}")
        self.emit({"type": "setWindowSize", "width": int(match.group(1)), "height": int(match.group(2))})

    def _selectFrame(self, command, target, value):
        if target == "relative=top":
            self.emit({"type": "switchToDefaultContent"})
        elif target == "relative=parent":
            self.emit({"type": "switchToFrame", "identifier": "relative=parent"})
        elif target.startswith("index="):
            self.emit({"type": "switchToFrameByIndex", "index": int(_milliseconds(target[6:]))})
        else:
            self.emit({"type": "switchToFrame", "locator": self._locator(command)})

    def _storeWindowHandle(self, command, target, value):
        self.windows[target] = 0

    def _selectWindow(self, command, target, value):
        name = target[len("handle=${"):-1] if target.startswith("handle=${") and target.endswith("}") else None
        if name in self.windows:
            self.emit({"type": "switchToWindowByIndex", "index": self.windows[name]})
        elif target.startswith("name="):
            self.emit({"type": "switchToWindow", "name": target[5:]})
        else:
            raise Refused(f"selectWindow {target!r}: use handle=${{name}} of a click that opensWindow, "
                           "or name=...")

    def _assertAlert(self, command, target, value):
        self.emit({"type": "assertAlertText", "text": _vars(target), "exact": True})

    def _acceptAlert(self, command, target, value):
        self.emit({"type": "acceptAlert"})

    _acceptConfirmation = _acceptAlert

    def _dismissConfirmation(self, command, target, value):
        self.emit({"type": "dismissAlert"})


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _vars(text: str) -> str:
    """IDE text as our template: `${name}` stays a reference, any other `$` is literal."""
    return escape(text)


def _name(text: str) -> str:
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", text or ""):
        raise Refused(f"{text!r} is not a variable name")
    return text


def _milliseconds(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise Refused(f"{text!r} is not a number of milliseconds") from None
