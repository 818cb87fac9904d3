"""Pasted scenarios run under the untrusted policy (docs/trust.md); committed files are trusted.

Each abuse runs as pasted text (`--play-text`) in a real pytest session and must be
refused with its message, with a side-effect check: the file it would write does
not exist afterwards, and a listening loopback socket it would reach sees no
connection. The same steps in a committed file still run.
"""

import http.server
import socket
import textwrap
import threading

import pytest
# Imported before the in-process sessions: pytester drops the modules an inner
# session imported, and requests' cookie jar classes would differ between runs.
import requests  # noqa: F401
import yaml

from pytest_play.trust import DEFAULT_TIME_LIMIT, TRUSTED, Policy, Refused, time_limit

PLAY = ("-p", "no:randomly", "-p", "no:cacheprovider", "--variables", "vars.yml")


class Listener:
    """A loopback socket that counts the connections it accepts (and closes them)."""

    def __init__(self):
        self.socket = socket.create_server(("127.0.0.1", 0))
        self.socket.settimeout(0.1)
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                connection, _ = self.socket.accept()
            except OSError:
                continue
            self.connections += 1
            connection.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.socket.close()


@pytest.fixture
def listener():
    listening = Listener()
    yield listening
    listening.close()


@pytest.fixture
def play(pytester, monkeypatch, demo_server):
    """play(text, *args, pasted=True, **variables): run `text` pasted (or as a committed file)."""
    monkeypatch.delenv("WORKSPACE", raising=False)

    def play(text, *args, pasted=True, **variables):
        text = textwrap.dedent(text)
        pytester.makefile(".yml", vars=yaml.safe_dump({"base_url": demo_server.url, **variables}))
        if pasted:
            return pytester.runpytest(*PLAY, "--play-text", text, *args)
        (pytester.path / "test_committed.yml").write_text(text, encoding="utf-8")
        return pytester.runpytest(*PLAY, *args)

    return play


# --- files --------------------------------------------------------------------------


def sql_steps(url, *queries):
    return "".join(f"""
          - type: sql
            provider: sql
            database_url: "{url}"
            query: "{query}"
""" for query in queries)


def test_pasted_sql_may_not_create_a_pth_file_outside_the_build_folder(play, pytester):
    target = pytester.path / "site-packages" / "zz_play.pth"
    target.parent.mkdir()
    result = play("steps:" + sql_steps(f"sqlite:///{target}", "CREATE TABLE t (x TEXT)",
                                       "INSERT INTO t VALUES ('\\nimport os\\n')"))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "build/play/test_play.yml:2: step 1 failed",
        f"  refused: pasted scenarios may write files only inside the build folder ({pytester.path}/build), "
        f"not '{target}'",
    ])
    assert not target.exists()


def test_pasted_sql_may_not_create_a_runnable_file_even_inside_the_build_folder(play, pytester):
    target = pytester.path / "build" / "sitecustomize.py"
    result = play("steps:" + sql_steps(f"sqlite:///{target}", "CREATE TABLE t (x TEXT)"))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "  refused: pasted scenarios may not write a file that an interpreter or a shell would run "
        "('sitecustomize.py')"])
    assert not target.exists()


def test_the_same_sql_in_a_committed_file_writes_where_it_says(play, pytester):
    target = pytester.path / "elsewhere" / "zz_play.pth"
    target.parent.mkdir()
    result = play("steps:" + sql_steps(f"sqlite:///{target}", "CREATE TABLE t (x TEXT)"), pasted=False)
    result.assert_outcomes(passed=1)
    assert target.exists()


@pytest.mark.parametrize("query, refused", [
    ("ATTACH DATABASE '{other}' AS x", "ATTACH (or VACUUM INTO)"),
    ("VACUUM INTO '{other}'", "ATTACH (or VACUUM INTO)"),
    ("PRAGMA journal_mode = WAL", "PRAGMA"),
    ("SELECT load_extension('{other}')", "load_extension"),
])
def test_pasted_sql_inside_the_build_folder_may_not_attach_vacuum_into_pragma_or_load(play, pytester, query,
                                                                                      refused):
    other = pytester.path / "other.db"
    result = play("steps:" + sql_steps("sqlite:///build/data.db", "CREATE TABLE t (x TEXT)",
                                       query.format(other=other)))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "build/play/test_play.yml:7: step 2 failed",
        f"  refused: pasted scenarios may not use {refused} in SQL (files outside the build folder, extensions)"])
    assert not other.exists()
    assert (pytester.path / "build" / "data.db").exists()  # the first step ran


def test_committed_sql_may_attach_another_file(play, pytester):
    other = pytester.path / "other.db"
    result = play("steps:" + sql_steps("sqlite:///data.db", f"ATTACH DATABASE '{other}' AS x",
                                       "CREATE TABLE x.t (v TEXT)"), pasted=False)
    result.assert_outcomes(passed=1)


