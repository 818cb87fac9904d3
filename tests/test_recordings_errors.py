"""Recordings that can't run: every problem is a `file:line` message naming the step
type or command and what to do, found at collection (and by --play-validate), never
an INTERNALERROR. Also: telling a Chrome Recorder flow from our own JSON, and the
converter's command line. No browser is started here."""

import json
import textwrap
from pathlib import Path

import jsonschema
import pytest
import yaml

from pytest_play.convert import main as convert_main
from pytest_play.loader import parse_json
from pytest_play.recordings import is_recording
from pytest_play.recordings.chrome import is_flow
from pytest_play.registry import ProviderRegistry
from pytest_play.schema import build_schema

BAD_FLOW = """\
{
  "title": "bad",
  "steps": [
    {"type": "navigate", "url": "http://example.invalid/"},
    {"type": "customStep", "name": "x", "parameters": {}},
    {"type": "emulateNetworkConditions", "download": 1000, "upload": 1000, "latency": 50},
    {"type": "click", "selectors": []},
    {"type": "click", "selectors": [""], "offsetX": 1},
    {"type": "click", "button": "secondary", "selectors": ["#a"]},
    {"type": "drag", "selectors": ["#a"]},
    {"type": "keyDown", "key": "Control"},
    {"type": "keyDown", "key": "a"},
    {"type": "waitForElement", "selectors": ["#a"], "count": 3},
    {"type": "waitForElement", "selectors": ["#a"], "attributes": {"href": "x"}}
  ]
}
"""
FLOW_PROBLEMS = [
    "test_bad.json:5: step 2: customStep is not supported: a customStep runs code of the Recorder extension that "
    "made it; convert the flow (python -m pytest_play.convert) and replace the step with our own steps",
    "test_bad.json:6: step 3: emulateNetworkConditions is not supported: network throttling is not emulated; "
    "remove the step, or convert the flow and throttle the network outside the test",
    'test_bad.json:7: step 4: click has no selectors: record the step again, or add "selectors": ["#id", ...]',
    "test_bad.json:8: step 5: click has no usable selector in [''] (each must be a non-empty string, or a list of "
    "them for a shadow chain)",
    "test_bad.json:9: step 6: click with button 'secondary' is not supported (only the primary button); convert "
    "the flow and use eval to dispatch that click",
    "test_bad.json:10: step 7: unknown Chrome Recorder step type 'drag'; supported: navigate, click, doubleClick, "
    "hover, change, keyDown, keyUp, scroll, setViewport, waitForElement, waitForExpression, close (remove the "
    "step, or convert the flow and replace it with our own steps)",
    "test_bad.json:12: step 9: the keyboard shortcut Control+a is not supported; convert the flow and replace it "
    "with the steps the shortcut stands for",
    "test_bad.json:13: step 10: waitForElement with operator '>=' and count 3 is not supported (only at least "
    "one, or none); convert the flow and use waitUntilCondition",
    "test_bad.json:14: step 11: waitForElement with 'attributes' is not supported; convert the flow and check them "
    "with assertElementAttribute or waitUntilCondition",
]
BAD_SIDE = """\
{
  "id": "p", "version": "2.0", "name": "bad", "url": "http://example.invalid",
  "tests": [
    {"id": "t1", "name": "flow", "commands": [
      {"id": "c1", "comment": "", "command": "open", "target": "/", "targets": [], "value": ""},
      {"id": "c2", "comment": "", "command": "forEach", "target": "items", "targets": [], "value": "item"},
      {"id": "c3", "comment": "", "command": "dragAndDropToObject", "target": "id=a", "targets": [], "value": "id=b"},
      {"id": "c4", "comment": "", "command": "click", "target": "document.foo", "targets": [], "value": ""},
      {"id": "c5", "comment": "", "command": "select", "target": "id=city", "targets": [], "value": "index=2"},
      {"id": "c6", "comment": "", "command": "end", "target": "", "targets": [], "value": ""}
    ]},
    {"id": "t3", "name": "unclosed", "commands": [
      {"id": "c7", "comment": "", "command": "while", "target": "true", "targets": [], "value": ""}
    ]},
    {"id": "t2", "name": "fine", "commands": [
      {"id": "c6", "comment": "", "command": "open", "target": "/", "targets": [], "value": ""}
    ]}
  ],
  "suites": []
}
"""
SIDE_PROBLEMS = [
    "test_bad.side:6: test 'flow': command 2: forEach is not supported; convert the test and write the loop with "
    "the `while` command and sub_commands",
    "test_bad.side:7: test 'flow': command 3: unsupported Selenium IDE command 'dragAndDropToObject'; supported: "
    "acceptAlert, *, while (convert the test and replace it with our own steps)",
    "test_bad.side:8: test 'flow': command 4: no usable locator in target 'document.foo' or its targets; use id=, "
    "name=, css=, xpath=, link=, partialLinkText= or //xpath",
    "test_bad.side:9: test 'flow': command 5: select 'index=2': use label=... or value=... (index= and id= are "
    "not supported)",
    "test_bad.side:10: test 'flow': command 6: end without an open if, while or times",
    "test_bad.side:12: test 'unclosed': while block is never closed (add an end)",
]


