"""Secrets stay hidden in every spelling and every place a run writes, nothing else is
masked, test ids hold no secret, and no data in a variable crashes the session.

Each test runs a real pytest session on scenario files and reads the whole
output, the JUnit XML and the files written.
"""

import base64
import xml.etree.ElementTree as ET

import yaml

from test_selenium_provider import run_browser, scenario_text

PLAY = ("-p", "no:randomly", "-p", "no:cacheprovider")
ESCAPED = 'Back\\slash"Quote9'


def session(pytester, *args, variables=None, subprocess=False, **scenarios):
    """Write `variables` (vars.yml) and `scenarios`, run pytest with JUnit XML; return (result, everything).
    `subprocess`: for sessions that import a database driver, which an in-process
    session would leave half re-imported for the tests after it."""
    if variables is not None:
        pytester.makefile(".yml", vars=yaml.safe_dump(variables))
        args = ("--variables", "vars.yml", *args)
    if scenarios:
        pytester.makefile(".yml", **scenarios)
    run = pytester.runpytest_subprocess if subprocess else pytester.runpytest
    result = run(*PLAY, "--junitxml=out.xml", "-o", "junit_logging=all", *args)
    junit = (pytester.path / "out.xml").read_text()
    return result, result.stdout.str() + result.stderr.str() + junit


# --- spellings ------------------------------------------------------------------------


def test_a_secret_with_a_backslash_and_a_quote_is_masked_escaped_as_repr_and_as_json(pytester):
    result, output = session(pytester, variables={"api_key": ESCAPED},
                             test_sleep="- {type: sleep, seconds: $api_key}\n",
                             test_assert="- {type: assert, expression: 'api_key == 1'}\n")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines_random([
        '  step: {"type": "sleep", "seconds": "*****"}',  # JSON: "Back\\slash\"Quote9"
        "  sleep: parameter 'seconds' must be number, not '*****'",  # repr: 'Back\\\\slash"Quote9'
        "    api_key = '*****'",
    ])
    for spelling in (ESCAPED, "Back\\\\slash", "slash\\\"Quote9", "Quote9"):
        assert spelling not in output


def test_url_encoded_secrets_are_masked_in_the_log_the_live_debug_log_and_junit(pytester, demo_server):
    secret = "Hunter2 Secret!/x"
    result, output = session(
        pytester, "--log-cli-level=DEBUG",
        variables={"base_url": demo_server.url, "api_key": secret},
        test_search="""\
- type: GET
  url: "$base_url/api/echo?raw=$api_key"
  parameters: {params: {q: $api_key}}
  assertion: "False"
""")
    result.assert_outcomes(failed=1)
    # requests re-quotes the URL (quote: %20) and encodes params (quote_plus: + and %2F).
    result.stdout.fnmatch_lines(["*GET http://*/api/echo?raw=*****&q=***** -> 200 OK in *"])
    assert "Hunter2" not in output and "Secret%21" not in output and "Secret!" not in output


def test_the_base64_of_a_basic_auth_user_and_password_is_masked_in_print_output(pytester, demo_server):
    result, output = session(
        pytester, "-s",
        variables={"base_url": demo_server.url, "password": "Basic-Pw-42"},
        test_basic="""\
- {type: GET, url: "$base_url/api/echo", parameters: {auth: [ann, $password]}, variable: echo,
   variable_expression: "response.json()['headers']"}
- {type: print, text: "sent {! echo['Authorization'] !}"}
""")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["[[]play[]] sent Basic *****"])
    assert base64.b64encode(b"ann:Basic-Pw-42").decode() not in output


# --- places ---------------------------------------------------------------------------


def test_junit_properties_recorded_from_secrets_are_masked(pytester):
    result, output = session(pytester, variables={"api_token": "tok-Prop-77"}, test_props="""\
- {type: record_property, name: seen, expression: "'token=' + api_token"}
- {type: record_property, name: count, expression: "3"}
""")
    result.assert_outcomes(passed=1)
    properties = {p.get("name"): p.get("value") for p in ET.parse(pytester.path / "out.xml").iter("property")
                  if not p.get("name").startswith("step ")}  # step durations (reporting/junit.py)
    assert properties == {"seen": "token=*****", "count": "3"}
    assert "tok-Prop-77" not in output


