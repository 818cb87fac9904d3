"""The HTTP provider (`play_requests`, alias `http`) in real pytest sessions.

Each test writes scenarios and a variables file into a pytester directory and
runs pytest in-process against the demo app (`/api/echo` tells what a request
carried), a TLS server with a self-signed certificate, or a raw socket server
that accepts connections and never answers. Failure messages are pinned with
fnmatch_lines; masking is checked on the whole output and the JUnit XML.
"""

import datetime
import http.server
import ipaddress
import socket
import ssl
import textwrap
import threading
import time
from types import SimpleNamespace

import pytest
import requests
import yaml

from pytest_play.providers.http import DEFAULT_TIMEOUT
from pytest_play.providers.http.options import request_options

PLAY = ("-p", "no:randomly", "-p", "no:cacheprovider", "--variables", "vars.yml")


@pytest.fixture
def run(pytester, demo_server):
    """run(scenario or {name: scenario}, *args, **variables): a pytest session on the scenarios."""

    def run(scenarios, *args, **variables):
        if isinstance(scenarios, str):
            scenarios = {"test_scenario": scenarios}
        for name, text in scenarios.items():
            path = pytester.path / f"{name}.yml"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        pytester.makefile(".yml", vars=yaml.safe_dump({"base_url": demo_server.url, **variables}))
        return pytester.runpytest(*PLAY, *args)

    return run


def login_token(server, username="siteadmin"):
    response = requests.post(server.url + "/api/login", json={"username": username, "password": username},
                             timeout=10)
    response.raise_for_status()
    return response.json()["token"]


# --- parameters ---------------------------------------------------------------------


def test_get_sends_params_headers_and_cookies_and_stores_a_value_of_the_response(run):
    result = run("""
        steps:
          - type: GET
            provider: http
            url: $base_url/api/echo
            parameters:
              params: {q: pencil, page: 2}
              headers: {X-Trace: abc, X-Count: 3}
              cookies: {flavour: mint}
            variable: echoed
            variable_expression: response.json()
            assertion: response.status_code == 200 and response.json()['method'] == 'GET'
          - type: assert
            expression: >-
              echoed['args'] == {'q': 'pencil', 'page': '2'} and echoed['headers']['X-Trace'] == 'abc'
              and echoed['headers']['X-Count'] == '3' and echoed['cookies'] == {'flavour': 'mint'}
    """)
    result.assert_outcomes(passed=1)


def test_every_method_reaches_the_server_under_either_provider_name(run):
    steps = "\n".join(f"""
          - type: {method}
            provider: {provider}
            url: $base_url/api/echo
            assertion: response.json()['method'] == '{method}'"""
                      for method, provider in [("GET", "http"), ("POST", "play_requests"), ("PUT", "http"),
                                               ("PATCH", "http"), ("DELETE", "http"), ("OPTIONS", "http")])
    result = run(f"""
        steps:{steps}
          - type: HEAD
            provider: http
            url: $base_url/api/echo
            assertion: response.status_code == 200 and response.text == ''
    """)
    result.assert_outcomes(passed=1)


def test_json_form_data_and_raw_data_bodies_are_sent(run):
    result = run("""
        steps:
          - type: POST
            provider: http
            url: $base_url/api/echo
            parameters: {json: {name: pencil, tags: [a, b]}}
            assertion: "response.json()['json'] == {'name': 'pencil', 'tags': ['a', 'b']}"
          - type: PUT
            provider: http
            url: $base_url/api/echo
            parameters: {data: {name: pencil, size: 2}}
            assertion: "response.json()['form'] == {'name': 'pencil', 'size': '2'}"
          - type: PATCH
            provider: http
            url: $base_url/api/echo
            parameters: {data: raw text, headers: {Content-Type: text/plain}}
            assertion: response.json()['data'] == 'raw text' and response.json()['form'] == {}
    """)
    result.assert_outcomes(passed=1)


