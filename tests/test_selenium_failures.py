"""How browser steps fail: exact messages, verify-and-continue, evidence files, xdist.

Failing steps use small `timeout`s so the waits stay short.
"""

import re
import xml.etree.ElementTree as ET

from test_selenium_provider import run_browser, scenario_text

WIDGETS = scenario_text("""
    - type: eval
      script: |
        document.querySelector('main').insertAdjacentHTML('beforeend', `
          <button id="off" disabled>Off</button>
          <input id="invisible" style="display: none">
          <div style="position: relative; display: inline-block">
            <button id="under">Under</button>
            <div id="cover" style="position: absolute; inset: 0; background: red"></div>
          </div>`)
""")
HOME = '- {type: get, url: "$base_url"}\n'


def regex_message(pattern: str) -> str:
    """The interpreter's own words for a broken regular expression."""
    try:
        re.compile(pattern)
    except re.error as error:
        return str(error)
    raise AssertionError("valid pattern")


def failure_lines(result, name):
    """The failure section of test `name` in the inner session's output."""
    text = result.stdout.str()
    start = text.index(f"____ {name} ____")
    end = min(i for i in (text.find("\n____", start + 1), text.find("\n=====", start + 1)) if i > 0)
    return text[start:end].splitlines()[1:]


def test_waits_time_out_with_what_was_awaited_the_locator_and_what_was_last_seen(pytester, demo_server):
    pytester.makefile(".yml", widgets=WIDGETS)
    include = '- {type: include, path: widgets.yml}\n'
    pytester.makefile(
        ".yml",
        test_absent=HOME + "- {type: clickElement, locator: {type: css, value: '#nope'}}\n",
        test_disabled=HOME + include + "- {type: setElementText, locator: {type: id, value: 'off'}, text: x, timeout: 0.3}\n",
        test_hidden=HOME + include + "- {type: sendKeysToElement, locator: {type: id, value: invisible}, text: x, timeout: 0.3}\n",
        test_covered=HOME + include + "- {type: clickElement, locator: {type: id, value: under}, timeout: 0.3}\n",
        test_option=('- {type: get, url: "$base_url/select"}\n'
                     "- {type: select, locator: {type: id, value: city}, text: Rome, timeout: 0.3}\n"),
        test_wait_text=HOME + "- {type: waitForText, locator: {type: id, value: title}, text: Nope, timeout: 0.3}\n",
        test_no_alert=HOME + "- {type: acceptAlert, timeout: 0.3}\n",
        test_no_window=HOME + "- {type: switchToWindow, name: elsewhere, timeout: 0.3}\n",
        test_condition=HOME + "- {type: waitUntilCondition, script: 'document.title.length', timeout: 0.2, condition: 'false'}\n"
                       "- {type: waitUntilCondition, script: 'document.title.length > 100', timeout: 0.3}\n",
    )
    result = run_browser(pytester, demo_server, default_timeout=0.4)
    result.assert_outcomes(failed=9)
    assert failure_lines(result, "test_absent")[:3] == [
        "test_absent.yml:2: step 2 failed",
        """  step: {"type": "clickElement", "locator": {"type": "css", "value": "#nope"}}""",
        "  timed out after 0.4s waiting for css '#nope' to be visible, enabled and not covered for clickElement;"
        " last seen: no matching element",
    ]
    result.stdout.fnmatch_lines_random([
        "  timed out after 0.3s waiting for id 'off' to be visible and enabled for setElementText;"
        ' last seen: <button id="off" disabled=""> is disabled',
        "  timed out after 0.3s waiting for id 'invisible' to be visible and enabled for sendKeysToElement;"
        ' last seen: <input id="invisible" style="display: none"> is hidden',
        "  timed out after 0.3s waiting for id 'under' to be visible, enabled and not covered for clickElement;"
        ' last seen: <button id="under"> is covered by <div id="cover" style="position: absolute; inset: 0; background: red">',
        "  timed out after 0.3s waiting for id 'city' to be visible and enabled for select;"
        """ last seen: no option with text 'Rome' in <select id="city" name="city">""",
        "  timed out after 0.3s waiting for the text of id 'title' to match 'Nope'; last seen: 'pytest-play demo site'",
        "  timed out after 0.3s waiting for an alert to accept; last seen: NoAlertPresentException: no such alert",
        "  timed out after 0.3s waiting for window 'elsewhere'; last seen: NoSuchWindowException: no such window*",
        "test_condition.yml:3: step 3 failed",
        "  timed out after 0.3s waiting for script 'document.title.length > 100' to be true; last seen: False",
    ])


