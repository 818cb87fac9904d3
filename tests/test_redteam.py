"""The red-team corpus: attacks pasted into the Jenkins PLAY field, each refused,
masked or bounded, and none leaving a trace.

One attempt is one file, `tests/redteam/<family>/<name>.yml`:

    expect: refused        # refused | contained | masked | bounded
    output: "*pattern*"    # optional: for a door that isn't there (no such attribute,
                           # a file looked for only in the build folder), the line the
                           # run prints instead of "refused: pasted scenarios ..."
    canaries: [name]       # optional: files that must not appear in the watched directory
    within: 30             # bounded: the run must end within this many seconds
    scenario: |
      - {type: ..., url: "$listener_url"}

Each attempt runs twice, as pasted text (`--play-text`) and as a pasted file
(`--play-file`), in a real pytest process, with variables that name the
recorders: `$outside` (a watched directory outside the build folder, also
reachable as the symlink `build/link`), `$listener_url` / `$listener_host` /
`$listener_port` (a loopback socket that must see no connection),
`$redirector_url` (an allowed server that redirects to the listener),
`$base_url` (the demo app, allowed), and secrets (`$password`, `$api_token`,
`$db_password`, `$basic_user`/`$basic_password`). After every run: no
INTERNALERROR, the watched directory is unchanged, the listener saw nothing;
then the expectation is checked. `refused` wants the rule's message (or the
sandbox's "is not allowed" from the check before the run); `contained` lets the
run pass, its files staying inside the build folder. `masked` searches the output, the JUnit file
and every file the run wrote for each secret raw, JSON- and repr-escaped,
URL-encoded (quote, quote_plus), as HTTP Basic base64, and for the first 16
characters of the long token (a value cut before it was masked).
"""

from __future__ import annotations

import base64
import http.server
import json
import socket
import threading
import time
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
import yaml

CORPUS = Path(__file__).parent / "redteam"
ATTEMPTS = sorted(CORPUS.glob("*/*.yml"))
SECRETS = {
    "password": 'Back\\slash"Quote9!',
    "api_token": "tok-" + "Z9y8x7W6" * 30,
    "db_password": "Hunter2-Secret!",
    "basic_user": "alice",
    "basic_password": "Open-Sesame-42",
}
BROWSER = ("--play-browser", "chrome", "--play-headless")


class Listener:
    """A loopback TCP socket that counts the connections it is offered."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self):
        self.sock.close()


@pytest.fixture(scope="module")
def listener():
    listener = Listener()
    yield listener
    listener.close()


@pytest.fixture(scope="module")
def redirector(listener):
    """An allowed HTTP server whose every answer is a redirect to the listener."""
    target = f"http://127.0.0.1:{listener.port}/stolen"

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            self.send_response(302)
            self.send_header("Location", target)
            self.end_headers()

        do_POST = do_GET  # noqa: N815

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() if path.is_file() else b"<dir>"
            for path in sorted(folder.rglob("*"))}


def secret_forms() -> dict[str, str]:
    forms = {}
    for name in ("password", "api_token", "db_password", "basic_password"):
        value = SECRETS[name]
        forms.update({f"{name} raw": value, f"{name} json": json.dumps(value)[1:-1],
                      f"{name} repr": repr(value)[1:-1], f"{name} quote": quote(value, safe=""),
                      f"{name} quote/": quote(value), f"{name} quote_plus": quote_plus(value)})
    basic = f"{SECRETS['basic_user']}:{SECRETS['basic_password']}".encode()
    forms["basic base64"] = base64.b64encode(basic).decode()
    forms["token start"] = SECRETS["api_token"][:16]
    return forms


@pytest.fixture
def attack(pytester, tmp_path_factory, demo_server, listener, redirector):
    outside = tmp_path_factory.mktemp("outside")
    (outside / "steps.yml").write_text("- {type: assert, provider: python, expression: 'True'}\n")
    (outside / "secret.txt").write_text("not for pasted scenarios\n")
    (pytester.path / "build").mkdir()
    (pytester.path / "build" / "link").symlink_to(outside, target_is_directory=True)
    variables = {
        "base_url": demo_server.url, "outside": str(outside),
        "listener_url": f"http://127.0.0.1:{listener.port}", "listener_host": "127.0.0.1",
        "listener_port": listener.port, "redirector_url": redirector, **SECRETS,
        "pytest-play": {"untrusted_may_reach": [demo_server.url, redirector]},
    }
    (pytester.path / "env.yml").write_text(yaml.safe_dump(variables))

    def run(scenario: str, how: str, within: float):
        before, offered = snapshot(outside), listener.connections
        if how == "text":
            source = ("--play-text", scenario)
        else:
            (pytester.path / "bug.yml").write_text(scenario)
            source = ("--play-file", "bug.yml")
        started = time.monotonic()
        result = pytester.runpytest_subprocess(
            *source, "--variables", "env.yml", *BROWSER, "-p", "no:randomly",
            "--junitxml", "build/junit.xml", "-o", "junit_logging=all", "--play-artifacts", "build/artifacts",
            "-o", "log_cli=true", "--log-cli-level=DEBUG", timeout=within + 30)
        elapsed = time.monotonic() - started
        output = result.stdout.str() + result.stderr.str()
        assert "INTERNALERROR" not in output, output
        assert snapshot(outside) == before, "the watched directory changed"
        assert listener.connections == offered, "the listener was reached"
        return result, output, elapsed, outside

    return run


def written_text(root: Path) -> str:
    texts = []
    for path in (root / "build").rglob("*"):
        if path.is_file() and not path.is_symlink() and path.parent.name != "play":
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    return "\n".join(texts)


@pytest.mark.parametrize("how", ["text", "file"])
@pytest.mark.parametrize("path", ATTEMPTS, ids=lambda path: f"{path.parent.name}/{path.stem}")
def test_every_attempt_is_refused_masked_or_bounded(pytester, attack, path, how):
    attempt = yaml.safe_load(path.read_text())
    within = float(attempt.get("within", 60))
    result, output, elapsed, outside = attack(attempt["scenario"], how, within)
    for canary in attempt.get("canaries", []):
        assert not (outside / canary).exists()
    expect = attempt["expect"]
    if expect == "refused":  # a step fails, or the check before the run stops it (exit 4)
        assert result.ret in (1, 4), output
        if attempt.get("output"):  # a door that is not there: its own words
            result.stdout.fnmatch_lines([attempt["output"]])
        else:
            assert "refused: pasted scenarios" in output or "is not allowed" in output, output
    elif expect == "contained":  # it may run: what it writes stays in the build folder
        assert result.ret in (0, 1), output
    elif expect == "bounded":
        assert result.ret == 1, output
        assert elapsed < within, f"took {elapsed:.1f}s"
    elif expect == "masked":
        everything = output + written_text(pytester.path)
        leaked = [form for form, text in secret_forms().items() if text in everything]
        assert not leaked, leaked
    else:
        pytest.fail(f"{path}: unknown expect {expect!r}")


def test_the_corpus_has_every_family_and_at_least_sixty_attempts():
    families = {}
    for path in ATTEMPTS:
        attempt = yaml.safe_load(path.read_text())
        assert attempt["expect"] in ("refused", "contained", "masked", "bounded"), path
        families[path.parent.name] = families.get(path.parent.name, 0) + 1
    assert set(families) == {"files", "network", "secrets", "exhaustion", "paths"}
    assert sum(families.values()) >= 60