def test_files_are_sent_inline_or_read_from_a_path_relative_to_the_scenario(run, pytester):
    (pytester.path / "suite" / "files").mkdir(parents=True)
    (pytester.path / "suite" / "files" / "note.txt").write_text("from disk")
    result = run({"suite/test_upload": """
        steps:
          - type: POST
            provider: http
            url: $base_url/api/echo
            parameters:
              data: {kind: notes}
              files:
                inline: [a.txt, hello, text/plain]
                disk: [note.txt, "path:files/note.txt", text/markdown]
                untyped: [b.json, {x: 1}]
            variable: files
            variable_expression: "{f['name']: f for f in response.json()['files']}"
          - type: assert
            expression: >-
              files['inline'] == {'name': 'inline', 'filename': 'a.txt', 'content': 'hello',
              'content_type': 'text/plain'} and files['disk'] == {'name': 'disk', 'filename': 'note.txt',
              'content': 'from disk', 'content_type': 'text/markdown'}
              and files['untyped']['content'] == '{"x": 1}'
    """, "suite/test_missing": """
        steps:
          - type: POST
            provider: http
            url: $base_url/api/echo
            parameters: {files: {disk: [note.txt, "path:files/missing.txt"]}}
    """})
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["  file 'files/missing.txt' not found (looked in */suite and *)"])