def test_what_a_python_test_prints_to_stdout_and_stderr_is_masked_in_junit_system_out_and_err(pytester):
    pytester.makepyfile(test_printing="""
        import sys

        def test_prints(play):
            play.update_variables({"db_password": "Out-Err-Pw-5"})
            print("stdout has", play.variables["db_password"])
            print("stderr has", play.variables["db_password"], file=sys.stderr)
            assert False
    """)
    result, output = session(pytester, "-rA")
    result.assert_outcomes(failed=1)
    junit = ET.parse(pytester.path / "out.xml")
    assert "stdout has *****" in junit.find(".//system-out").text
    assert "stderr has *****" in junit.find(".//system-err").text
    assert "Out-Err-Pw-5" not in output


def test_a_secret_stored_by_a_step_or_set_in_place_by_python_is_masked_from_its_next_write_on(pytester):
    # The engine works the secret values out again only after the variables change
    # (engine.Variables counts the changes); in place changes by Python code count too.
    pytester.makepyfile(test_in_place="""
        def test_nested(play):
            play.variables["creds"] = {"user": "me"}
            print("before", "Nested-Pw-8")
            play.variables["creds"]["password"] = "Nested-Pw-8"
            print("after", "Nested-Pw-8")
            assert False
    """)
    result, output = session(pytester, "-s", "-p", "no:randomly",
                             test_stored='- {type: print, text: "plain Stored-Pw-9"}\n'
                                         '- {type: store_variable, name: api_token, expression: "\'Stored-Pw-9\'"}\n'
                                         '- {type: print, text: "token Stored-Pw-9"}\n')
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*[[]play[]] plain Stored-Pw-9", "*[[]play[]] token *****"])
    result.stdout.fnmatch_lines(["*before Nested-Pw-8", "after *****"])
    assert "token Stored-Pw-9" not in output and "after Nested-Pw-8" not in output


def test_print_output_shown_with_dash_s_is_masked(pytester):
    result, output = session(pytester, "-s", variables={"secret_word": "S-Print-Pw"},
                             test_print='- {type: print, text: "the word is $secret_word"}\n')
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*[[]play[]] the word is *****"])
    assert "S-Print-Pw" not in output


def test_database_url_passwords_in_the_userinfo_and_the_query_are_masked_in_the_driver_error(pytester):
    url = "postgresql+psycopg://app:User-Pw-1@127.0.0.1:1/db?password=Query-Pw-2&sslmode=disable"
    result, output = session(pytester, subprocess=True,
                             test_db=f'- {{type: sql, database_url: "{url}", query: "select 1"}}\n')
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        '  step: {"type": "sql", "database_url": "postgresql+psycopg://app:*****@127.0.0.1:1/db?password=*****'
        '&sslmode=disable"*',
        "  postgresql+psycopg://app:*****@127.0.0.1:1/db?password=*****&sslmode=disable: OperationalError: *",
    ])
    assert "User-Pw-1" not in output and "Query-Pw-2" not in output


def test_a_long_secret_is_masked_before_it_is_cut_at_57_or_200_characters(pytester):
    token = "tok-Start-" + "z" * 290
    result, output = session(pytester, variables={"api_token": token},
                             test_sleep="- {type: sleep, seconds: $api_token}\n",
                             test_assert="- {type: assert, expression: \"api_token == 'x'\"}\n")
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines_random([
        "  sleep: parameter 'seconds' must be number, not '*****...",  # cut at 57 before it was masked
        "    api_token = '*****'",  # masked, then cut at 200
    ])
    assert "tok-Start" not in output and "zzzz" not in output


def test_the_page_html_saved_for_a_failed_browser_step_is_masked_and_its_name_is_the_file_on_disk(
        pytester, demo_server):
    pytester.makefile(".yml", test_login=scenario_text("""
        test_data:
          - {username: siteadmin, password: siteadmin}
        ---
        - {type: get, url: "$base_url"}
        - type: eval
          script: "document.querySelector('main').insertAdjacentHTML('beforeend', '<p id=k>$api_key</p>')"
        - {type: clickElement, locator: {type: id, value: missing}, timeout: 0.2}
    """))
    result = run_browser(pytester, demo_server, "--play-artifacts", "artifacts", variables="api_key: Html-Key-9\n")
    result.assert_outcomes(failed=1)
    html = pytester.path / "artifacts" / "test_login.yml__test_login_siteadmin-step3.html"
    result.stdout.fnmatch_lines([f"  page HTML: {html}"])  # siteadmin is a password too, never masked here
    page = html.read_text()
    assert "<p id=\"k\">*****</p>" in page and "Html-Key-9" not in page
    assert "Html-Key-9" not in result.stdout.str()


