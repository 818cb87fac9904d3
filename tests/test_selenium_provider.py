"""The `selenium` provider's commands in headless Chromium against the demo app.

Each test is one real pytest session (pytester) running several scenario files
with one shared browser. Elements the demo app lacks (double click, drag and
drop targets...) are added to its home page by an `eval` step.
"""

import os
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BROWSER = ("--splinter-webdriver", "chrome", "--splinter-headless")


def scenario_text(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def run_browser(pytester, demo_server, *args, default_timeout=5, variables=""):
    """One inner pytest session in headless Chromium against the demo app;
    checks that it left no browser or driver process behind."""
    pytester.makefile(".yml", vars=f"base_url: {demo_server.url}\ndefault_timeout: {default_timeout}\n{variables}")
    result = pytester.runpytest("-p", "no:randomly", "--variables", "vars.yml", *BROWSER, *args)
    assert not browser_processes_left(pytester.path), "chromium or chromedriver left running"
    return result


def browser_processes_left(home: Path, timeout: float = 5.0) -> list[int]:
    """Live processes started with HOME=home, after a grace period: pytester
    sets HOME for its inner sessions, and the driver and browser inherit it."""
    needle = f"HOME={home}\0".encode()
    deadline = time.monotonic() + timeout
    while True:
        found = [pid for pid, data in _processes() if needle in data]
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


def _processes():
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if (entry / "stat").read_bytes().rsplit(b")", 1)[1].split()[0] == b"Z":
                continue  # a zombie is dead, only not yet reaped by its parent
            yield int(entry.name), (entry / "cmdline").read_bytes() + (entry / "environ").read_bytes()
        except (OSError, IndexError):
            continue


def test_the_original_login_example_runs_for_three_users_in_json_and_yaml(pytester, demo_server):
    for name in ("test_login.json", "test_login.ini", "test_login.yml"):
        (pytester.path / name).write_text((REPO / "scenarios" / name).read_text())
    result = run_browser(pytester, demo_server, "-v", "-m", "login")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines_random([
        "*test_login.json::test_login[[]siteadmin[]] PASSED*",
        "*test_login.json::test_login[[]editor[]] PASSED*",
        "*test_login.json::test_login[[]reader[]] PASSED*",
        "*test_login.yml::test_login[[]reader[]] PASSED*",
    ])


def test_every_locator_type_of_play_selenium_and_selenium_builder_finds_its_element(pytester, demo_server):
    pytester.makefile(".yml", test_locators=scenario_text("""
        - {type: get, url: "$base_url/select"}
        - {type: assertElementPresent, locator: {type: css, value: "#city"}}
        - {type: assertElementPresent, locator: {type: css selector, value: "select#city"}}
        - {type: assertElementPresent, locator: {type: xpath, value: "//select[@id='city']"}}
        - {type: assertElementPresent, locator: {type: id, value: city}}
        - {type: assertElementPresent, locator: {type: name, value: city}}
        - {type: assertText, locator: {type: tag, value: h1}, text: Choose a city, exact: true}
        - {type: assertText, locator: {type: tag name, value: h1}, text: Choose}
        - {type: assertText, locator: {type: text, value: Choose a city}, text: "^Choose a city$"}
        - {type: assertText, locator: {type: partialText, value: "a cit"}, text: Choose a city}
        - {type: assertText, locator: {type: value, value: "2"}, text: Florence}
        - {type: assertText, locator: {type: link text, value: Log in}, text: Log in}
        - {type: assertElementPresent, locator: {type: partial link text, value: Log}}
        - {type: assertElementPresent, locator: {type: class name, value: nope}, negated: true, timeout: 0.2}
        - {type: assertText, locator: {type: xpath, value: "//option[text()=concat('Mil', \\"an\\")]"}, text: Milan}
    """))
    run_browser(pytester, demo_server).assert_outcomes(passed=1)


def test_element_actions_wait_until_enabled_and_uncovered_and_find_replaced_elements_again(pytester, demo_server):
    pytester.makefile(".yml", test_waits=scenario_text("""
        - {type: get, url: "$base_url/items"}
        - {type: clickElement, locator: {type: css, value: "#slow-button"}}
        - {type: assertText, locator: {type: css, value: "#slow-result"}, text: Slow button clicked}
        - {type: clickElement, locator: {type: id, value: covered-button}}
        - {type: verifyText, locator: {type: id, value: covered-result}, text: Covered button clicked}
        - {type: clickElement, locator: {type: css, value: "#personaltools-login"}}
        - {type: setElementText, locator: {type: css, value: "#__ac_name"}, text: editor}
        - {type: setElementText, locator: {type: css, value: "#__ac_password"}, text: editor}
        - {type: sendKeysToElement, locator: {type: css, value: "#__ac_password"}, text: ENTER}
        - {type: assertText, locator: {type: css, value: .icon-user}, text: editor}
        - {type: assertElementPresent, locator: {type: css, value: "#login-modal"}, negated: true}
    """), test_stale=scenario_text("""
        - {type: get, url: "$base_url"}
        - type: eval
          comment: the page replaces the button every 50 ms, twenty times, then leaves it
          script: |
            document.querySelector('main').insertAdjacentHTML('beforeend', '<button id="flicker">0</button>');
            window.clicks = 0;
            window.replaced = 0;
            const rerender = () => {
              const fresh = document.createElement('button');
              fresh.id = 'flicker';
              fresh.textContent = String(window.clicks);
              fresh.onclick = () => { window.clicks += 1; fresh.textContent = String(window.clicks); };
              document.getElementById('flicker').replaceWith(fresh);
              if (++window.replaced >= 20) clearInterval(timer);
            };
            const timer = setInterval(rerender, 50);
        - {type: clickElement, locator: {type: id, value: flicker}}
        - {type: clickElement, locator: {type: id, value: flicker}}
        - {type: assertText, locator: {type: id, value: flicker}, text: "^2$"}
        - {type: assertEval, script: window.clicks, value: 2}
    """))
    result = run_browser(pytester, demo_server, "-s")
    result.assert_outcomes(passed=2)
    # the disabled and covered buttons really were waited for
    result.stdout.re_match_lines([r"\[play\] step 2 clickElement: ok in (\d{3,}|[3-9]\d)\.\d ms"])


def test_select_checkboxes_and_form_fields(pytester, demo_server):
    pytester.makefile(".yml", test_select=scenario_text("""
        - {type: get, url: "$base_url/select"}
        - {type: select, locator: {type: id, value: city}, text: Florence}
        - {type: assertText, locator: {type: id, value: selected}, text: Florence}
        - {type: assertElementValue, locator: {type: id, value: city}, value: 2}
        - {type: assertElementSelected, locator: {type: value, value: "2"}}
        - {type: select, locator: {type: id, value: city}, value: "3"}
        - {type: storeElementValue, locator: {type: id, value: city}, variable: city}
        - {type: assertEval, script: "'$city'", value: "3"}
        - {type: assertElementSelected, locator: {type: value, value: "2"}, negated: true}
    """), test_fields=scenario_text(HOME_WITH_WIDGETS + """
        - {type: clearElement, locator: {type: id, value: q}}
        - {type: assertElementValue, locator: {type: id, value: q}, value: ""}
        - {type: sendKeysToElement, locator: {type: id, value: q}, text: abc}
        - {type: sendKeysToElement, locator: {type: name, value: q}, text: KEY_ENTER}
        - {type: assertText, locator: {type: id, value: submitted}, text: submitted abc, exact: true}
        - {type: setElementText, locator: {type: id, value: q}, text: xyz}
        - {type: submitElement, locator: {type: id, value: q}}
        - {type: assertText, locator: {type: id, value: submitted}, text: submitted xyz}
        - {type: assertElementAttribute, locator: {type: id, value: q}, attributeName: name, value: q}
        - {type: assertElementStyle, locator: {type: id, value: styled}, propertyName: color, value: "rgba(255, 0, 0, 1)"}
        - {type: setElementSelected, locator: {type: id, value: cb}}
        - {type: setElementSelected, locator: {type: id, value: cb}}
        - {type: assertElementSelected, locator: {type: id, value: cb}}
        - {type: setElementNotSelected, locator: {type: id, value: cb}}
        - {type: verifyElementSelected, locator: {type: id, value: cb}, negated: true}
        - {type: clearSelections, locator: {type: id, value: multi}}
        - {type: assertEval, script: "document.querySelectorAll('#multi option:checked').length", value: 0}
    """))
    run_browser(pytester, demo_server).assert_outcomes(passed=2)


HOME_WITH_WIDGETS = """
        - {type: get, url: "$base_url"}
        - type: eval
          comment: widgets the demo app has no page for
          script: |
            document.querySelector('main').insertAdjacentHTML('beforeend', `
              <form id="f" onsubmit="event.preventDefault();
                    document.getElementById('submitted').textContent = 'submitted ' + this.q.value">
                <input id="q" name="q" value="prefilled"></form>
              <p id="submitted"></p>
              <span id="styled" style="color: rgb(255, 0, 0)">red</span>
              <input type="checkbox" id="cb">
              <select id="multi" multiple><option selected>A</option><option selected>B</option></select>
              <button id="dbl" ondblclick="this.textContent = 'double clicked'">double click me</button>
              <div id="hover" onmouseover="this.textContent = 'hovered'">hover me</div>
              <div id="pad" style="width: 200px; height: 100px; background: #eee"
                   onclick="this.textContent = event.offsetX + ',' + event.offsetY"></div>
              <div id="hold" style="width: 80px; height: 30px; background: #ccc"
                   onmousedown="this.textContent = 'down'" onmouseup="this.textContent = 'up'">hold</div>
              <div id="src" style="width: 40px; height: 40px; background: red"></div>
              <div id="dst" style="width: 80px; height: 80px; background: blue"
                   onmouseup="document.getElementById('dropped').textContent = 'dropped'"></div>
              <p id="dropped"></p>`)
"""


def test_mouse_commands(pytester, demo_server):
    # layout may put the element at a fractional position: one pixel either way
    pytester.makefile(".yml", test_mouse=scenario_text(HOME_WITH_WIDGETS + """
        - {type: doubleClickElement, locator: {type: id, value: dbl}}
        - {type: assertText, locator: {type: id, value: dbl}, text: double clicked}
        - {type: mouseOverElement, locator: {type: id, value: hover}}
        - {type: assertText, locator: {type: id, value: hover}, text: hovered}
        - {type: clickElementWithOffset, locator: {type: id, value: pad}, offset: "10, 20"}
        - {type: assertText, locator: {type: id, value: pad}, text: "^(9|10|11),(19|20|21)$"}
        - {type: clickAndHoldElement, locator: {type: id, value: hold}}
        - {type: assertText, locator: {type: id, value: hold}, text: down}
        - {type: releaseElement, locator: {type: id, value: hold}}
        - {type: assertText, locator: {type: id, value: hold}, text: up}
        - {type: dragToAndDropElement, locator: {type: id, value: src}, targetLocator: {type: id, value: dst}}
        - {type: assertText, locator: {type: id, value: dropped}, text: dropped}
    """))
    run_browser(pytester, demo_server).assert_outcomes(passed=1)


def test_frames_windows_and_dialogs(pytester, demo_server):
    pytester.makefile(".yml", test_frame=scenario_text("""
        - {type: get, url: "$base_url/frame"}
        - {type: switchToFrame, identifier: inner}
        - {type: clickElement, locator: {type: id, value: inner-button}}
        - {type: assertText, locator: {type: id, value: inner-result}, text: Clicked inside the frame}
        - {type: switchToDefaultContent}
        - {type: assertText, locator: {type: id, value: outer-text}, text: Outside}
        - {type: switchToFrameByIndex, index: 0}
        - {type: assertEval, script: document.title, value: Inner frame}
        - {type: switchToFrame, identifier: relative=top}
        - {type: switchToFrame, locator: {type: css, value: "iframe#inner"}}
        - {type: assertElementPresent, locator: {type: id, value: inner-text}}
    """), test_window=scenario_text("""
        - {type: get, url: "$base_url/window"}
        - {type: clickElement, locator: {type: id, value: open-window}}
        - {type: switchToWindow, name: child}
        - {type: assertTitle, title: Child window}
        - {type: assertText, locator: {type: id, value: child-text}, text: Hello from the child}
        - {type: close}
        - {type: assertTitle, title: Window - pytest-play demo}
        - {type: clickElement, locator: {type: id, value: open-window}}
        - {type: switchToWindowByIndex, index: 1}
        - {type: assertCurrentUrl, url: "$base_url/window/child"}
        - {type: switchToWindowByIndex, index: 0}
        - {type: assertCurrentUrl, url: "/window$", exact: false}
    """), test_dialogs=scenario_text("""
        - {type: get, url: "$base_url/alert"}
        - {type: assertAlertPresent, negated: true, timeout: 0.2}
        - {type: clickElement, locator: {type: id, value: alert}}
        - {type: waitForAlertPresent}
        - {type: assertAlertText, text: Hello alert, exact: true}
        - {type: storeAlertText, variable: said}
        - {type: acceptAlert}
        - {type: assertText, locator: {type: id, value: result}, text: alerted}
        - {type: clickElement, locator: {type: id, value: confirm}}
        - {type: verifyAlertText, text: sure}
        - {type: dismissAlert}
        - {type: assertText, locator: {type: id, value: result}, text: dismissed}
        - {type: clickElement, locator: {type: id, value: confirm}}
        - {type: acceptAlert}
        - {type: assertText, locator: {type: id, value: result}, text: confirmed}
        - {type: clickElement, locator: {type: id, value: prompt}}
        - {type: answerAlert, text: Ada}
        - {type: assertText, locator: {type: id, value: result}, text: "^Ada$"}
        - {type: assert, expression: "said == 'Hello alert'"}
    """))
    run_browser(pytester, demo_server).assert_outcomes(passed=3)


def test_the_async_table_is_waited_for_and_a_row_can_be_deleted(pytester, demo_server):
    pytester.makefile(".yml", test_items=scenario_text("""
        - {type: get, url: "$base_url/items"}
        - {type: assertText, locator: {type: id, value: items-status}, text: Please log in}
        - {type: clickElement, locator: {type: id, value: personaltools-login}}
        - {type: setElementText, locator: {type: id, value: __ac_name}, text: editor}
        - {type: setElementText, locator: {type: id, value: __ac_password}, text: editor}
        - {type: clickElement, locator: {type: css, value: ".pattern-modal-buttons > input[name=submit]"}}
        - {type: waitForText, locator: {type: id, value: items-status}, text: "^\\\\d+ items$"}
        - {type: storeEval, variable: name, script: "return 'row-' + Date.now()"}
        - {type: setElementText, locator: {type: id, value: new-item-name}, text: $name}
        - {type: clickElement, locator: {type: id, value: add-item}}
        - {type: assertText, locator: {type: id, value: add-status}, text: "^Item \\\\d+ pending$"}
        - {type: assertText, locator: {type: xpath, value: "//tr[td[@class='name']='$name']/td[@class='owner']"}, text: editor}
        - {type: clickElement, locator: {type: xpath, value: "//tr[td[@class='name']='$name']//button"}}
        - {type: assertElementPresent, locator: {type: xpath, value: "//tr[td[@class='name']='$name']"}, negated: true}
    """))
    run_browser(pytester, demo_server).assert_outcomes(passed=1)


def test_page_accessors_navigation_scripts_cookies_and_variables(pytester, demo_server):
    pytester.makefile(".yml", test_page=scenario_text("""
        - {type: get, provider: browser, url: "$base_url"}
        - {type: assertTitle, provider: selenium, title: Home - pytest-play demo}
        - {type: assertTitle, title: "^Home", exact: false}
        - {type: verifyTitle, title: Home, negated: true}
        - {type: assertBodyText, text: system under test}
        - {type: assertTextPresent, text: "pytest-play demo site"}
        - {type: storeTextPresent, text: "not on this page", variable: there}
        - {type: assertPageSource, source: "<h1 id=\\"title\\">"}
        - {type: storeTitle, variable: home_title}
        - {type: storeCurrentUrl, variable: home_url}
        - {type: clickElement, locator: {type: link text, value: Select}}
        - {type: waitForCurrentUrl, url: "/select$", exact: false}
        - {type: goBack}
        - {type: assertCurrentUrl, url: $home_url}
        - {type: goForward}
        - {type: assertTitle, title: Select - pytest-play demo}
        - {type: eval, script: "document.title = 'changed'"}
        - {type: refresh}
        - {type: assertTitle, title: Select - pytest-play demo}
        - {type: setWindowSize, width: 900, height: 700}
        - {type: assertEval, script: "return window.outerWidth", value: 900}
        - {type: storeEval, variable: answer, script: "6 * 7"}
        - {type: verifyEval, script: "return $answer + 1;", value: "43"}
        - {type: waitForEval, script: "[1, 2].length", value: 2}
        - {type: eval, script: "setTimeout(() => { window.ready = true; }, 300)"}
        - {type: waitUntilCondition, script: "window.ready === true"}
        - {type: addCookie, name: flavour, value: chocolate, options: "path=/,max_age=60000"}
        - {type: assertCookieByName, name: flavour, value: chocolate}
        - {type: storeCookieByName, name: flavour, variable: flavour}
        - {type: assertCookiePresent, name: flavour}
        - {type: deleteCookie, name: flavour}
        - {type: assertCookiePresent, name: flavour, negated: true}
        - {type: store, variable: greeting, text: hello}
        - {type: print, text: "$greeting from $home_title"}
        - {type: pause, waitTime: 10}
        - {type: storeElementPresent, locator: {type: id, value: city}, variable: has_city}
        - {type: storeElementVisible, locator: {type: id, value: nope}, variable: nope_visible, negated: true}
        - {type: storeText, locator: {type: tag, value: h1}, variable: heading}
        - {type: saveScreenshot, file: shots/page.png}
        - type: assert
          expression: >-
            there is False and answer == 42 and flavour == 'chocolate' and has_city is True
            and nope_visible is True and heading == 'Choose a city'
    """), test_condition=scenario_text("""
        - {type: get, url: "$base_url"}
        - {type: store, variable: role, text: reader}
        - {type: clickElement, locator: {type: id, value: nowhere}, condition: "'$role' === 'admin'"}
        - {type: assertTitle, title: Nope, condition: "return document.title === 'Nope'"}
        - {type: store, variable: ran, text: done, condition: "'$role' === 'reader'"}
        - {type: assert, expression: "ran == 'done'"}
    """))
    result = run_browser(pytester, demo_server, "-s", "--splinter-screenshot-dir", "out")
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines_random(["[[]play[]] hello from Home - pytest-play demo",
                                 "[[]play[]] step skipped: condition \"'reader' === 'admin'\" is false"])
    assert (pytester.path / "out" / "shots" / "page.png").stat().st_size > 1000


def test_a_scenario_without_browser_steps_starts_no_browser(pytester, demo_server):
    pytester.makefile(".yml", test_plain="- {type: assert, expression: '1 + 1 == 2'}\n",
                      test_web='- {type: get, url: "$base_url"}\n')
    result = run_browser(pytester, demo_server, "--setup-show", "-v")
    result.assert_outcomes(passed=2)
    text = result.stdout.str()
    plain = text[text.index("test_plain.yml::test_plain"):text.index("test_web.yml::test_web")]
    assert "F browser" not in plain
    assert "F browser" in text[text.index("test_web.yml::test_web"):]


def test_cookies_storage_and_login_do_not_leak_into_the_next_test(pytester, demo_server):
    pytester.makefile(".yml", test_a_first=scenario_text("""
        - {type: get, url: "$base_url"}
        - {type: addCookie, name: leftover, value: "1"}
        - {type: eval, script: "localStorage.setItem('leftover', '1'); sessionStorage.setItem('leftover', '1')"}
        - {type: clickElement, locator: {type: id, value: personaltools-login}}
        - {type: setElementText, locator: {type: id, value: __ac_name}, text: reader}
        - {type: setElementText, locator: {type: id, value: __ac_password}, text: reader}
        - {type: sendKeysToElement, locator: {type: id, value: __ac_password}, text: ENTER}
        - {type: waitForElementVisible, locator: {type: css, value: .icon-user}}
    """), test_b_second=scenario_text("""
        - {type: get, url: "$base_url"}
        - {type: assertCookiePresent, name: leftover, negated: true, timeout: 0.1}
        - {type: assertEval, script: "localStorage.length + sessionStorage.length", value: 0, timeout: 0.1}
        - {type: assertElementPresent, locator: {type: css, value: .icon-user}, negated: true, timeout: 0.1}
        - {type: assertElementVisible, locator: {type: id, value: personaltools-login}}
    """))
    run_browser(pytester, demo_server).assert_outcomes(passed=2)