def literal(pattern: str) -> str:
    return pattern.replace("[", "[[]")


def test_unsupported_recorded_steps_and_commands_are_file_line_errors_naming_them(pytester):
    pytester.makefile(".json", test_bad=BAD_FLOW)
    pytester.makefile(".side", test_bad=BAD_SIDE)
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines([literal(line) for line in FLOW_PROBLEMS])
    result.stdout.fnmatch_lines([literal(line) if "*" not in line else line.replace("[", "[[]")
                                 for line in SIDE_PROBLEMS])
    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    result.stdout.no_fnmatch_line("*Traceback*")


def test_play_validate_checks_recordings_and_runs_nothing(pytester):
    pytester.makefile(".json", test_bad=BAD_FLOW)
    pytester.makefile(".side", test_bad=BAD_SIDE)
    pytester.makefile(".json", test_good=json.dumps({"title": "fine", "steps": [
        {"type": "navigate", "url": "http://example.invalid/"}, {"type": "click", "selectors": [["#go"]]}]}))
    result = pytester.runpytest("-p", "no:randomly", "--play-validate")
    assert result.ret != 0
    result.stdout.fnmatch_lines([literal(FLOW_PROBLEMS[0]), literal(SIDE_PROBLEMS[0])])
    result.stdout.fnmatch_lines(["play-validate: 3 scenario file(s) checked, 15 problem(s) in 2 file(s)"])


def test_a_side_project_gives_one_item_per_test_with_its_name_as_the_id(pytester):
    project = json.loads(BAD_SIDE)
    project["tests"][0]["commands"] = project["tests"][0]["commands"][:1]
    project["tests"] = [test for test in project["tests"] if test["name"] != "unclosed"]
    project["tests"].append({"id": "t4", "name": "log in [admin] :: twice", "commands": []})
    pytester.makefile(".side", test_project=json.dumps(project))
    result = pytester.runpytest("-p", "no:randomly", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["test_project.side::flow", "test_project.side::fine",
                                 "test_project.side::log in (admin) : twice"])


@pytest.mark.parametrize("data, flow", [
    ({"title": "t", "steps": [{"type": "navigate", "url": "http://x/"}]}, True),
    ({"title": "t", "steps": [{"type": "setViewport", "width": 1, "height": 1}, {"type": "print"}]}, True),
    ({"steps": [{"type": "navigate", "url": "http://x/"}]}, False),         # no title: ours (and wrong)
    ({"title": "t", "steps": [{"type": "close"}]}, False),                  # close is one of our commands too
    ({"title": "t", "steps": [{"type": "get", "url": "http://x/"}]}, False),  # our commands
    ({"title": 3, "steps": [{"type": "click"}]}, False),
    ([{"type": "navigate"}], False),                                          # a list of steps is ours
    ({"title": "t", "steps": [{"type": ["x"]}, {"type": {}}, {"type": "hover"}]}, True),  # odd types: no crash
])
def test_a_flow_has_a_string_title_and_some_recorder_only_step_type(data, flow):
    assert is_flow(data) is flow