def test_a_malformed_file_entry_is_rejected(run):
    result = run("""
        steps:
          - type: POST
            provider: http
            url: $base_url/api/echo
            parameters: {files: {doc: [a, b, c, {}, e]}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(
        ["  parameters.files.doc must be [filename, data or 'path:FILE', content type, headers], "
         "not ['a', 'b', 'c', {}, 'e']"])


def test_auth_pair_is_http_basic_authentication(run):
    result = run("""
        steps:
          - type: GET
            provider: http
            url: $base_url/api/basic
            parameters: {auth: [user, pass]}
            expected_status: 200
            assertion: "response.json() == {'authenticated': True, 'user': 'user'}"
          - type: GET
            provider: http
            url: $base_url/api/basic
            expected_status: 401
    """)
    result.assert_outcomes(passed=1)


def test_an_auth_value_that_is_not_a_pair_is_rejected_without_showing_the_password(run):
    result = run("""
        steps:
          - type: GET
            provider: http
            url: $base_url/api/basic
            parameters: {auth: [user, 12345678]}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  parameters.auth must be [user, password], not ['user', '*****']"])
    assert "12345678" not in result.stdout.str()


def test_redirects_are_followed_unless_allow_redirects_is_false(run):
    result = run("""
        steps:
          - type: GET
            provider: http
            url: $base_url/api/redirect?x=1
            assertion: >-
              response.status_code == 200 and response.json()['args'] == {'x': '1'}
              and len(response.history) == 1
          - type: GET
            provider: http
            url: $base_url/api/redirect?x=1
            parameters: {allow_redirects: false}
            expected_status: 302
            assertion: response.headers['Location'] == '/api/echo?x=1'
    """)
    result.assert_outcomes(passed=1)


def test_proxies_send_the_request_through_the_proxy(run, demo_server):
    result = run("""
        steps:
          - type: GET
            provider: http
            url: http://shop.invalid/api/echo
            parameters: {proxies: {http: $base_url}}
            assertion: response.json()['url'] == 'http://shop.invalid/api/echo'
    """)
    result.assert_outcomes(passed=1)


class Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Length", "5")
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory):
    """HTTPS servers on 127.0.0.1 with a self-signed certificate, one of them also
    wanting that certificate from its clients: url, client_auth_url, cert, key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    servers = []
    for client_auth in (False, True):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hello)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert_path, key_path)
        if client_auth:
            context.verify_mode = ssl.CERT_REQUIRED
            context.load_verify_locations(cert_path)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True).start()
        servers.append(server)
    yield SimpleNamespace(url=f"https://127.0.0.1:{servers[0].server_port}",
                          client_auth_url=f"https://127.0.0.1:{servers[1].server_port}",
                          cert=str(cert_path), key=str(key_path))
    for server in servers:
        server.shutdown()
        server.server_close()


def test_verify_false_or_a_ca_bundle_accepts_a_self_signed_certificate_and_the_default_refuses_it(run, tls_server):
    result = run({"test_trusting": """
        steps:
          - type: GET
            provider: http
            url: $tls_url/
            parameters: {verify: false}
            assertion: response.text == 'hello'
          - type: GET
            provider: http
            url: $tls_url/
            parameters: {verify: $certificate}
            assertion: response.text == 'hello'
    """, "test_verifying": """
        steps:
          - type: GET
            provider: http
            url: $tls_url/
    """}, "-W", "ignore::urllib3.exceptions.InsecureRequestWarning", tls_url=tls_server.url,
        certificate=tls_server.cert)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["  GET https://127.0.0.1:*/: TLS error: [[]SSL: CERTIFICATE_VERIFY_FAILED[]] certificate verify failed*"])


def test_cert_sends_a_client_certificate(run, tls_server):
    result = run("""
        steps:
          - type: GET
            provider: http
            url: $tls_url/
            parameters: {verify: $certificate, cert: [$certificate, $key]}
            assertion: response.text == 'hello'
    """, tls_url=tls_server.client_auth_url, certificate=tls_server.cert, key=tls_server.key)
    result.assert_outcomes(passed=1)


# --- session, defaults, returned response -------------------------------------------


def test_one_session_per_test_keeps_cookies_between_steps_but_not_between_tests(run):
    result = run({"test_1_cookie_login": """
        steps:
          - type: POST
            provider: http
            url: $base_url/login
            parameters: {json: {username: reader, password: reader}}
            expected_status: 200
          - type: GET
            provider: http
            url: $base_url/api/me
            expected_status: 200
            assertion: response.json()['username'] == 'reader'
    """, "test_2_fresh_session": """
        steps:
          - type: GET
            provider: http
            url: $base_url/api/me
            expected_status: 401
    """})
    result.assert_outcomes(passed=2)


def test_provider_defaults_merge_under_every_call_and_the_step_wins(run):
    result = run("""
        steps:
          - type: GET
            provider: http
            url: $base_url/api/echo
            parameters: {headers: {X-Both: step}, params: {page: 2}}
            assertion: >-
              response.json()['headers']['X-Default'] == 'd' and response.json()['headers']['X-Both'] == 'step'
              and response.json()['args'] == {'lang': 'en', 'page': '2'}
          - type: GET
            provider: http
            url: $base_url/api/echo
            assertion: "response.json()['headers']['X-Both'] == 'default' and response.json()['args'] == {'lang': 'en'}"
    """, play_requests={"parameters": {"headers": {"X-Default": "d", "X-Both": "default"}, "params": {"lang": "en"}}})
    result.assert_outcomes(passed=1)


def test_a_bearer_token_in_the_defaults_authorizes_every_call_and_is_never_shown(run, demo_server, pytester):
    token = login_token(demo_server)
    result = run("""
        steps:
          - type: GET
            provider: http
            url: $base_url/api/me
            assertion: response.json()['username'] == 'siteadmin'
          - type: GET
            provider: http
            url: $base_url/api/echo
            assertion: response.json()['headers']['Authorization'] == 'something else'
    """, "--junitxml=report.xml", "-rA", token=token,
        play_requests={"parameters": {"headers": {"Authorization": "Bearer $token"}}})
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "*step 2 failed",
        "  step: *\"Authorization\": \"Bearer *****\"*",
        "  request headers: Authorization: Bearer *****",
        '  response body: {"args": {}, "cookies": {}, "data": "", "files": [], "form": {}, "headers": {*',
    ])
    assert token not in result.stdout.str()
    assert token not in (pytester.path / "report.xml").read_text()


def test_the_command_returns_the_response_to_python_callers(pytester, demo_server):
    pytester.makefile(".yml", vars=yaml.safe_dump({"base_url": demo_server.url}))
    pytester.makepyfile("""
        def test_call(play):
            response = play.execute_command(
                {"type": "GET", "provider": "http", "url": "$base_url/api/status/418"})
            assert response.status_code == 418
            assert response.json() == {"status": 418}
    """)
    pytester.runpytest(*PLAY).assert_outcomes(passed=1)


# --- timeouts and connection errors --------------------------------------------------


@pytest.fixture
def silent_server():
    """A server that accepts connections and never answers: (url, accepted sockets)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    accepted, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except socket.timeout:
                continue
            except OSError:
                return

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield SimpleNamespace(url=f"http://127.0.0.1:{listener.getsockname()[1]}", accepted=accepted)
    stop.set()
    thread.join()
    for connection in accepted:
        connection.close()
    listener.close()


