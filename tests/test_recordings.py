"""Chrome DevTools Recorder and Selenium IDE recordings of the demo app's flows, run in
headless Chromium as they are and converted to YAML (pytest_play.convert).

The recordings in tests/recordings were written by hand following the published
schemas, on an origin (127.0.0.1:5000) that is not the demo server's: the base
URL rule makes them run against `base_url`.
"""

import json
import shutil
from pathlib import Path

from pytest_play.convert import main as convert_main

HERE = Path(__file__).resolve().parent / "recordings"
BROWSER = ("--splinter-webdriver", "chrome", "--splinter-headless")
FLOWS = ("chrome_login", "chrome_widgets", "chrome_frame_window", "chrome_select_item", "chrome_fallback")
SIDE_TESTS = ("log in", "choose a city", "hover menu", "frame and new window", "create an item")


def copy_recordings(pytester, names=FLOWS, side=True):
    for name in names:
        shutil.copy(HERE / f"{name}.json", pytester.path / f"test_{name}.json")
    if side:
        shutil.copy(HERE / "side_demo.side", pytester.path / "test_side_demo.side")


def literal(pattern: str) -> str:
    """An fnmatch pattern whose `[` are plain characters."""
    return pattern.replace("[", "[[]")


def run(pytester, *args, base_url=None, default_timeout=5):
    lines = [f"default_timeout: {default_timeout}"] + ([f"base_url: {base_url}"] if base_url else [])
    pytester.makefile(".yml", vars="\n".join(lines) + "\n")
    return pytester.runpytest("-p", "no:randomly", "--variables", "vars.yml", *BROWSER, *args)


def test_the_demo_app_flows_pass_as_recorded_in_chrome_and_selenium_ide(pytester, demo_server):
    copy_recordings(pytester)
    result = run(pytester, "-v", "-rP", base_url=demo_server.url)
    result.assert_outcomes(passed=len(FLOWS) + len(SIDE_TESTS))
    result.stdout.fnmatch_lines_random(
        [f"test_{name}.json::test_{name} PASSED*" for name in FLOWS]
        + [f"test_side_demo.side::{name} PASSED*" for name in SIDE_TESTS])
    # the navigation checks of assertedEvents and the frame/window switches ran as steps
    result.stdout.fnmatch_lines_random([
        "*step 2 assertTitle (navigate): ok*", "*step 2 switchToFrameByIndex (click): ok*",
        "*step 6 switchToWindowByIndex (waitForElement): ok*",
    ])


def test_the_same_flows_converted_to_yaml_pass_too(pytester, demo_server, capsys):
    for name in FLOWS:
        assert convert_main([str(HERE / f"{name}.json"), "-o", str(pytester.path / f"test_{name}.yml")]) == 0
    assert convert_main([str(HERE / "side_demo.side"), "-o", str(pytester.path / "side")]) == 0
    written = sorted(p.name for p in (pytester.path / "side").iterdir())
    assert written == ["test_choose_a_city.yml", "test_create_an_item.yml", "test_frame_and_new_window.yml",
                       "test_hover_menu.yml", "test_log_in.yml"]
    for path in pytester.path.rglob("test_*.yml"):
        text = path.read_text()
        steps = "\n".join(line for line in text.splitlines() if not line.startswith("#"))  # not the header
        assert "selectors" not in steps and "127.0.0.1:5000" not in steps, path
        assert "$base_url/" in steps
    result = run(pytester, "-v", base_url=demo_server.url)
    result.assert_outcomes(passed=len(FLOWS) + len(SIDE_TESTS))


def test_a_first_selector_gone_missing_falls_back_to_the_next_ones_and_without_them_the_step_fails(
        pytester, demo_server):
    copy_recordings(pytester, ["chrome_fallback"], side=False)
    flow = json.loads((HERE / "chrome_fallback.json").read_text())
    for step in flow["steps"]:
        if "selectors" in step:
            step["selectors"] = step["selectors"][:1]  # only the stale one
    (pytester.path / "test_first_only.json").write_text(json.dumps(flow, indent=2))
    result = run(pytester, base_url=demo_server.url, default_timeout=1)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "test_first_only.json:*: step 2 (click) failed",
        literal("*timed out after 1s waiting for selectors ['aria/Search the site'] to be visible, enabled and not "
                "covered for clickElement; last seen: no matching element"),
    ])