def test_assertions_fail_with_the_expected_and_the_last_seen_value(pytester, demo_server):
    pytester.makefile(
        ".yml",
        test_wrong_text=HOME + "- {type: assertText, locator: {type: id, value: title}, text: Nope, timeout: 0.3}\n",
        test_exact_text=HOME + "- {type: assertText, locator: {type: id, value: title}, text: demo, exact: true, timeout: 0.3}\n",
        test_negated=HOME + "- {type: assertElementPresent, locator: {type: id, value: title}, negated: true, timeout: 0.3}\n",
        test_negated_text=HOME + "- {type: assertText, locator: {type: id, value: title}, text: demo, negated: true, timeout: 0.3}\n",
        test_missing=HOME + "- {type: assertText, locator: {type: id, value: gone}, text: x, negated: true, timeout: 0.3}\n",
        test_visible=HOME + "- {type: assertElementVisible, locator: {type: id, value: gone}, timeout: 0.3}\n",
        test_hidden=HOME + WIDGETS + "- {type: assertElementVisible, locator: {type: id, value: invisible}, timeout: 0.3}\n",
        test_eval=HOME + "- {type: assertEval, script: 'return 6 * 7', value: 43, timeout: 0.3}\n",
        test_cookie=HOME + "- {type: assertCookieByName, name: flavour, value: x, timeout: 0.3}\n",
        test_js_error=HOME + "- {type: eval, script: 'nope()'}\n",
        test_locator=HOME + "- {type: clickElement, locator: {type: csss, value: '#x'}}\n",
        test_regex=HOME + "- {type: assertTitle, title: '(', exact: false}\n",
        test_relative="- {type: get, url: /select}\n",
    )
    result = run_browser(pytester, demo_server)
    result.assert_outcomes(failed=13)
    result.stdout.fnmatch_lines_random([
        "  expected the text of id 'title' to match 'Nope' within 0.3s; last seen: 'pytest-play demo site'",
        "  expected the text of id 'title' to be 'demo' within 0.3s; last seen: 'pytest-play demo site'",
        "  expected id 'title' not to be present within 0.3s; last seen: present",
        "  expected the text of id 'title' not to match 'demo' within 0.3s; last seen: 'pytest-play demo site'",
        "  expected the text of id 'gone' not to match 'x' within 0.3s; last seen: no matching element",
        "  expected id 'gone' to be visible within 0.3s; last seen: no matching element",
        "  expected id 'invisible' to be visible within 0.3s; last seen: not visible",
        "  expected script 'return 6 * 7' to be 43 within 0.3s; last seen: 42",
        "  expected cookie 'flavour' to be 'x' within 0.3s; last seen: no cookie named 'flavour'",
        "  JavaScript error in 'nope()': nope is not defined",
        # a bad locator is found at collection, before the browser starts
        "test_locator.yml:2: step 2: clickElement: parameter 'locator': unknown locator type 'csss'"
        " (did you mean 'css'?); use one of css, css selector, xpath, id, name, tag,"
        " tag name, class name, link text, partial link text, text, partialText, value, aria, containsText, "
        "pierce, shadow, focused, selectors",
        f"  invalid regular expression '(': {regex_message('(')}",
        "  get needs an absolute URL such as http://host/path, not '/select'",
    ])