def test_the_timeout_parameter_stops_a_call_to_a_server_that_never_answers(run, silent_server):
    start = time.monotonic()
    result = run("""
        steps:
          - type: GET
            provider: http
            url: $silent_url/never
            parameters: {timeout: 0.5}
    """, silent_url=silent_server.url)
    assert time.monotonic() - start < 10
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "  GET http://127.0.0.1:*/never: no answer within 0.5s (set parameters.timeout or the variable http_timeout)"])
    assert silent_server.accepted, "the connection was never accepted: not a read timeout"


def test_the_http_timeout_variable_is_the_default_timeout_and_a_pair_sets_connect_and_read(run, silent_server):
    result = run({"test_variable": """
        steps:
          - type: GET
            provider: http
            url: $silent_url/variable
    """, "test_pair": """
        steps:
          - type: GET
            provider: http
            url: $silent_url/pair
            parameters: {timeout: [5, 0.3]}
    """}, silent_url=silent_server.url, http_timeout=0.4)
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["  GET http://127.0.0.1:*/pair: no answer within 0.3s *",
                                 "  GET http://127.0.0.1:*/variable: no answer within 0.4s *"])


def test_without_any_setting_a_call_still_has_a_timeout():
    assert request_options({}, {}, None)["timeout"] == DEFAULT_TIMEOUT == 30


def test_a_timeout_of_0_means_no_limit_and_a_negative_one_is_rejected(run):
    result = run({"test_no_limit": """
        steps:
          - type: GET
            provider: http
            url: $base_url/api/echo
            parameters: {timeout: 0}
            expected_status: 200
    """, "test_negative": """
        steps:
          - type: GET
            provider: http
            url: $base_url/api/echo
            parameters: {timeout: [5, -1]}
    """})
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(
        ["  parameters.timeout must be a number of seconds (0 for no limit) or [connect, read], not [5, -1]"])


def test_a_timeout_of_0_sends_no_timeout_to_requests():
    assert request_options({"timeout": 0}, {}, None)["timeout"] is None
    assert request_options({"timeout": [0, 2]}, {}, None)["timeout"] == (None, 2)
    assert request_options({}, {"http_timeout": 0}, None)["timeout"] is None


