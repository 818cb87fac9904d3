"""Every accessor's assertX, verifyX, waitForX, storeX (and negated forms) in one browser session.

The scenario is generated from the table below: for each accessor, inputs and an
expected value that hold on the demo home page (plus a few injected elements, a
cookie and, last, an open alert), and a Python check of the stored value.
"""

import json
import re

from test_selenium_provider import run_browser


def loc(value, kind="id"):
    return {"type": kind, "value": value}


# accessor, inputs, (expected key, value that holds, value that does not), check of the stored value
PAGE_CASES = [
    ("CurrentUrl", {}, ("url", "$base_url/", "$base_url/nope"), "stored == base_url + '/'"),
    ("Title", {}, ("title", "Home - pytest-play demo", "Home"), "stored == 'Home - pytest-play demo'"),
    ("Text", {"locator": loc("title")}, ("text", "play demo", "^demo"), "stored == 'pytest-play demo site'"),
    ("TextPresent", {}, ("text", "system under test", "not on this page"), "stored is True"),
    ("BodyText", {}, ("text", "system under test", "not on this page"), "'system under test' in stored"),
    ("PageSource", {}, ("source", '<h1 id="title">', "<blink>"), "'<h1 id=\"title\">' in stored"),
    ("ElementPresent", {"locator": loc("title")}, None, "stored is True"),
    ("ElementVisible", {"locator": loc("title")}, None, "stored is True"),
    ("ElementSelected", {"locator": loc("checked")}, None, "stored is True"),
    ("ElementAttribute", {"locator": loc("q"), "attributeName": "name"}, ("value", "q", "x"), "stored == 'q'"),
    ("ElementStyle", {"locator": loc("styled"), "propertyName": "color"},
     ("value", "rgba(255, 0, 0, 1)", "red"), "stored == 'rgba(255, 0, 0, 1)'"),
    ("ElementValue", {"locator": loc("q")}, ("value", "prefilled", "empty"), "stored == 'prefilled'"),
    ("CookiePresent", {"name": "flavour"}, None, "stored is True"),
    ("CookieByName", {"name": "flavour"}, ("value", "chocolate", "vanilla"), "stored == 'chocolate'"),
    ("Eval", {"script": "return 6 * 7"}, ("value", 42, 41), "stored == 42"),
]
# yes/no accessors, with inputs for which the answer is "no"
NO_INPUTS = {
    "ElementPresent": {"locator": loc("nope")},
    "ElementVisible": {"locator": loc("hidden")},
    "ElementSelected": {"locator": loc("unchecked")},
    "CookiePresent": {"name": "nope"},
}
ALERT_CASES = [
    ("AlertText", {}, ("text", "Hi there", "Bye"), "stored == 'Hi there'"),
    ("AlertPresent", {}, None, "stored is True"),
]
SETUP = [
    {"type": "get", "url": "$base_url"},
    {"type": "eval", "script": "document.querySelector('main').insertAdjacentHTML('beforeend', "
     "'<input id=\"q\" name=\"q\" value=\"prefilled\"><span id=\"styled\" style=\"color: red\">red</span>"
     "<input type=\"checkbox\" id=\"checked\" checked><input type=\"checkbox\" id=\"unchecked\">"
     "<p id=\"hidden\" style=\"display: none\">hidden</p>')"},
    {"type": "addCookie", "name": "flavour", "value": "chocolate"},
]


def family_steps(name, inputs, expected, check):
    """assert/verify/waitFor/store of one accessor, plus negated checks that hold."""
    variable = f"stored_{name}"
    steps = []
    holds = dict(inputs, **({expected[0]: expected[1]} if expected else {}))
    for verb in ("assert", "verify", "waitFor"):
        steps.append({"type": f"{verb}{name}", **holds})
    if expected:
        wrong = dict(inputs, **{expected[0]: expected[2]})
        steps += [{"type": f"{verb}{name}", **wrong, "negated": True} for verb in ("assert", "verify", "waitFor")]
    elif name in NO_INPUTS:
        no = NO_INPUTS[name]
        steps += [{"type": f"{verb}{name}", **no, "negated": True, "timeout": 0.5}
                  for verb in ("assert", "verify", "waitFor")]
        steps.append({"type": f"store{name}", **no, "variable": f"not_{name}", "negated": True})
        steps.append({"type": "assert", "expression": f"not_{name} is True"})
    store = dict(inputs, variable=variable)
    if name == "TextPresent":
        store["text"] = expected[1]
    steps.append({"type": f"store{name}", **store})
    steps.append({"type": "assert", "expression": check.replace("stored", variable)})
    return steps


def test_every_accessor_gives_assert_verify_wait_for_and_store_commands_with_negated(pytester, demo_server):
    steps = list(SETUP)
    for case in PAGE_CASES:
        steps += family_steps(*case)
    steps.append({"type": "eval", "script": "setTimeout(() => alert('Hi there'), 0)"})
    for case in ALERT_CASES:
        steps += family_steps(*case)
    steps.append({"type": "acceptAlert"})
    steps += [{"type": f"{verb}AlertPresent", "negated": True} for verb in ("assert", "verify", "waitFor")]
    steps += [{"type": "storeAlertPresent", "variable": "alert_open"}, {"type": "assert", "expression": "not alert_open"}]
    (pytester.path / "test_accessors.json").write_text(json.dumps({"steps": steps}, indent=1))

    result = run_browser(pytester, demo_server, "-s")

    result.assert_outcomes(passed=1)
    ran = set(re.findall(r"\[play\] step \d+ (\w+): ok in", result.stdout.str()))
    accessors = [case[0] for case in PAGE_CASES + ALERT_CASES]
    assert {f"{verb}{name}" for name in accessors for verb in ("assert", "verify", "waitFor", "store")} <= ran
