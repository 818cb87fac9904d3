"""The worked examples of CONTRIBUTING.md run as written."""

import json
import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
GUIDE = (REPO / "CONTRIBUTING.md").read_text()


def block(first_line: str) -> str:
    """The fenced code block of the guide that starts with `first_line`."""
    for match in re.finditer(r"```(?:python|ini)\n(.*?)```", GUIDE, re.DOTALL):
        if match.group(1).startswith(first_line):
            return match.group(1)
    raise AssertionError(f"no block starting {first_line!r}")


def test_the_provider_example_runs_from_its_entry_point(pytester, monkeypatch):
    pytester.makepyfile(greeting_play=block("# greeting_play.py"))
    dist = pytester.path / "greeting_play-0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: greeting-play\nVersion: 0\n")
    entry = block("# setup.cfg").split("playcommands =", 1)[1].strip()
    (dist / "entry_points.txt").write_text(f"[playcommands]\n{entry}\n")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(pytester.path), os.environ.get("PYTHONPATH", "")]))
    pytester.makefile(".yml", test_greet="""
- {type: greet, provider: greeting, name: Ann, variable: hello}
- {type: assert, expression: "hello == 'Hello, Ann!'"}
- {type: greet, provider: greeting, nme: Bob}
""")
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["test_greet.yml:3: step 3: greet: missing parameter 'name'",
                                 "test_greet.yml:3: step 3: greet: unknown parameter 'nme' (did you mean 'name'?)"])
    pytester.makefile(".yml", test_greet="""
- {type: greet, provider: greeting, name: Ann, variable: hello}
- {type: assert, expression: "hello == 'Hello, Ann!'"}
""")
    result = pytester.runpytest_subprocess("-p", "no:randomly", "-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*Hello, Ann!*"])


def test_the_browser_command_example_is_the_code():
    source = (REPO / "pytest_play" / "providers" / "selenium" / "actions.py").read_text()
    assert block("    @command(locator=LOCATOR, timeout=TIMEOUT)") in source


def test_the_report_subscriber_example_gets_masked_reports(pytester):
    pytester.makeconftest(block("# conftest.py, or a plugin module"))
    pytester.makefile(".yml", vars="api_token: tok-Secret-123\n")
    pytester.makefile(".yml", test_rows="""test_data:
  - {id: good, n: 1}
  - {id: bad, n: 2}
---
- {type: assert, expression: "$n == 1 or '$api_token' == 'x'"}
""")
    pytester.runpytest("-p", "no:randomly", "--variables", "vars.yml").assert_outcomes(passed=1, failed=1)
    lines = [json.loads(line) for line in (pytester.path / "outcomes.jsonl").read_text().splitlines()]
    assert [(line["id"], line["outcome"]) for line in lines] == [
        ("test_rows.yml::test_rows[good]", "passed"), ("test_rows.yml::test_rows[bad]", "failed")]
    assert "tok-Secret-123" not in lines[1]["failure"] and "*****" in lines[1]["failure"]


def test_the_step_subscriber_example_hears_every_step_with_masked_parameters(pytester):
    pytester.makeconftest(block("# conftest.py: the slowest step of each test"))
    pytester.makefile(".yml", vars="nap: 0.25\nsecrets: [nap]\n")  # a declared secret
    pytester.makefile(".yml", test_slow="""
- {type: store_variable, name: t, expression: "1"}
- {type: sleep, seconds: $nap, comment: nap}
- {type: include, provider: include, path: sub.yml}
""", sub="- {type: sleep, seconds: 0.1}\n")
    result = pytester.runpytest("-p", "no:randomly", "--variables", "vars.yml")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["slowest step of test_slow.yml::test_slow: step 2 sleep "
                                 "{'type': 'sleep', 'seconds': '*****', 'comment': 'nap'} (2?? ms)"])
    assert "0.25" not in result.stdout.str()