def test_pasted_sql_may_use_memory_and_files_of_the_build_folder(play):
    result = play("""
        steps:
          - {type: sql, provider: sql, database_url: "sqlite://", query: "SELECT 1 AS one",
             assertion: "results.scalar() == 1"}
          - {type: sql, provider: sql, database_url: "sqlite:///build/work.sqlite3", query: "SELECT 2 AS two",
             assertion: "results.first().two == 2 and results.fetchall()[0][0] == 2"}
    """)
    result.assert_outcomes(passed=1)


def test_pasted_sql_to_a_database_the_environment_does_not_name_is_refused(play, listener):
    port = listener.url.rsplit(":", 1)[1]
    result = play("steps:" + sql_steps(f"postgresql://u@127.0.0.1:{port}/db", "SELECT 1"))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"  refused: pasted scenarios may reach only the targets the environment allows "
                                 f"(untrusted_may_reach: http://127.0.0.1:*), not postgresql://127.0.0.1:{port}"])
    assert listener.connections == 0


def test_pasted_http_files_may_not_upload_a_local_file(play, listener):
    result = play(f"""
        steps:
          - type: POST
            provider: http
            url: {listener.url}/upload
            parameters: {{files: {{f: [x.txt, "path:/etc/hostname"]}}}}
    """, untrusted_may_reach=[listener.url])
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["build/play/test_play.yml:3: step 1 failed",
                                 "  refused: pasted scenarios may read files only inside the build folder (*), "
                                 "not '/etc/hostname'"])
    assert listener.connections == 0


def test_committed_http_files_upload_a_local_file(play, demo_server, pytester):
    (pytester.path / "note.txt").write_text("hello")
    result = play("""
        steps:
          - type: POST
            provider: http
            url: $base_url/api/echo
            parameters: {files: {f: [note.txt, "path:note.txt"]}}
            assertion: "response.json()['files'][0]['content'] == 'hello'"
    """, pasted=False)
    result.assert_outcomes(passed=1)


def test_pasted_screenshot_outside_the_build_folder_is_refused_before_a_folder_is_made(play, pytester):
    result = play("""
        steps:
          - {type: saveScreenshot, file: ../../made/shot.png}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["build/play/test_play.yml:3: step 1 failed",
                                 "  refused: pasted scenarios may write files only inside the build folder (*), "
                                 "not '*/made/shot.png'"])
    assert not (pytester.path.parent.parent / "made").exists()


def test_pasted_include_of_a_file_outside_the_rootdir_and_the_build_folder_is_refused(play, pytester, tmp_path):
    outside = tmp_path / "outside" / "steps.yml"
    outside.parent.mkdir()
    outside.write_text("- {type: store_variable, name: x, expression: '1'}\n")
    result = play(f"""
        steps:
          - {{type: include, provider: include, path: "{outside}"}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"  refused: pasted scenarios may include only scenario files inside *, "
                                 f"not '{outside}'"])


# --- network ------------------------------------------------------------------------


