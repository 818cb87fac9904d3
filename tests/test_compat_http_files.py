"""play_requests' four-item `files` form, `[filename, data, content type, headers]`, in real pytest sessions.

A local server records the raw multipart body of each upload, so the part's own
headers (which the demo app's echo does not report) are checked as they were sent.
"""

import http.server
import textwrap
import threading

import pytest

PLAY = ("-p", "no:randomly", "-p", "no:cacheprovider")


@pytest.fixture
def upload_server():
    """A server on a free loopback port that answers 200 and keeps each request body."""
    bodies = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.bodies = bodies
    server.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield server
    server.shutdown()
    server.server_close()


def run(pytester, server, scenario):
    pytester.makefile(".yml", test_upload=textwrap.dedent(scenario))
    pytester.makefile(".yml", vars=f"base_url: {server.url}\n")
    return pytester.runpytest(*PLAY, "--variables", "vars.yml")


def test_the_fourth_item_gives_the_part_its_own_headers(pytester, upload_server):
    (pytester.path / "report.csv").write_text("a,b\n1,2\n")
    result = run(pytester, upload_server, """
        steps:
          - type: POST
            provider: play_requests
            url: $base_url/upload
            parameters:
              files:
                file: [report.csv, "path:report.csv", text/csv, {Expires: "0", X-Rows: 2}]
                inline: [note.txt, some text, text/plain]
            expected_status: 200
    """)
    result.assert_outcomes(passed=1)
    body = upload_server.bodies[0].decode()
    file_part, inline_part = (part for part in body.split("\r\n--") if 'name="' in part)
    assert 'filename="report.csv"' in file_part
    assert "Content-Type: text/csv\r\n" in file_part
    assert "Expires: 0\r\n" in file_part and "X-Rows: 2\r\n" in file_part
    assert "\r\n\r\na,b\n1,2\n" in file_part
    assert "Content-Type: text/plain\r\n" in inline_part and "Expires" not in inline_part


def test_a_fourth_item_that_is_not_a_mapping_is_refused_with_an_example(pytester, upload_server):
    result = run(pytester, upload_server, """
        steps:
          - type: POST
            url: $base_url/upload
            provider: http
            parameters: {files: {doc: [a.txt, data, text/plain, "Expires: 0"]}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "  parameters.files.doc: the fourth item (the part's headers) must be a mapping of header: value, "
        "not 'Expires: 0' (e.g. {Expires: '0'})"])
    assert upload_server.bodies == []


def test_five_items_are_still_refused_with_the_form_to_use(pytester, upload_server):
    result = run(pytester, upload_server, """
        steps:
          - type: POST
            url: $base_url/upload
            provider: http
            parameters: {files: {doc: [a, b, c, {}, e]}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "  parameters.files.doc must be [filename, data or 'path:FILE', content type, headers], "
        "not ['a', 'b', 'c', {}, 'e']"])