def test_our_own_json_is_still_ours_and_a_near_miss_says_what_is_wrong(pytester):
    pytester.makefile(".json", test_ours=json.dumps({"steps": [{"type": "print", "text": "ours"}]}),
                      test_list=json.dumps([{"type": "print", "text": "a list"}]),
                      test_near=json.dumps({"title": "x", "steps": [{"type": "print", "text": "no"}]}))
    result = pytester.runpytest("-p", "no:randomly", "-s")
    result.assert_outcomes(passed=2, failed=1)
    result.stdout.fnmatch_lines([
        "test_near.json:1: unknown top-level key 'title': our scenarios have none, and a Chrome Recorder flow (a "
        "string 'title') needs steps of Recorder types (change, click, customStep, doubleClick...); remove "
        "'title', or export the flow again from the Recorder"])
    parsed = parse_json(pytester.path / "test_ours.json", (pytester.path / "test_ours.json").read_text())
    assert not is_recording(pytester.path / "test_ours.json", [parsed])


def test_invalid_json_in_a_side_file_is_a_file_line_error(pytester):
    pytester.makefile(".side", test_broken='{\n  "tests": [\n    {"name": "x",}\n  ]\n}\n',
                      test_not_a_project='{"name": "no tests"}')
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines_random([
        "test_broken.side:3: invalid JSON: Expecting property name enclosed in double quotes",
        "test_not_a_project.side:1: not a Selenium IDE project: expected a mapping with a 'tests' list",
    ])


def test_convert_prints_the_problems_with_their_lines_and_exits_1(tmp_path, capsys):
    recording = tmp_path / "bad.json"
    recording.write_text(BAD_FLOW)
    assert convert_main([str(recording), "-o", str(tmp_path / "test_bad.yml")]) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[0] == FLOW_PROBLEMS[0].replace("test_bad.json", str(recording))
    assert not (tmp_path / "test_bad.yml").exists()


def test_convert_of_a_project_with_several_tests_needs_a_directory_or_a_test_name(tmp_path, capsys):
    project = json.loads(BAD_SIDE)
    project["tests"][0]["commands"] = project["tests"][0]["commands"][:1]
    project["tests"] = [test for test in project["tests"] if test["name"] != "unclosed"]
    (tmp_path / "p.side").write_text(json.dumps(project))
    assert convert_main([str(tmp_path / "p.side")]) == 2
    assert "has 2 tests: give -o DIRECTORY, or --test NAME" in capsys.readouterr().err
    assert convert_main([str(tmp_path / "p.side"), "--test", "nope"]) == 2
    assert convert_main([str(tmp_path / "p.side"), "--test", "fine"]) == 0
    assert "- type: get  # command 1 open\n  url: $base_url/\n" in capsys.readouterr().out


def test_converted_yaml_is_valid_for_our_json_schema_and_keeps_the_other_selectors_as_comments(tmp_path, capsys):
    flow = {"title": "schema", "steps": [
        {"type": "setViewport", "width": 800, "height": 600},
        {"type": "navigate", "url": "https://shop.example/cart?x=$1",
         "assertedEvents": [{"type": "navigation", "url": "https://shop.example/cart?x=$1", "title": "Cart"}]},
        {"type": "click", "selectors": [["aria/Pay"], ["div > button:nth-child(2)"], ["#pay"], ["xpath///button"]]},
        {"type": "click", "frame": [1], "selectors": [["my-widget", "button"], ["pierce/button.go"]]},
        {"type": "change", "value": "{! not an expression", "selectors": [["text/Name"]]},
        {"type": "keyDown", "key": "Tab"}, {"type": "keyUp", "key": "Tab"},
        {"type": "scroll", "x": 0, "y": 400},
        {"type": "waitForElement", "selectors": [["#gone"]], "count": 0, "operator": "=="},
        {"type": "waitForExpression", "expression": "window.ready === true"},
        {"type": "close"},
    ]}
    (tmp_path / "flow.json").write_text(json.dumps(flow, indent=2))
    assert convert_main([str(tmp_path / "flow.json")]) == 0
    text = capsys.readouterr().out
    assert textwrap.dedent("""\
        - type: clickElement  # step 3 click
          locator: {type: css, value: '#pay'}
          # also recorded: aria/Pay
          # also recorded: xpath///button
          # also recorded: div > button:nth-child(2)
        - type: switchToFrameByIndex  # step 4 click
          index: 1
        - type: clickElement  # step 4 click
          locator: {type: shadow, value: my-widget >>> button}
          # also recorded: pierce/button.go
        """) in text
    assert "url: '$base_url/cart?x=$$1'" in text  # renders as the recorded URL ($$ is $)
    steps = yaml.safe_load(text)
    schema = build_schema(ProviderRegistry.discover())
    validator = jsonschema.Draft202012Validator(
        {"$schema": schema["$schema"], "$defs": schema["$defs"], "$ref": "#/$defs/steps"})
    assert [error.message for error in validator.iter_errors(steps)] == []
    assert [step["type"] for step in steps] == [
        "setWindowSize", "get", "assertCurrentUrl", "assertTitle", "clickElement", "switchToFrameByIndex",
        "clickElement", "switchToDefaultContent", "setElementText", "sendKeysToElement", "eval",
        "waitForElementPresent", "waitUntilCondition", "close"]


