"""Element commands of the browser provider (clicks, typing, selects, drag and drop).

Every command here finds its element again on each attempt and acts only when
the element is ready: present, visible, enabled and, for pointer actions, not
covered by another element. `poll` repeats the attempt until then, so a
re-rendered (stale) element is simply found again, and a timeout says what was
awaited, for which locator, and what was last seen.

`browser_step` wraps every command of the provider: it applies the `condition`
key and adds the failure evidence (screenshot and HTML) to errors.
"""

from __future__ import annotations

import functools
import re

from ...errors import StepError
from .. import Param, command
from .accessors import TIMEOUT
from .locators import (
    STALE, Missing, Shown, describe, find, find_all, intercepted, key_or_text, parse_locator, stale_error, unready,
)

LOCATOR = Param("locator", parse=parse_locator,
                doc="the element: {type: css|xpath|id|name|text|partialText|tag|value|..., value: ...}")
CLICKABLE = ("visible", "enabled", "uncovered")
TYPABLE = ("visible", "enabled")
# Inputs a user sets without typing: a Recorder `change` sets their value.
_SET_BY_SCRIPT = {"date", "datetime-local", "month", "week", "time", "color", "range"}
_SET_VALUE_JS = """
const [el, value] = arguments;
el.value = value;
el.dispatchEvent(new Event('input', {bubbles: true}));
el.dispatchEvent(new Event('change', {bubbles: true}));
"""
_OFFSET = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")


def browser_step(method):
    """Skip the step when its `condition` is falsy; add evidence to its failure."""

    @functools.wraps(method)
    def run(self, command, **kwargs):
        condition = command.get("condition")
        if condition is not None and not self.condition_holds(condition):
            self.engine.log(f"step skipped: condition {condition!r} is false")
            return None
        try:
            return method(self, command, **kwargs)
        except Exception as error:
            replacement = self.add_evidence(error)
            if replacement is error:
                raise
            raise replacement from error

    return run


def _needs_text(needs: tuple[str, ...]) -> str:
    words = [{"uncovered": "not covered"}.get(need, need) for need in needs] or ["present"]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


