"""Issue 16, point 1: pytest-play 2.x files with keys their command does not have.

pytest-play's own 2.x examples put `expression:` or `assert:` on a GET (and `key:`
for their metrics); 2.x ignored such keys. By default an unknown key fails its
file (a misspelled check must not pass silently); `play_unknown_keys = warn` (or
`--play-unknown-keys=warn`) warns with `file:line` and runs the step without it.

The files are shaped like the chuck-norris examples, written here. api.chucknorris.io
can't be reached from the tests, so a local stand-in serves the two paths they call.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest
import requests  # noqa: F401  imported once here, not anew by each in-process session

CATEGORIES = ["animal", "dev", "movie", "sport"]


class _ChuckNorris(BaseHTTPRequestHandler):
    """GET /jokes/categories and /jokes/search?query=..., as the real API answers them."""

    def do_GET(self):  # noqa: N802 - http.server's name
        url = urlparse(self.path)
        if url.path == "/jokes/categories":
            body = CATEGORIES
        elif url.path == "/jokes/search":
            query = parse_qs(url.query).get("query", [""])[0]
            result = [{"id": f"{query}-{n}", "value": f"a {query} joke"} for n in range(3)]
            body = {"total": len(result), "result": result}
        else:
            self.send_error(404)
            return
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def api_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChuckNorris)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def write_project(pytester, api_url):
    """The three 2.x example files: `expression` and `key` on a GET, `assert` next to `variable`."""
    pytester.makefile(".yml", vars=f"api: {api_url}\n")
    pytester.makefile(".yml", test_categories="""\
test_data:
  - category: dev
  - category: movie
  - category: food
---
- type: GET
  provider: play_requests
  url: $api/jokes/categories
  expression: "'$category' in response.json()"
""", test_query_category="""\
test_data:
  - category: dev
  - category: movie
---
- comment: "query by category, save the json response in 'categories'"
  type: GET
  provider: play_requests
  url: $api/jokes/search?query=$category
  variable: categories
  variable_expression: response.json()
  assert: response.status_code == 200
- comment: "assert total number matches"
  type: assert
  provider: python
  expression: "variables['categories']['total'] == len(variables['categories']['result'])"
""", test_metrics="""\
- type: GET
  provider: play_requests
  url: $api/jokes/categories
  expression: "'dev' in response.json()"
  key: categories_time