def test_the_readme_shows_what_the_converter_writes_for_the_login_recording(capsys):
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Record a test in Chrome and run it", 1)[1].split("\n## ", 1)[0]
    example = section.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert convert_main([str(Path(__file__).resolve().parent / "recordings" / "chrome_login.json")]) == 0
    converted = capsys.readouterr().out
    first, second = example.split("- type: setElementText")
    assert first in converted and "- type: setElementText" + second in converted


def test_malformed_recordings_of_every_shape_are_scenario_errors_never_crashes():
    """Random values where recorded steps and commands have theirs (a fixed seed: the same
    cases each run); translating never raises anything but a ScenarioError."""
    import random

    from pytest_play.errors import ScenarioError
    from pytest_play.recordings import as_scenario, recordings
    from pytest_play.recordings.chrome import STEP_TYPES
    from pytest_play.recordings.side import SUPPORTED

    keys = ["type", "selectors", "target", "frame", "assertedEvents", "url", "value", "key", "x", "y", "width",
            "height", "timeout", "button", "operator", "count", "visible", "attributes", "expression", "title",
            "command", "targets", "opensWindow", "windowHandleName", "comment"]
    atoms = [None, True, 0, -1, 1.5, "", "x", "#a", "aria/A", "http://h/x", [], {}, "${v}", "$", "{!", "==",
             "id=a", "//x", "3", "handle=${w}", "index=0", "label=x", "1x2", "${KEY_ENTER}a"]
    rng = random.Random(17)

    def value(depth=0):
        roll = rng.random()
        if depth > 2 or roll < 0.4:
            return rng.choice(atoms)
        if roll < 0.7:
            return [value(depth + 1) for _ in range(rng.randint(0, 3))]
        return {rng.choice(keys): value(depth + 1) for _ in range(rng.randint(0, 3))}

    def record(names):
        data = {key: value() for key in rng.sample(keys, rng.randint(0, 6))}
        if rng.random() < 0.9:
            data[names[0]] = rng.choice(names[1])
        return data

    checked = 0
    for _ in range(3000):
        flow = {"title": "t", "steps": [{"type": "navigate", "url": "http://h/"}] + [
            record(("type", [*STEP_TYPES, None, ["x"]])) for _ in range(rng.randint(0, 4))]}
        commands = [record(("command", [*SUPPORTED, "x", None])) for _ in range(rng.randint(0, 5))]
        project = {"url": rng.choice(["http://h", None, 3]), "tests": [{"name": "n", "commands": commands}]}
        for path, data in (("x.json", flow), ("x.side", project)):
            try:
                for recording in recordings(Path(path), data):
                    as_scenario(Path(path), recording)
            except ScenarioError:
                checked += 1
    assert checked > 1000  # most random cases are refused, each with a message


def test_jenkins_play_field_takes_a_recorder_flow_and_names_the_lines_of_a_broken_one(tmp_path):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("PLAY", "WORKSPACE")}

    def jenkins(play):
        return subprocess.run([sys.executable, "-m", "pytest_play.jenkins", "--dry-run"], cwd=tmp_path,
                              env={**env, "PLAY": play}, capture_output=True, text=True, timeout=120)

    good = jenkins((Path(__file__).resolve().parent / "recordings" / "chrome_login.json").read_text())
    assert good.returncode == 0, good.stderr
    assert good.stdout.split()[-2:] == ["--play-file", "build/play/test_play.json"]
    bad = jenkins(BAD_FLOW)
    assert bad.returncode == 4
    assert bad.stderr.splitlines()[0] == "pytest_play.jenkins: " + FLOW_PROBLEMS[0].replace(
        "test_bad.json:5:", "PLAY line 5:")