class ElementCommands:
    """Mixin of the provider: commands acting on one element (`locator`)."""

    def act(self, command, needs, action, locator_key="locator"):
        """Poll until the element is ready (`needs`), then `action(element)`; its result."""
        locator = self.locator(command, locator_key)
        driver = self.driver
        from selenium.common.exceptions import ElementClickInterceptedException

        stale = stale_error()

        def attempt():
            element = None
            try:
                element = find(driver, locator)
                problem = unready(driver, element, needs)
                if problem:
                    return False, problem
                return True, action(element)
            except Missing as missing:
                return False, missing.args[0]
            except ElementClickInterceptedException as error:
                return False, intercepted(driver, element, error)
            except stale:
                return False, STALE

        return self.until(attempt, command, f"{locator} to be {_needs_text(needs)} for {command['type']}")

    def chain(self):
        from selenium.webdriver.common.action_chains import ActionChains

        return ActionChains(self.driver)

    @command(locator=LOCATOR, timeout=TIMEOUT)
    @browser_step
    def command_clickElement(self, command, **kwargs):
        """Click the element once it is visible, enabled and not covered."""
        self.act(command, CLICKABLE, lambda element: element.click())

    @command(locator=LOCATOR, timeout=TIMEOUT)
    @browser_step
    def command_doubleClickElement(self, command, **kwargs):
        """Double-click the element once it is visible, enabled and not covered."""
        self.act(command, CLICKABLE, lambda element: self.chain().double_click(element).perform())

    @command(locator=LOCATOR, offset=Param("string", doc='"x, y": pixels from the top left corner'),
             timeout=TIMEOUT)
    @browser_step
    def command_clickElementWithOffset(self, command, **kwargs):
        """Click at `offset` ("x, y" from the element's top left corner)."""
        match = _OFFSET.match(command["offset"])
        if not match:
            raise StepError(f"offset must be \"x, y\" in pixels, not {command['offset']!r}")
        x, y = float(match.group(1)), float(match.group(2))

        def click(element):
            size = element.size  # selenium 4 offsets are from the centre
            dx, dy = int(x - size["width"] / 2), int(y - size["height"] / 2)
            self.chain().move_to_element_with_offset(element, dx, dy).click().perform()

        self.act(command, TYPABLE, click)

    @command(locator=LOCATOR, timeout=TIMEOUT)
    @browser_step
    def command_mouseOverElement(self, command, **kwargs):
        """Move the mouse over the element once it is visible and not covered."""
        self.act(command, ("visible", "uncovered"), lambda element: self.chain().move_to_element(element).perform())

    @command(locator=LOCATOR, timeout=TIMEOUT)
    @browser_step
    def command_clickAndHoldElement(self, command, **kwargs):
        """Press the mouse button on the element (and keep it down)."""
        self.act(command, CLICKABLE, lambda element: self.chain().click_and_hold(element).perform())

    @command(locator=LOCATOR, timeout=TIMEOUT)
    @browser_step
    def command_releaseElement(self, command, **kwargs):
        """Release the mouse button over the element."""
        self.act(command, ("visible",),
                 lambda element: self.chain().move_to_element(element).release().perform())

    @command(locator=LOCATOR, targetLocator=LOCATOR, timeout=TIMEOUT)
    @browser_step
    def command_dragToAndDropElement(self, command, **kwargs):
        """Drag the element and drop it on `targetLocator`."""
        target_locator = self.locator(command, "targetLocator")

        def drag(element):
            targets = find_all(self.driver, target_locator)
            if not targets or not targets[0].is_displayed():
                raise Missing(Shown(f"no visible target {target_locator}"))
            self.chain().drag_and_drop(element, targets[0]).perform()

        self.act(command, CLICKABLE, drag)

    @command(locator=LOCATOR, timeout=TIMEOUT)
    @browser_step
    def command_submitElement(self, command, **kwargs):
        """Submit the form of the element (or the form itself)."""
        self.act(command, TYPABLE, lambda element: element.submit())

    @command(locator=LOCATOR, text=Param(("string", "number"), doc="the text to type"), timeout=TIMEOUT)
    @browser_step
    def command_setElementText(self, command, **kwargs):
        """Replace the element's text with `text`.

        On a <select>, choose the option whose value (else visible text) is `text`;
        on an input that takes no typing (date, color, range...), set its value and
        send the `input` and `change` events: what a Chrome Recorder `change` step means.
        """
        text = str(command["text"])

        def type_text(element):
            tag = element.tag_name.lower()
            if tag == "select":
                return self._choose_value_or_text(element, text)
            if tag == "input" and (element.get_attribute("type") or "text").lower() in _SET_BY_SCRIPT:
                return self.driver.execute_script(_SET_VALUE_JS, element, text)
            element.clear()
            element.send_keys(text)

        self.act(command, TYPABLE, type_text)

    def _choose_value_or_text(self, element, wanted: str):
        from selenium.common.exceptions import NoSuchElementException
        from selenium.webdriver.support.select import Select

        select = Select(element)
        try:
            select.select_by_value(wanted)
        except NoSuchElementException:
            try:
                select.select_by_visible_text(wanted)
            except NoSuchElementException:
                raise Missing(Shown(f"no option with value or text {wanted!r} in {describe(self.driver, element)}")
                              ) from None

    @command(locator=LOCATOR, text=Param(("string", "number"), doc="a key name (ENTER, TAB, ESCAPE...) or text"),
             timeout=TIMEOUT)
    @browser_step
    def command_sendKeysToElement(self, command, **kwargs):
        """Send a key (`text: ENTER`) or type text, without clearing the element first."""
        keys = key_or_text(str(command["text"]))
        self.act(command, TYPABLE, lambda element: element.send_keys(keys))

    @command(locator=LOCATOR, timeout=TIMEOUT)
    @browser_step
    def command_clearElement(self, command, **kwargs):
        """Empty a text field."""
        self.act(command, TYPABLE, lambda element: element.clear())

    @command(locator=LOCATOR, text=Param(("string", "number"), required=False, doc="the option's visible text"),
             value=Param(("string", "number"), required=False, doc="the option's value"), timeout=TIMEOUT)
    @browser_step
    def command_select(self, command, **kwargs):
        """Choose the option of a <select> by `text` or by `value` (waits for the option)."""
        if ("text" in command) == ("value" in command):
            raise StepError("select needs either 'text' or 'value' (not both)")
        by_text = "text" in command
        wanted = str(command["text" if by_text else "value"])

        def choose(element):
            from selenium.common.exceptions import NoSuchElementException
            from selenium.webdriver.support.select import Select

            try:
                if by_text:
                    Select(element).select_by_visible_text(wanted)
                else:
                    Select(element).select_by_value(wanted)
            except NoSuchElementException:
                key = "text" if by_text else "value"
                raise Missing(Shown(f"no option with {key} {wanted!r} in {describe(self.driver, element)}")) from None

        self.act(command, TYPABLE, choose)

    @command(locator=LOCATOR, timeout=TIMEOUT)
    @browser_step
    def command_setElementSelected(self, command, **kwargs):
        """Select a checkbox, radio button or option (click it unless already selected)."""
        self.act(command, CLICKABLE, lambda element: element.is_selected() or element.click())

    @command(locator=LOCATOR, timeout=TIMEOUT)
    @browser_step
    def command_setElementNotSelected(self, command, **kwargs):
        """Unselect a checkbox or option (click it if selected)."""
        self.act(command, CLICKABLE, lambda element: element.is_selected() and element.click())

    @command(locator=LOCATOR, timeout=TIMEOUT)
    @browser_step
    def command_clearSelections(self, command, **kwargs):
        """Unselect every option of a multiple <select>."""
        def clear(element):
            from selenium.webdriver.support.select import Select

            select = Select(element)
            if not select.is_multiple:
                raise StepError(f"clearSelections needs a <select multiple>, not {describe(self.driver, element)}")
            select.deselect_all()

        self.act(command, TYPABLE, clear)