""")


def run(pytester, *args):
    return pytester.runpytest("-p", "no:randomly", "-p", "no:cacheprovider", "--variables", "vars.yml", *args)


UNKNOWN = [
    "test_categories.yml:6: step 1: GET: unknown parameter 'expression' "
    "(did you mean 'variable_expression' or 'expected_json'?); "
    "a pytest-play 2.x key: `python -m pytest_play.migrate` renames it to 'assertion', "
    "`play_unknown_keys = warn` ignores it as 2.x did",
    "test_metrics.yml:1: step 1: GET: unknown parameter 'expression' *renames it to 'assertion'*",
    "test_metrics.yml:1: step 1: GET: unknown parameter 'key'",
    "test_query_category.yml:5: step 1: GET: unknown parameter 'assert' (did you mean 'assertion'?); "
    "a pytest-play 2.x key: `python -m pytest_play.migrate` renames it to 'assertion'*",
]


def test_by_default_each_file_with_unknown_keys_fails_with_a_file_line_list_of_them(pytester, api_url):
    write_project(pytester, api_url)
    result = run(pytester)
    result.assert_outcomes(failed=3)  # one item per file: its rows are not run
    result.stdout.fnmatch_lines(UNKNOWN[:1], consecutive=False)
    for line in UNKNOWN[1:]:
        result.stdout.fnmatch_lines([line])
    assert "INTERNALERROR" not in result.stdout.str()


def test_play_validate_lists_every_unknown_key_of_the_project_in_one_run(pytester, api_url):
    write_project(pytester, api_url)
    result = run(pytester, "--play-validate")
    assert result.ret == 1
    for line in UNKNOWN:
        result.stdout.fnmatch_lines([line])
    result.stdout.fnmatch_lines(["play-validate: 3 scenario file(s) checked, 4 problem(s) in 3 file(s)"])


def test_the_ini_line_runs_the_files_as_2x_did_and_warns_with_file_line(pytester, api_url):
    write_project(pytester, api_url)
    pytester.makeini("[pytest]\nplay_unknown_keys = warn\n")
    result = run(pytester, "-rA")
    # 'food' is no category: 2.x ignored the check, and so does warn mode.
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines([
        "*test_categories.yml:6: UnknownKeyWarning: step 1: GET: unknown parameter 'expression' ignored "
        "(play_unknown_keys = warn) (did you mean 'variable_expression' or 'expected_json'?); "
        "a pytest-play 2.x key: `python -m pytest_play.migrate` renames it to 'assertion'",
    ])
    result.stdout.fnmatch_lines(["*test_metrics.yml:1: UnknownKeyWarning: step 1: GET: "
                                 "unknown parameter 'key' ignored*"])
    result.stdout.fnmatch_lines(["*test_query_category.yml:5: UnknownKeyWarning: step 1: GET: "
                                 "unknown parameter 'assert' ignored*"])


def test_the_command_line_twin_overrides_the_ini(pytester, api_url):
    write_project(pytester, api_url)
    pytester.makeini("[pytest]\nplay_unknown_keys = strict\n")
    result = run(pytester, "--play-unknown-keys=warn")
    result.assert_outcomes(passed=6)
    result = run(pytester, "--play-unknown-keys", "strict")
    result.assert_outcomes(failed=3)


def test_play_validate_in_warn_mode_lists_the_ignored_keys_and_passes(pytester, api_url):
    write_project(pytester, api_url)
    result = run(pytester, "--play-validate", "--play-unknown-keys=warn")
    assert result.ret == 0
    result.stdout.fnmatch_lines([
        "test_categories.yml:6: step 1: GET: unknown parameter 'expression' ignored (play_unknown_keys = warn)*",
        "test_metrics.yml:1: step 1: GET: unknown parameter 'expression' ignored*",
        "test_metrics.yml:1: step 1: GET: unknown parameter 'key' ignored*",
        "test_query_category.yml:5: step 1: GET: unknown parameter 'assert' ignored*",
        "play-validate: 3 scenario file(s) checked, 0 problem(s) in 0 file(s); 4 unknown key(s) ignored",
    ])


def test_a_bad_ini_value_is_a_usage_error(pytester):
    pytester.makeini("[pytest]\nplay_unknown_keys = lenient\n")
    pytester.makefile(".yml", test_a="- {type: assert, expression: 'True'}\n")
    result = pytester.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*play_unknown_keys must be one of strict, warn, not 'lenient'"])


def test_warnings_made_errors_keep_the_file_strict_without_an_internal_error(pytester):
    pytester.makefile(".yml", test_a="- {type: assert, expression: 'True', expresion: 'False'}\n")
    result = pytester.runpytest("-p", "no:randomly", "--play-unknown-keys=warn",
                                "-W", "error::pytest_play.validate.UnknownKeyWarning")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["test_a.yml:1: step 1: assert: unknown parameter 'expresion'*"])
    assert "INTERNALERROR" not in result.stdout.str() + result.stderr.str()


def test_an_ignored_key_of_a_sub_step_is_ignored_when_the_sub_step_runs(pytester):
    pytester.makefile(".yml", test_sub="""\
- type: wait_until
  expression: "x == 1"
  timeout: 5
  sub_commands:
    - {type: store_variable, name: x, expression: '1', key: sub_time}
""")
    result = pytester.runpytest("-p", "no:randomly", "--play-unknown-keys=warn")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_sub.yml:5: UnknownKeyWarning: step 1.1: store_variable: unknown parameter "
                                 "'key' ignored*"])
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["test_sub.yml:5: step 1.1: store_variable: unknown parameter 'key'"])


def test_a_typo_is_still_reported_even_when_ignored(pytester):
    pytester.makefile(".yml", test_typo="- {type: assert, expression: 'True', coment: 'a note'}\n")
    result = pytester.runpytest("-p", "no:randomly", "--play-unknown-keys=warn")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_typo.yml:1: UnknownKeyWarning: step 1: assert: unknown parameter "
                                 "'coment' ignored (play_unknown_keys = warn) (did you mean 'comment'?)*"])


def test_an_included_file_follows_the_sessions_choice(pytester):
    pytester.makefile(".yml", login="- {type: store_variable, name: who, expression: \"'ann'\", key: login_time}\n")
    pytester.makefile(".yml", test_main="- {type: include, provider: include, path: login.yml}\n"
                                        "- {type: assert, expression: \"who == 'ann'\"}\n")
    result = pytester.runpytest("-p", "no:randomly", "--play-unknown-keys=warn")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*login.yml:1: UnknownKeyWarning: step 1: store_variable: unknown parameter "
                                 "'key' ignored*"])
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*can't include 'login.yml'*unknown parameter 'key'*"])
