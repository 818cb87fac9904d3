"""The step events as a third-party plugin sees them: the subscriber example of
docs/reports.md, run as it is written, receives every step (sub-steps of
`include` and `wait_until` too) with masked parameters."""

import json
import re
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SECRET = "s3cr3t-Value-42"


def doc_example(name: str) -> str:
    """The Python block of docs/reports.md marked `<!-- example: name -->`."""
    text = (REPO / "docs" / "reports.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- example: {name} -->\n```python\n(.*?)```\n<!-- end example -->", text, re.S)
    assert found, f"docs/reports.md has no example {name!r}"
    return found.group(1)


def test_the_documented_example_is_ten_lines_of_code():
    lines = [line for line in doc_example("step-subscriber").splitlines() if line.strip()]
    assert len(lines) <= 10


def steps_of(pytester) -> list[dict]:
    return [json.loads(line) for line in (pytester.path / "steps.jsonl").read_text().splitlines()]


SCENARIO = """\
- {type: store_variable, name: count, expression: "0", comment: start counting}
- {type: include, path: part.yml}
- type: wait_until
  expression: count >= 2
  timeout: 5
  poll: 0
  sub_commands:
    - {type: store_variable, name: count, expression: count + 1}
- {type: assert, expression: "count == 99", skip_condition: "True"}
- {type: store_variable, name: echoed, expression: "'$api_password' + '!'"}
- {type: assert, expression: "user == 'bob'", comment: the wrong user}
"""


def test_a_conftest_subscriber_receives_every_step_and_sub_step_with_masked_parameters(pytester):
    pytester.makeconftest(doc_example("step-subscriber"))
    pytester.makefile(".yml", vars=f"api_password: {SECRET}\nuser: ann\n")
    pytester.makefile(".yml", part="- {type: store_variable, name: greeting, expression: \"'hi'\"}\n")
    pytester.makefile(".yml", test_flow=SCENARIO)
    result = pytester.runpytest("-p", "no:randomly", "--variables", "vars.yml")
    result.assert_outcomes(failed=1)
    steps = steps_of(pytester)
    assert [(s["step"], s["command"], s["status"]) for s in steps] == [
        ("1", "store_variable", "passed"),
        ("2.1", "store_variable", "passed"),  # the included step finishes before its include
        ("2", "include", "passed"),
        ("3.1", "store_variable", "passed"),  # wait_until ran its sub-step twice
        ("3.1", "store_variable", "passed"),
        ("3", "wait_until", "passed"),
        ("4", "assert", "skipped"),
        ("5", "store_variable", "passed"),
        ("6", "assert", "failed"),
    ]
    assert {s["test"] for s in steps} == {"test_flow.yml::test_flow"}
    assert steps[0]["where"] == f"{pytester.path / 'test_flow.yml'}:1"
    assert steps[1]["where"] == f"{pytester.path / 'part.yml'}:1"
    assert steps[0]["parameters"]["expression"] == "0"
    assert steps[7]["parameters"]["expression"] == "'*****' + '!'"  # rendered, and masked
    assert "user == 'bob'" in steps[8]["message"]
    assert all(s["seconds"] >= 0 for s in steps)
    assert SECRET not in (pytester.path / "steps.jsonl").read_text()


def test_the_subscriber_gets_the_steps_of_every_worker_under_xdist(pytester):
    pytester.makeconftest(doc_example("step-subscriber"))
    for number in range(4):
        pytester.makefile(".yml", **{f"test_{number}": f"- {{type: store_variable, name: n, expression: '{number}'}}\n"
                                                       "- {type: assert, expression: 'n >= 0'}\n"})
    result = pytester.runpytest("-p", "no:randomly", "-n", "2")
    result.assert_outcomes(passed=4)
    steps = steps_of(pytester)
    assert sorted((s["test"], s["step"]) for s in steps) == sorted(
        (f"test_{n}.yml::test_{n}", index) for n in range(4) for index in ("1", "2"))


def test_the_readme_shows_the_same_example():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Reports\n"):]
    section = section[:section.index("\n## ", 5)]
    assert f"```python\n{doc_example('step-subscriber')}```" in section
