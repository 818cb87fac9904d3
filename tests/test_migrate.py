"""`python -m pytest_play.migrate DIR`: the pytest-play 2.x keys renamed, the rest reported.

Each test runs the real command in a subprocess on files written here, then reads
the files back (and, for the chuck-norris-shaped project, runs them with pytest
against the local stand-in of the API from test_compat_keys).
"""

import json
import sys

import pytest
from test_compat_keys import api_url, run, write_project  # noqa: F401  api_url is a fixture


def migrate(pytester, *args):
    return pytester.run(sys.executable, "-m", "pytest_play.migrate", *args)


def test_check_reports_every_change_and_what_is_left_and_writes_nothing(pytester, api_url):  # noqa: F811
    write_project(pytester, api_url)
    before = {path.name: path.read_bytes() for path in pytester.path.glob("*.yml")}
    result = migrate(pytester, ".", "--check")
    assert result.ret == 1
    result.stdout.fnmatch_lines([
        "test_categories.yml:9: step 1: GET: would rename 'expression' to 'assertion'",
        "test_metrics.yml:4: step 1: GET: would rename 'expression' to 'assertion'",
        "test_metrics.yml:5: step 1: GET: unknown parameter 'key' left as is",
        "test_query_category.yml:11: step 1: GET: would rename 'assert' to 'assertion'",
        "migrate: 3 scenario file(s) checked; would rename 3 key(s) in 3 file(s); 1 left as they are",
    ])
    assert {path.name: path.read_bytes() for path in pytester.path.glob("*.yml")} == before


def test_the_migrated_files_pass_without_the_ini_line(pytester, api_url):  # noqa: F811
    write_project(pytester, api_url)
    (pytester.path / "test_metrics.yml").unlink()  # its 'key' has no replacement (see below)
    result = migrate(pytester, ".")
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines(["migrate: 2 scenario file(s) checked; renamed 2 key(s) in 2 file(s); "
                                 "0 left as they are"])
    result = run(pytester)
    # The check 2.x never ran now runs: 'food' is no category.
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["  assertion is false: 'food' in response.json()"])
    assert "unknown parameter" not in result.stdout.str()


def test_renaming_keeps_comments_quoting_and_layout(pytester):
    original = """\
# 2.x scenario, hand-written
- comment: query  # why
  type: GET
  provider: play_requests
  url: http://127.0.0.1:1/x
  variable: got
  "expression": response.status_code   # the value to keep

- {type: GET, provider: play_requests, url: 'http://127.0.0.1:1/y', 'assert': "response.ok"}
- type: wait_until
  expression: "got == 200"
  sub_commands:
    - type: GET
      provider: play_requests
      url: http://127.0.0.1:1/z
      assert: response.ok
"""
    path = pytester.path / "test_layout.yml"
    path.write_text(original)
    result = migrate(pytester, str(path))
    assert result.ret == 0, result.stdout.str()
    result.stdout.fnmatch_lines([
        "*test_layout.yml:7: step 1: GET: renamed 'expression' to 'variable_expression'",
        "*test_layout.yml:9: step 2: GET: renamed 'assert' to 'assertion'",
        "*test_layout.yml:16: step 3.1: GET: renamed 'assert' to 'assertion'",
    ])
    expected = original.replace('"expression"', '"variable_expression"').replace("'assert'", "'assertion'")
    assert path.read_text() == expected.replace("assert: response.ok", "assertion: response.ok")


def test_a_json_file_stays_json_with_its_quotes(pytester):
    original = '{"steps": [\n  {"type": "GET", "provider": "play_requests", "url": "http://127.0.0.1:1/x",\n' \
               '   "assert": "response.status_code == 200"}\n]}\n'
    path = pytester.path / "test_api.json"
    path.write_text(original)
    result = migrate(pytester, ".")
    assert result.ret == 0
    result.stdout.fnmatch_lines(["test_api.json:3: step 1: GET: renamed 'assert' to 'assertion'"])
    assert path.read_text() == original.replace('"assert"', '"assertion"')
    assert json.loads(path.read_text())["steps"][0]["assertion"] == "response.status_code == 200"


def test_a_key_without_exactly_one_replacement_is_reported_and_left(pytester):
    original = """\
- type: GET
  provider: play_requests
  url: http://127.0.0.1:1/x
  variable: got
  variable_expression: response.status_code
  assertion: got == 200
  expression: got != 500
  assert: response.ok
  coment: a note
"""
    (pytester.path / "test_left.yml").write_text(original)
    result = migrate(pytester, ".")
    assert result.ret == 1
    result.stdout.fnmatch_lines([
        "test_left.yml:7: step 1: GET: unknown parameter 'expression' left as is*",
        "test_left.yml:8: step 1: GET: unknown parameter 'assert' left as is (did you mean 'assertion'?)",
        "test_left.yml:9: step 1: GET: unknown parameter 'coment' left as is (did you mean 'comment'?)",
        "migrate: 1 scenario file(s) checked; renamed 0 key(s) in 0 file(s); 3 left as they are",
    ])
    assert (pytester.path / "test_left.yml").read_text() == original


def test_files_without_steps_are_skipped_and_a_broken_scenario_is_named(pytester):
    pytester.makefile(".yml", vars="base_url: http://example.invalid\nskins: {skin1: {}}\n")
    pytester.makefile(".json", package='{"name": "x"}')
    pytester.makefile(".yml", test_broken="- {type: GET\n")
    result = migrate(pytester, ".")
    assert result.ret == 1
    result.stdout.fnmatch_lines(["test_broken.yml:2: invalid YAML: did not find expected ',' or '}' "
                                 "(while parsing a flow mapping)",
                                 "migrate: 1 scenario file(s) checked; renamed 0 key(s) in 0 file(s); "
                                 "1 left as they are"])
    assert "vars.yml" not in result.stdout.str() and "package.json" not in result.stdout.str()


@pytest.mark.parametrize("args", [[], ["no-such-folder"]])
def test_a_bad_command_line_exits_2_with_usage(pytester, args):
    result = migrate(pytester, *args)
    assert result.ret == 2
    result.stderr.fnmatch_lines(["usage: python -m pytest_play.migrate *"])