def test_a_refused_connection_is_a_short_clear_failure(run):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound but not listening: connections are refused
        result = run(f"""
            steps:
              - type: GET
                provider: http
                url: http://127.0.0.1:{port}/x
        """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([f"  GET http://127.0.0.1:{port}/x: can't connect: [[]Errno 111[]] Connection refused"])


# --- checks and failure messages ---------------------------------------------------


def test_a_false_assertion_shows_method_url_status_time_headers_and_body(run):
    result = run("""
        steps:
          - type: POST
            provider: http
            comment: create without a token
            url: $base_url/api/items
            parameters: {json: {name: pencil}}
            assertion: response.status_code == 202
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_scenario.yml:3: step 1 (create without a token) failed",
        '  step: {"type": "POST", "provider": "http", "url": "http://127.0.0.1:*/api/items", '
        '"parameters": {"json": {"name": "pencil"}}, "assertion": "response.status_code == 202"}',
        "  assertion is false: response.status_code == 202",
        "  POST http://127.0.0.1:*/api/items -> 401 UNAUTHORIZED in * ms",
        "  request headers: Content-Length: 18, Content-Type: application/json",
        '  response headers: Content-Type: application/json, Content-Length: *, '
        'WWW-Authenticate: Bearer realm="demo", Vary: Cookie',
        '  response body: {"error": "authentication required"}',
    ])


def test_a_long_body_is_cut_in_failure_messages(run):
    result = run("""
        steps:
          - type: POST
            provider: http
            url: $base_url/api/echo
            parameters: {data: "{! 'x' * 3000 !}", headers: {Content-Type: text/plain}}
            expected_status: 201
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  expected status 201, got 200",
                                 "  POST http://127.0.0.1:*/api/echo -> 200 OK in *",
                                 '  response body: {"args": {}, "cookies": {}, "data": "xxx*xxx... (* characters)'])
    body_line = next(line for line in result.outlines if line.startswith("  response body:"))
    assert len(body_line) < 600


def test_expected_status_takes_a_code_or_a_list(run):
    result = run({"test_good": """
        steps:
          - type: GET
            provider: http
            url: $base_url/api/status/204
            expected_status: [200, 204]
    """, "test_bad": """
        steps:
          - type: DELETE
            provider: http
            url: $base_url/api/status/503
            expected_status: [200, 204]
    """, "test_wrong_type": """
        steps:
          - type: GET
            provider: http
            url: $base_url/api/status/200
            expected_status: [ok]
    """})
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines([
        "  expected status one of 200, 204, got 503",
        "  DELETE http://127.0.0.1:*/api/status/503 -> 503 SERVICE UNAVAILABLE in *",
        "  response body: {\"status\": 503}",
    ])
    result.stdout.fnmatch_lines(["  expected_status must be a status code or a list of them, not ['ok']"])


def test_jmespath_stores_a_value_of_the_json_body(run):
    result = run("""
        steps:
          - type: GET
            provider: http
            url: $base_url/api/echo?tag=a&tag=b
            variable: second_tag
            jmespath: args.tag[1]
          - type: assert
            expression: second_tag == 'b'
    """)
    result.assert_outcomes(passed=1)


def test_jmespath_failures_say_what_is_wrong(run):
    result = run({"test_nothing": """
        steps:
          - type: GET
            provider: http
            url: $base_url/api/status/418
            variable: x
            jmespath: items[0].id
    """, "test_not_json": """
        steps:
          - type: GET
            provider: http
            url: $base_url/
            variable: x
            jmespath: id
    """, "test_invalid": """
        steps:
          - type: GET
            provider: http
            url: $base_url/api/status/418
            variable: x
            jmespath: "items[?"
    """})
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(["  invalid jmespath 'items[?': *"])
    result.stdout.fnmatch_lines(["  the response body is not JSON (text/html; charset=utf-8)",
                                 "  GET http://127.0.0.1:*/ -> 200 OK in *",
                                 "  response body: <!doctype html>*"])
    result.stdout.fnmatch_lines(["  jmespath 'items[0].id' matched nothing in the response body",
                                 '  response body: {"status": 418}'])


def test_variable_goes_with_exactly_one_source(run):
    result = run({"test_no_source": """
        steps:
          - type: GET
            provider: http
            url: $base_url/api/echo
            variable: x
    """, "test_no_variable": """
        steps:
          - type: GET
            provider: http
            url: $base_url/api/echo
            jmespath: method
    """})
    result.assert_outcomes(failed=2)
    result.stdout.fnmatch_lines(["  'jmespath' needs 'variable' (the name to store the value in)"])
    result.stdout.fnmatch_lines(["  'variable' needs exactly one of 'variable_expression' or 'jmespath'"])