def test_the_scenario_timeout_stops_a_longer_check_and_is_reported_as_such(pytester, demo_server):
    pytester.makefile(".yml", test_deadline="timeout: 1\n---\n" + HOME +
                      "- {type: assertText, locator: {type: id, value: title}, text: Nope, timeout: 30}\n")
    result = run_browser(pytester, demo_server)
    result.assert_outcomes(failed=1)
    assert result.duration < 20
    result.stdout.fnmatch_lines(["test_deadline.yml:4: step 2 failed", "*", "  scenario timed out after 1s"])
    result.stdout.no_fnmatch_line("*expected the text*")


def test_verify_steps_let_the_scenario_continue_and_fail_it_at_the_end(pytester, demo_server):
    pytester.makefile(".yml", test_verify=scenario_text("""
        - {type: get, url: "$base_url"}
        - {type: verifyTitle, title: Nope, timeout: 0.2}
        - {type: verifyText, locator: {type: id, value: title}, text: demo, negated: true, timeout: 0.2}
        - {type: print, text: still running}
        - {type: verifyElementPresent, locator: {type: id, value: title}}
        - {type: assertTitle, title: Home - pytest-play demo}
    """))
    result = run_browser(pytester, demo_server, "-s")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "[[]play[]] still running",
        "[[]play[]] step 6 assertTitle: ok in *",
        "test_verify.yml: 2 verifications failed:",
        "  - test_verify.yml:2: step 2: expected the title to be 'Nope' within 0.2s;"
        " last seen: 'Home - pytest-play demo'",
        "    screenshot: */test_verify.yml__test_verify-step2.png",
        "    page HTML: */test_verify.yml__test_verify-step2.html",
        "  - test_verify.yml:3: step 3: expected the text of id 'title' not to match 'demo' within 0.2s;"
        " last seen: 'pytest-play demo site'",
        "    screenshot: */test_verify.yml__test_verify-step3.png",
        "    page HTML: */test_verify.yml__test_verify-step3.html",
    ])


def test_a_failed_step_saves_a_screenshot_and_the_html_named_in_the_report_and_junit(pytester, demo_server):
    pytester.makefile(".yml", test_evidence=HOME + scenario_text("""
        - {type: setElementText, locator: {type: id, value: missing-field}, text: $password, timeout: 0.2}
    """))
    result = run_browser(pytester, demo_server, "--splinter-screenshot-dir", "artifacts", "--junitxml", "junit.xml",
                         variables="password: s3cr3t-value\n")
    result.assert_outcomes(failed=1)
    folder = pytester.path / "artifacts"
    png, html = folder / "test_evidence.yml__test_evidence-step2.png", folder / "test_evidence.yml__test_evidence-step2.html"
    result.stdout.fnmatch_lines([
        "  timed out after 0.2s waiting for id 'missing-field' to be visible and enabled for setElementText;"
        " last seen: no matching element",
        f"  screenshot: {png}",
        f"  page HTML: {html}",
    ])
    assert png.read_bytes().startswith(b"\x89PNG")
    assert '<h1 id="title">pytest-play demo site</h1>' in html.read_text()
    failure = ET.parse(pytester.path / "junit.xml").find(".//failure")
    assert f"screenshot: {png}" in failure.text and f"page HTML: {html}" in failure.text
    assert "s3cr3t-value" not in result.stdout.str() + failure.text


def test_under_xdist_workers_never_share_evidence_file_names_and_play_artifacts_wins(pytester, demo_server):
    for name in ("one", "two", "three", "four"):
        pytester.makefile(".yml", **{f"test_{name}": HOME + "- {type: assertTitle, title: Nope, timeout: 0.1}\n"})
    result = run_browser(pytester, demo_server, "-n", "2", "--splinter-screenshot-dir", "shots",
                         "--play-artifacts", "evidence")
    result.assert_outcomes(failed=4)
    shots = sorted(path.name for path in (pytester.path / "evidence").glob("*.png"))
    workers = {re.search(r"-(gw\d)-step", name).group(1) for name in shots}
    assert len(shots) == 4 and workers == {"gw0", "gw1"}, shots
    assert not list((pytester.path / "shots").glob("*.png"))