def test_a_broken_recording_fails_at_its_steps_line_listing_the_selectors_it_tried(pytester, demo_server):
    copy_recordings(pytester, ["chrome_broken"], side=False)
    result = run(pytester, base_url=demo_server.url, default_timeout=1)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_chrome_broken.json:5: step 2 (click) failed",
        literal("*timed out after 1s waiting for selectors ['aria/Remove everything', '#remove-all', "
                "'xpath///button[@id=\"remove-all\"]'] to be visible, enabled and not covered for clickElement; "
                "last seen: no matching element"),
        "*screenshot: *test_chrome_broken*-step2.png",
    ])


def test_without_base_url_a_recording_runs_on_its_recorded_origin(pytester, demo_server):
    flow = {"title": "recorded on the demo server itself", "steps": [
        {"type": "navigate", "url": f"{demo_server.url}/select",
         "assertedEvents": [{"type": "navigation", "url": f"{demo_server.url}/select", "title": ""}]},
        {"type": "change", "value": "3", "selectors": [["aria/City"]]},
        {"type": "waitForElement", "selectors": [["text/Selected: Milan"]]},
    ]}
    (pytester.path / "test_own_origin.json").write_text(json.dumps(flow))
    # and an asserted navigation that does not happen is a real failure
    flow["steps"][0]["assertedEvents"][0]["url"] = f"{demo_server.url}/elsewhere"
    (pytester.path / "test_wrong_navigation.json").write_text(json.dumps(flow, indent=1))
    result = run(pytester, default_timeout=1)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "test_wrong_navigation.json:4: step 1 (navigate) failed",
        f"*the current URL*{demo_server.url}/select*",
    ])


def test_a_recording_pasted_as_play_text_runs_like_a_committed_one(pytester, demo_server):
    """What Jenkins' PLAY field does (python -m pytest_play.jenkins passes it as --play-text)."""
    pytester.makefile(".yml", vars=f"base_url: {demo_server.url}\ndefault_timeout: 5\n"
                                   f"pytest-play:\n  untrusted_may_reach: [{demo_server.url}]\n")
    text = (HERE / "chrome_widgets.json").read_text()
    result = pytester.runpytest("-p", "no:randomly", "--variables", "vars.yml", *BROWSER, "-v", "--play-text", text)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["build/play/test_play.json::test_play PASSED*"])


def test_a_pasted_recording_with_an_unsupported_step_stops_before_the_session_naming_its_line(pytester):
    flow = json.loads((HERE / "chrome_login.json").read_text())
    flow["steps"].insert(2, {"type": "customStep", "name": "screenshot", "parameters": {}})
    text = json.dumps(flow, indent=2)
    line = next(number for number, content in enumerate(text.splitlines()) if '"customStep"' in content)
    assert text.splitlines()[line - 1].strip() == "{"  # line (1-based) is the step's opening brace
    result = pytester.runpytest("-p", "no:randomly", "--play-text", text)
    assert result.ret == 4
    result.stderr.fnmatch_lines([f"ERROR: --play-text line {line}: step 3: customStep is not supported: *"])


def test_a_recording_takes_variables_test_data_and_markers_from_the_ini_beside_it(pytester, demo_server):
    flow = (HERE / "chrome_login.json").read_text()
    flow = flow.replace('"value": "editor"', '"value": "${username}"', 1).replace(
        '"value": "editor"', '"value": "${password}"', 1).replace("=== 'editor'", "=== '${username}'")
    assert flow.count("${username}") == 2 and flow.count("${password}") == 1
    (pytester.path / "test_users.json").write_text(flow)
    (pytester.path / "test_users.ini").write_text(
        '[pytest]\nmarkers =\n    login\ntest_data =\n    {"username": "editor", "password": "editor"}\n'
        '    {"username": "reader", "password": "reader"}\n')
    (pytester.path / "test_other.json").write_text((HERE / "chrome_broken.json").read_text())
    result = run(pytester, "-v", "-m", "login", base_url=demo_server.url)
    result.assert_outcomes(passed=2, deselected=1)
    result.stdout.fnmatch_lines_random(["test_users.json::test_users[[]editor[]] PASSED*",
                                        "test_users.json::test_users[[]reader[]] PASSED*"])


