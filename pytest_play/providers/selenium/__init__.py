"""The `selenium` provider (alias `browser`): browser steps on the `browser` fixture.

Scenarios written for play_selenium or for Selenium Builder run unchanged:

    - {type: get, url: "$base_url"}
    - {type: clickElement, locator: {type: css, value: "#personaltools-login"}}
    - {type: setElementText, locator: {type: id, value: __ac_name}, text: "$username"}
    - {type: verifyText, locator: {type: css, value: .icon-user}, text: "$username"}

The browser is the `browser` fixture (see `driver`), requested on the first
browser step, so scenarios without browser steps start no browser.

Locators: `{type, value}` with type `css`, `xpath`, `id`, `name`, `tag`, `text`
(an element whose own text is the value), `partialText` (whose own text contains
it), `value` (whose `value` attribute is it), or Selenium Builder's `css selector`,
`link text`, `partial link text`, `tag name`, `class name`; also `aria` (accessible
name), `containsText`, `pierce` (CSS through shadow roots), `shadow` (`host >>> inner`),
`focused`, and the Chrome Recorder alternatives `selectors` (see `locators`).

Auto-wait: no step needs a wait before it. Element commands poll until their
element is present, visible and enabled (clicks: and not covered), finding it
again when the page replaced it; checks are retried until they hold. The limit
is the step's `timeout` (seconds), else the variable `default_timeout`, else 10;
`timeout: 0` waits without limit. A timeout names what was awaited, the locator
and what was last seen. Only `pause` sleeps.

Accessors (CurrentUrl, Title, Text, TextPresent, BodyText, PageSource,
ElementPresent, ElementVisible, ElementSelected, ElementAttribute, ElementStyle,
ElementValue, CookiePresent, CookieByName, AlertText, AlertPresent, Eval) give
`assertX` (fails the step), `verifyX` (the scenario goes on and fails at the
end), `waitForX` and `storeX` (`variable`); all take `negated`.

Text comparison rule: the Text family (Text, TextPresent, BodyText, AlertText,
PageSource) keeps play_selenium's rule: the expected `text` is a regular
expression searched in the actual text, so "Welcome" matches "Welcome back" and
"^Welcome$" matches only "Welcome". `exact: true` compares the whole text
exactly instead. The other accessors compare exactly, as Selenium Builder does
(numbers and booleans by their JavaScript text: 42 equals "42"); `exact: false`
searches a regular expression instead.

Scripts (`eval`, `storeEval`, `verifyEval`, `waitUntilCondition`, `condition`):
a script containing a `return` statement runs as a function body (Selenium
Builder); anything else is an expression whose value is used (play_selenium).

`condition` (any step): JavaScript evaluated in the page; the step is skipped
when it is falsy, e.g. `condition: "'$role' === 'admin'"`.

`sendKeysToElement` sends a key when `text` is a key name (ENTER, TAB, ESCAPE,
ARROW_DOWN..., also KEY_ENTER) and types any other text.

Evidence: when a browser step fails (or a verifyX records a failure), a
screenshot and the page HTML are saved (see `evidence`) and their paths
are added to the failure message.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from ...errors import StepError
from ...step_helpers import timeout_seconds
from ...trust import INERT_SCHEMES
from ...waiting import poll, sleep
from .. import BaseProvider, Param, command
from . import debug
from .accessors import TIMEOUT, install
from .actions import ElementCommands, browser_step
from .evidence import Evidence, artifacts_dir, with_evidence
from .locators import Shown, js_text, not_yet, parse_locator, retryable_errors, run_script

DEFAULT_TIMEOUT = 10
_ABSOLUTE_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")  # http:, https:, file:, data:, about:
POLL_INTERVAL = 0.1
_SCRIPT = Param("string", doc="JavaScript: an expression, or a function body with `return`")
_INDEX = Param("integer", doc="0-based index")


class SeleniumProvider(ElementCommands, BaseProvider):
    """Browser steps with auto-wait, on the `browser` fixture."""

    common_params = {
        "condition": Param("string", required=False,
                           doc="JavaScript evaluated in the page; the step is skipped when it is falsy"),
    }
    interval = POLL_INTERVAL

    def __init__(self, engine):
        super().__init__(engine)
        self._driver = None
        self.evidence = Evidence(engine)
        self.debug = debug.DebugEvidence(self)  # browser.debug: a screenshot after each step, the console log

    # --- the browser and shared helpers ------------------------------------------

    @property
    def driver(self):
        """The selenium WebDriver of the `browser` fixture, started on first use."""
        if self._driver is None:
            browser = self.engine.request.getfixturevalue("browser")
            driver = getattr(browser, "driver", browser)
            # A conftest's own browser may set an implicit wait: it would slow
            # every poll and make "is it absent?" checks take seconds.
            driver.implicitly_wait(0)
            self._driver = driver
        return self._driver

    def timeout(self, command) -> float | None:
        """The step's wait in seconds (None: no limit), by the rule every provider follows."""
        return timeout_seconds(command.get("timeout", self.engine.variables.get("default_timeout", DEFAULT_TIMEOUT)))

    def locator(self, command, key: str = "locator"):
        """The step's locator as collection parsed it (parsed now when it was templated)."""
        return self.engine.parsed(key) or parse_locator(command[key])

    def run_script(self, script: str):
        return run_script(self.driver, script)

    def condition_holds(self, condition: str) -> bool:
        return bool(self.run_script(condition))

    def soft_fail(self, message: str) -> None:
        """Record a failed verification, with the evidence files."""
        lines = self.evidence.capture(self._driver) if self._driver is not None else []
        # indented under the failure in the end-of-scenario list
        self.engine.soft_fail("\n".join([message, *(f"    {line}" for line in lines)]))

    def add_evidence(self, error: BaseException) -> BaseException:
        """The error to raise for a failed step: with evidence when a browser runs."""
        usable = self._driver is not None and not _lost_browser(error)
        lines = self.evidence.capture(self._driver) if usable else []
        for line in lines:
            self.engine.log(line)
        if lines or _is_selenium_error(error):
            return with_evidence(error, lines)
        return error

    def until(self, attempt, command, what: str):
        """Poll `attempt` with the step's timeout; selenium's "not yet" errors mean retry."""
        retryable = retryable_errors()

        def patient_attempt():
            try:
                return attempt()
            except retryable as error:
                return False, not_yet(error)

        return poll(patient_attempt, timeout=self.timeout(command), interval=self.interval, waiting_for=what)

    # --- navigation -------------------------------------------------------------------

    @command(url=Param("string", doc="the address to open"))
    @browser_step
    def command_get(self, command, **kwargs):
        """Open `url` and wait for the page to load."""
        url = command["url"]
        if not _ABSOLUTE_URL.match(url):
            raise StepError(f"get needs an absolute URL such as http://host/path, not {url!r}")
        if url.split(":", 1)[0].lower() not in INERT_SCHEMES:
            self.engine.policy.reachable(url)
        self.driver.get(url)

    @command()
    @browser_step
    def command_refresh(self, command, **kwargs):
        """Reload the page."""
        self.driver.refresh()

    @command()
    @browser_step
    def command_goBack(self, command, **kwargs):
        """Go back in the history."""
        self.driver.back()

    @command()
    @browser_step
    def command_goForward(self, command, **kwargs):
        """Go forward in the history."""
        self.driver.forward()

    @command(width=Param("integer", doc="pixels"), height=Param("integer", doc="pixels"))
    @browser_step
    def command_setWindowSize(self, command, **kwargs):
        """Resize the browser window."""
        self.driver.set_window_size(command["width"], command["height"])

    @command()
    @browser_step
    def command_close(self, command, **kwargs):
        """Close the current window and switch to the first one left, if any."""
        driver = self.driver
        driver.close()
        if driver.window_handles:
            driver.switch_to.window(driver.window_handles[0])

    # --- frames and windows ---------------------------------------------------------

    @command(identifier=Param(("string", "integer"), required=False, doc="the frame's name or id (or index)"),
             locator=Param("locator", required=False, parse=parse_locator,
                           doc="the <iframe> element, instead of identifier"),
             timeout=TIMEOUT)
    @browser_step
    def command_switchToFrame(self, command, **kwargs):
        """Continue inside a frame, given by name/id (`identifier`) or `locator`; waits for it."""
        if ("identifier" in command) == ("locator" in command):
            raise StepError("switchToFrame needs either 'identifier' or 'locator'")
        if "locator" in command:
            return self.act(command, ("visible",), self.driver.switch_to.frame)
        identifier = command["identifier"]
        if identifier in ("relative=top", "relative=parent", "relative=up"):
            switch = self.driver.switch_to
            return switch.default_content() if identifier == "relative=top" else switch.parent_frame()
        return self._switch(command, lambda: self.driver.switch_to.frame(identifier), f"frame {identifier!r}")

    @command(index=_INDEX, timeout=TIMEOUT)
    @browser_step
    def command_switchToFrameByIndex(self, command, **kwargs):
        """Continue inside the frame at `index` of the current page."""
        return self._switch(command, lambda: self.driver.switch_to.frame(command["index"]),
                            f"frame number {command['index']}")

    @command()
    @browser_step
    def command_switchToDefaultContent(self, command, **kwargs):
        """Leave frames: continue in the top document."""
        self.driver.switch_to.default_content()

    @command(name=Param("string", doc="the window's name (link target) or handle"), timeout=TIMEOUT)
    @browser_step
    def command_switchToWindow(self, command, **kwargs):
        """Continue in the window called `name` (waits for it to open)."""
        return self._switch(command, lambda: self.driver.switch_to.window(command["name"]),
                            f"window {command['name']!r}")

    @command(index=_INDEX, timeout=TIMEOUT)
    @browser_step
    def command_switchToWindowByIndex(self, command, **kwargs):
        """Continue in the window at `index` (in opening order; waits for it to open)."""
        index = command["index"]

        def attempt():
            handles = self.driver.window_handles
            if index >= len(handles):
                return False, Shown(f"{len(handles)} window{'s' if len(handles) != 1 else ''}")
            self.driver.switch_to.window(handles[index])
            return True, None

        self.until(attempt, command, f"window number {index}")

    def _switch(self, command, switch, what: str):
        def attempt():
            switch()
            return True, None

        self.until(attempt, command, what)

    # --- alerts ------------------------------------------------------------------------

    def _alert(self, command, handle, what: str):
        def attempt():
            handle(self.driver.switch_to.alert)
            return True, None

        self.until(attempt, command, f"an alert to {what}")

    @command(timeout=TIMEOUT)
    @browser_step
    def command_acceptAlert(self, command, **kwargs):
        """Press OK on the alert, confirm or prompt (waits for it to open)."""
        self._alert(command, lambda alert: alert.accept(), "accept")

    @command(timeout=TIMEOUT)
    @browser_step
    def command_dismissAlert(self, command, **kwargs):
        """Press Cancel on the confirm or prompt (waits for it to open)."""
        self._alert(command, lambda alert: alert.dismiss(), "dismiss")

    @command(text=Param(("string", "number"), doc="the answer"), timeout=TIMEOUT)
    @browser_step
    def command_answerAlert(self, command, **kwargs):
        """Type `text` into the prompt and press OK (waits for it to open)."""
        def answer(alert):
            alert.send_keys(str(command["text"]))
            alert.accept()

        self._alert(command, answer, "answer")

    # --- cookies --------------------------------------------------------------------------

    @command(name=Param("string", doc="cookie name"), value=Param(("string", "number"), doc="cookie value"),
             options=Param("string", required=False, doc='"path=/,max_age=MILLISECONDS"'))
    @browser_step
    def command_addCookie(self, command, **kwargs):
        """Set a cookie on the current page's domain."""
        cookie = {"name": command["name"], "value": js_text(command["value"])}
        for option in filter(None, (part.strip() for part in command.get("options", "").split(","))):
            key, _, value = option.partition("=")
            key, value = key.strip(), value.strip()
            if key == "path":
                cookie["path"] = value
            elif key == "max_age" and value.isdigit():
                cookie["expiry"] = int(time.time() + int(value) / 1000)
            else:
                raise StepError(f"unknown cookie option {option!r} (use path=... and max_age=MILLISECONDS)")
        self.driver.add_cookie(cookie)

    @command(name=Param("string", doc="cookie name"))
    @browser_step
    def command_deleteCookie(self, command, **kwargs):
        """Delete a cookie of the current page's domain."""
        self.driver.delete_cookie(command["name"])

    # --- scripts, variables, waits and files --------------------------------------------

    @command(script=_SCRIPT)
    @browser_step
    def command_eval(self, command, **kwargs):
        """Run JavaScript in the page; returns its value."""
        return self.run_script(command["script"])

    @command(script=_SCRIPT, timeout=TIMEOUT)
    @browser_step
    def command_waitUntilCondition(self, command, **kwargs):
        """Wait until the JavaScript `script` is truthy."""
        def attempt():
            value = self.run_script(command["script"])
            return bool(value), value

        return poll(attempt, timeout=self.timeout(command), interval=self.interval,
                    waiting_for=f"script {command['script']!r} to be true")

    @command(waitTime=Param(("integer", "number", "string"), doc="milliseconds"))
    @browser_step
    def command_pause(self, command, **kwargs):
        """Sleep `waitTime` milliseconds (prefer the auto-waits and waitFor commands)."""
        try:
            milliseconds = float(command["waitTime"])
        except ValueError:
            raise StepError(f"waitTime must be milliseconds, not {command['waitTime']!r}") from None
        if not 0 <= milliseconds < float("inf"):
            raise StepError(f"waitTime must be milliseconds (0 or more), not {command['waitTime']!r}")
        sleep(milliseconds / 1000, "pause")

    @command(text=Param("any", doc="what to print"))
    @browser_step
    def command_print(self, command, **kwargs):
        """Print `text` to the test's output."""
        self.engine.log(str(command["text"]))

    @command(variable=Param("string", doc="variable name"), text=Param("any", doc="the value"))
    @browser_step
    def command_store(self, command, **kwargs):
        """Set variable `variable` to `text`."""
        self.engine.update_variables({command["variable"]: command["text"]})

    @command(file=Param("string", doc="PNG path; relative paths go to the artifacts directory"))
    @browser_step
    def command_saveScreenshot(self, command, **kwargs):
        """Save a screenshot of the window to `file`."""
        path = Path(command["file"])
        if not path.is_absolute():
            path = artifacts_dir(self.engine.request.config) / path
        path = self.engine.policy.writable(path)  # checked before any folder is made
        path.parent.mkdir(parents=True, exist_ok=True)
        if not self.driver.save_screenshot(str(path)):
            raise StepError(f"could not save the screenshot to {path}")
        self.engine.log(f"screenshot: {path}")
        return str(path)


def _is_selenium_error(error: BaseException) -> bool:
    return type(error).__module__.startswith("selenium.")


def _lost_browser(error: BaseException) -> bool:
    """The browser is gone or unreachable: asking it for evidence would only hang."""
    name = type(error).__name__
    return (name == "InvalidSessionIdException" or isinstance(error, (ConnectionError, TimeoutError))
            or type(error).__module__.startswith("urllib3"))


install(SeleniumProvider, browser_step)
debug.install(SeleniumProvider)