def test_a_failing_variable_expression_shows_the_exchange(run):
    result = run("""
        steps:
          - type: GET
            provider: http
            url: $base_url/api/status/418
            variable: x
            variable_expression: response.json()['nope']
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  variable_expression failed: KeyError: 'nope'",
                                 "  GET http://127.0.0.1:*/api/status/418 -> 418 I'M A TEAPOT in *"])


def test_expected_json_matches_a_subset_and_reports_the_first_difference(run):
    result = run({"test_match": """
        steps:
          - type: GET
            provider: http
            url: $base_url/api/echo?a=1
            expected_json: {method: GET, args: {a: "1"}, files: []}
    """, "test_differs": """
        steps:
          - type: POST
            provider: http
            url: $base_url/api/echo
            parameters: {json: {items: [{name: pen, n: 1}, {name: ink, n: 2}]}}
            expected_json: {json: {items: [{name: pen}, {name: paper}]}}
    """, "test_length": """
        steps:
          - type: GET
            provider: http
            url: $base_url/api/echo
            expected_json: {files: [x]}
    """})
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines([
        "  the JSON body does not match expected_json at json.items[1].name: expected 'paper', got 'ink'"])
    result.stdout.fnmatch_lines(["  the JSON body does not match expected_json at files: expected 1 items, got 0"])


def test_an_unknown_key_in_parameters_is_rejected_with_a_suggestion(run):
    result = run("""
        steps:
          - type: GET
            provider: http
            url: $base_url/api/echo
            parameters: {header: {X-A: b}}
    """)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  unknown key 'header' in parameters (did you mean 'headers'?) (known: headers, *)"])


# --- masking ---------------------------------------------------------------------------


def test_credentials_never_appear_in_the_output_or_the_junit_report(run, pytester, demo_server):
    secrets = ["LiteralBearer123", "BasicPw!987", "UrlPassw0rd", "QueryKey555",
               "Basic dXNlcjpCYXNpY1B3ITk4Nw==", "mint-session-42"]
    result = run({"test_bearer": """
        steps:
          - type: GET
            provider: http
            url: $base_url/api/echo
            parameters:
              headers: {Authorization: Bearer LiteralBearer123}
              cookies: {session: mint-session-42}
            expected_status: 500
    """, "test_basic": """
        steps:
          - type: GET
            provider: http
            url: $base_url/api/basic
            parameters: {auth: [user, BasicPw!987]}
            assertion: response.ok
    """, "test_url": """
        steps:
          - type: GET
            provider: http
            url: "http://user:UrlPassw0rd@$host/api/status/500?apikey=QueryKey555&page=1"
            expected_status: 200
    """, "test_login": """
        steps:
          - type: POST
            provider: http
            url: $base_url/api/login
            parameters: {json: {username: editor, password: editor}}
            expected_status: 201
    """}, "--junitxml=report.xml", "-rA", host=demo_server.url.split("//")[1])
    result.assert_outcomes(failed=4)
    result.stdout.fnmatch_lines([
        '  step: {*"headers": {"Authorization": "Bearer *****"}, "cookies": {"session": "*****"}}*',
        "  request headers: Authorization: Bearer *****, Cookie: *****",
    ])
    result.stdout.fnmatch_lines(['  step: {*"auth": [[]"user", "*****"[]]}*',
                                 "  request headers: Authorization: Basic *****"])
    result.stdout.fnmatch_lines(['  step: {*"url": "http://user:*****@127.0.0.1:*/api/status/500?apikey=*****&page=1"*',
                                 "  GET http://user:*****@127.0.0.1:*/api/status/500?apikey=*****&page=1 -> 500 *"])
    result.stdout.fnmatch_lines(['  response body: {"role": *, "token": "*****", "username": *}'])
    report = (pytester.path / "report.xml").read_text()
    for secret in secrets:
        assert secret not in result.stdout.str(), secret
        assert secret not in report, secret