def test_pasted_get_to_a_host_the_environment_does_not_name_is_refused(play, listener):
    result = play(f"""
        steps:
          - {{type: GET, provider: http, url: "{listener.url}/steal"}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["build/play/test_play.yml:3: step 1 failed",
                                 "  refused: pasted scenarios may reach only the targets the environment allows "
                                 f"(untrusted_may_reach: http://127.0.0.1:*), not {listener.url}"])
    assert listener.connections == 0


def test_the_same_get_in_a_committed_file_reaches_the_host(play, listener):
    play(f"""
        steps:
          - {{type: GET, provider: http, url: "{listener.url}/steal", parameters: {{timeout: 2}}}}
    """, pasted=False)
    assert listener.connections == 1


def test_pasted_get_to_the_environment_base_url_runs(play):
    result = play("""
        steps:
          - {type: GET, provider: http, url: "$base_url/api/status/200", assertion: "response.status_code == 200"}
    """)
    result.assert_outcomes(passed=1)


@pytest.fixture
def redirector(listener):
    """A loopback HTTP server whose every answer is a redirect to the listener."""

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", f"{listener.url}/x")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_pasted_redirect_to_a_host_the_environment_does_not_name_is_not_followed(play, listener, redirector):
    result = play(f"""
        steps:
          - {{type: GET, provider: http, url: "{redirector}/go"}}
    """, untrusted_may_reach=[redirector])
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"  refused: pasted scenarios may reach only *, not {listener.url}"])
    assert listener.connections == 0


def test_pasted_websocket_and_mqtt_to_hosts_the_environment_does_not_name_are_refused(play, listener):
    port = listener.url.rsplit(":", 1)[1]
    result = play(f"""
        steps:
          - {{type: connect, provider: websocket, url: "ws://127.0.0.1:{port}/ws"}}
    """)
    result.stdout.fnmatch_lines([f"  refused: pasted scenarios may reach only *, not ws://127.0.0.1:{port}"])
    result = play(f"""
        steps:
          - {{type: publish, provider: mqtt, host: 127.0.0.1, port: {port}, topic: t, payload: x}}
    """)
    result.stdout.fnmatch_lines([f"  refused: pasted scenarios may reach only *, not mqtt://127.0.0.1:{port}"])
    assert listener.connections == 0


def test_a_pasted_browser_get_to_a_host_the_environment_does_not_name_is_refused_before_a_browser_starts(
        play, listener):
    result = play(f"""
        steps:
          - {{type: get, url: "{listener.url}/page"}}
          - {{type: get, url: "file:///etc/hostname"}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["build/play/test_play.yml:3: step 1 failed",
                                 f"  refused: pasted scenarios may reach only *, not {listener.url}"])
    assert listener.connections == 0


def test_the_policy_refuses_file_urls_and_allows_only_the_environment_origins():
    pasted = Policy.untrusted({"base_url": "http://127.0.0.1:8000/app", "mqtt_host": "broker", "mqtt_port": 1884,
                               "name": "not a url"})
    assert pasted.reachable("http://127.0.0.1:8000/other") == "http://127.0.0.1:8000/other"
    pasted.allow(("mqtt", "broker", 1884))
    for url in ("file:///etc/hostname", "http://127.0.0.1:8001/", "https://127.0.0.1:8000/", "http://localhost:8000/"):
        with pytest.raises(Refused, match="may reach only the targets the environment allows"):
            pasted.reachable(url)
    listed = Policy.untrusted({"base_url": "http://a.example", "untrusted_may_reach": ["http://b.example"]})
    listed.reachable("http://b.example/x")
    with pytest.raises(Refused):
        listed.reachable("http://a.example/x")


# --- plain data for expressions -------------------------------------------------------


@pytest.mark.parametrize("pasted", [True, False])
@pytest.mark.parametrize("attribute", ["connection.poolmanager", "raw", "request", "connection"])
def test_a_stored_response_leads_to_no_connection_raw_stream_or_request(play, pasted, attribute):
    result = play(f"""
        steps:
          - {{type: GET, provider: http, url: "$base_url/api/status/200", variable: r, variable_expression: response}}
          - {{type: assert, expression: "r.json() == {{'status': 200}} and r.headers['content-type'] != ''"}}
          - {{type: assert, expression: "r.{attribute}"}}
    """, pasted=pasted)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*:5: step 3 failed", "*has no attribute*"])


@pytest.mark.parametrize("attribute", ["cursor", "connection", "engine", "context"])
def test_sql_results_lead_to_no_cursor_connection_or_engine(play, attribute):
    result = play(f"""
        steps:
          - {{type: sql, provider: sql, database_url: "sqlite://", query: "SELECT 1 AS one", variable: rows,
             variable_expression: results}}
          - {{type: assert, expression: "rows.first().one == 1 and rows.scalar() == 1"}}
          - {{type: assert, expression: "rows.{attribute}"}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*:6: step 3 failed", "*has no attribute*"])


# --- time ---------------------------------------------------------------------------


def test_every_scenario_has_a_default_time_limit_and_pasted_ones_at_most_600_seconds():
    pasted = Policy.untrusted({})
    assert DEFAULT_TIME_LIMIT == 120
    assert time_limit(None, TRUSTED) == 120 and time_limit(0, TRUSTED) is None and time_limit(5, TRUSTED) == 5
    assert time_limit(None, pasted) == 120 and time_limit(10_000, pasted) == 600
    with pytest.raises(Refused, match="must have a time limit"):
        time_limit(0, pasted)


def test_a_pasted_scenario_without_a_time_limit_is_refused(play):
    result = play("""
        steps:
          - {type: sleep, seconds: 0}
    """, "--play-timeout", "0")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*refused: pasted scenarios must have a time limit: timeout 0 (none) "
                                 "is for committed files only; at most 600 s"])


@pytest.mark.parametrize("pasted", [True, False])
def test_without_a_timeout_a_scenario_has_the_default_limit_of_120_seconds(play, pasted):
    result = play("""
        steps:
          - {type: sleep, seconds: 200}
    """, pasted=pasted)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  sleep of 200s is longer than the time left of the time limit (*s of 120s)"])


def test_a_committed_scenario_may_run_without_a_time_limit(play):
    result = play("""
        steps:
          - {type: sleep, seconds: 0.1}
    """, "--play-timeout", "0", pasted=False)
    result.assert_outcomes(passed=1)


def test_timeout_0_in_the_metadata_means_none_for_a_committed_file(play):
    # metadata wins over --play-timeout: with its 1 s limit the 2 s sleep would fail at once
    result = play("""
        timeout: 0
        steps:
          - {type: sleep, seconds: 2}
    """, "--play-timeout", "1", pasted=False)
    result.assert_outcomes(passed=1)


def test_timeout_0_in_the_metadata_of_pasted_text_is_refused(play):
    result = play("""
        timeout: 0
        steps:
          - {type: sleep, seconds: 0}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*refused: pasted scenarios must have a time limit*"])