def side_command(number, command, target="", value=""):
    return {"id": f"c{number}", "comment": "", "command": command, "target": target, "targets": [], "value": value}


CONTROL_FLOW = [  # (command, target, value) on the widgets page; window.clicks counts menu button clicks
    ("open", "/widgets", ""),
    ("executeScript", "window.clicks = 0; document.getElementById('menu-button')"
                      ".addEventListener('click', () => { window.clicks += 1; })", ""),
    ("times", "3", ""), ("click", "id=menu-button", ""), ("end", "", ""),
    ("executeScript", "return window.clicks", "clicks"), ("assert", "clicks", "3"),
    ("while", "window.clicks < 5", ""), ("click", "id=menu-button", ""), ("end", "", ""),
    ("executeScript", "return window.clicks", "clicks"), ("assert", "clicks", "5"),
    ("if", "${clicks} > 4", ""), ("type", "id=search", "big"),
    ("elseIf", "${clicks} > 1", ""), ("type", "id=search", "medium"),
    ("else", "", ""), ("type", "id=search", "small"), ("end", "", ""),
    ("assertValue", "id=search", "big"),
    ("if", "${clicks} > 10", ""), ("type", "id=search", "wrong"),
    ("else", "", ""), ("sendKeys", "id=search", "${KEY_ENTER}"), ("end", "", ""),
    ("assertText", "id=search-result", "Searched for: big"),
    ("do", "", ""), ("executeScript", "window.clicks -= 1", ""), ("repeatIf", "window.clicks > 2", ""),
    ("executeScript", "return window.clicks", "clicks"), ("assert", "clicks", "2"),
    ("if", "true", ""), ("times", "2", ""), ("executeScript", "window.clicks += 10", ""), ("end", "", ""),
    ("elseIf", "true", ""), ("executeScript", "window.clicks = -100", ""), ("end", "", ""),
    ("executeScript", "return window.clicks", "clicks"), ("assert", "clicks", "22"),
    # in scripts and conditions, ${name} is the value as a JavaScript literal (a text quoted), as in the IDE
    ("store", "it's bob", "who"), ("if", "${who} === \"it's bob\" && ${clicks} === 22", ""),
    ("executeScript", "return ${who}.toUpperCase()", "shout"), ("end", "", ""),
    ("assert", "shout", "IT'S BOB"),
]


def test_selenium_ide_control_flow_runs_as_recorded_and_converted(pytester, demo_server):
    project = {"id": "p", "version": "2.0", "name": "flow", "url": "http://127.0.0.1:5000", "tests": [
        {"id": "t", "name": "control flow", "commands": [
            side_command(number, *command) for number, command in enumerate(CONTROL_FLOW, 1)]}], "suites": []}
    (pytester.path / "test_flow.side").write_text(json.dumps(project, indent=2))
    assert convert_main([str(pytester.path / "test_flow.side"), "-o", str(pytester.path / "test_flow.yml")]) == 0
    result = run(pytester, "-v", base_url=demo_server.url)
    result.assert_outcomes(passed=2)


FLICKER = """(() => {
  if (!window.flicker) {
    window.replaced = 0;
    window.flicker = setInterval(() => {
      const button = document.createElement('button');
      button.id = 'flick';
      button.textContent = 'Flick';
      button.onclick = () => { document.title = 'flicked after ' + window.replaced; };
      const old = document.getElementById('flick');
      old ? old.replaceWith(button) : document.querySelector('main').append(button);
      if (++window.replaced >= 20) clearInterval(window.flicker);
    }, 50);
  }
  return true;
})()"""


def test_a_recorded_element_that_the_page_keeps_replacing_is_found_again(pytester, demo_server):
    flow = {"title": "stale", "steps": [
        {"type": "navigate", "url": "http://127.0.0.1:5000/widgets"},
        {"type": "waitForExpression", "expression": FLICKER},
        {"type": "click", "selectors": [["aria/Flick"], ["#flick"]], "offsetX": 2, "offsetY": 2},
        {"type": "waitForExpression", "expression": "document.title.startsWith('flicked after')"},
    ]}
    (pytester.path / "test_stale.json").write_text(json.dumps(flow, indent=2))
    result = run(pytester, "-rP", base_url=demo_server.url)
    result.assert_outcomes(passed=1)