# --- what is not a secret -------------------------------------------------------------


def test_names_that_only_contain_a_secret_word_are_not_secret(pytester):
    result, output = session(
        pytester, variables={"keyspace": "orders", "monkey": "banana", "tokenizer": "words", "api_key": "K-77"},
        test_names="- {type: assert, expression: \"keyspace + monkey + tokenizer + api_key == ''\"}\n")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  assertion is false: keyspace + monkey + tokenizer + api_key == ''",
                                 "    keyspace = 'orders'", "    monkey = 'banana'", "    tokenizer = 'words'",
                                 "    api_key = '*****'"])


def test_a_secret_that_is_an_ordinary_word_never_rewrites_paths_or_provider_names(pytester):
    result, output = session(pytester, "-rA", variables={"password": "sql"}, test_sql="""\
- {type: assert, expression: "True"}
- {provider: play_sql, type: sql, database_url: "sqlite://", query: "select x", comment: "the word is sql"}
""")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_sql.yml:2: step 2 (the word is *****) failed",
        '  step: {"provider": "play_sql", "type": "sql", "database_url": "sqlite://", "query": "select x"}',
        "FAILED test_sql.yml::test_sql - test_sql.yml:2: step 2 (the word is *****)*",
    ])


# --- test ids -------------------------------------------------------------------------


def test_declared_secrets_and_secret_names_are_left_out_of_row_ids(pytester):
    pytester.makefile(".yml", vars="secrets: [motto]\n")
    pytester.makefile(".yml", test_rows="""\
test_data:
  - {who: ann, motto: open-sesame, pin_token: t-1, keyspace: orders}
  - {username: siteadmin, password: siteadmin}
---
- {type: assert, expression: "True"}
""")
    result = pytester.runpytest(*PLAY, "--variables", "vars.yml", "--collect-only", "-q")
    result.stdout.fnmatch_lines(["test_rows.yml::test_rows[[]ann-orders[]]", "test_rows.yml::test_rows[[]siteadmin[]]"])
    assert "open-sesame" not in result.stdout.str() and "t-1" not in result.stdout.str()


# --- no internal error ----------------------------------------------------------------


def test_deep_and_huge_data_in_variables_fail_their_test_with_a_bounded_rendering_and_the_next_test_runs(pytester):
    deep = '[' * 920 + '{"password": "Deep-Pw-3"}' + ']' * 920  # as deep as pytest-variables reads; the old recursive masker crashed the session
    pytester.makefile(".json", vars=f'{{"deep": {deep}, "big": {list(range(10**5))}}}')
    pytester.makefile(".yml", test_deep="""\
- {type: record_property, name: shape, expression: "deep"}
- {type: record_property, name: size, expression: "big"}
- {type: assert, expression: "deep == big"}
""", test_next="- {type: assert, expression: 'True'}\n")
    result = pytester.runpytest(*PLAY, "--variables", "vars.json", "--junitxml=out.xml")
    output = result.stdout.str() + result.stderr.str()
    result.assert_outcomes(failed=1, passed=1)
    result.stdout.fnmatch_lines(["test_deep.yml:3: step 3 failed",
                                 "    deep = [[][[][[][[][[][[][[][[][[][[][[][[]…]]]]]]]]]]]]",
                                 "    big = [[]0, 1, 2, 3, *..."])
    assert "INTERNALERROR" not in output and "Deep-Pw-3" not in output
    junit = ET.parse(pytester.path / "out.xml")
    cases = {case.get("name"): case for case in junit.iter("testcase")}
    assert cases["test_next"].find("failure") is None and cases["test_deep"].find("failure") is not None
    shape, size = (p.get("value") for p in junit.iter("property") if not p.get("name").startswith("step "))
    assert shape == "[[[[[[[[[[[[…]]]]]]]]]]]]" and size.startswith("[0, 1, 2") and len(size) <= 10_000
