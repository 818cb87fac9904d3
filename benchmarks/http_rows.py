"""Row e: 1,000 HTTP GETs, each checked (status 200 and the JSON body), three ways.

- ours: one scenario of 1,000 `play_requests` GET steps, each with
  `assertion: response.status_code == 200 and response.json()['status'] == 200`;
- the floor: one plain pytest test looping over a `requests.Session`, making
  the same check;
- Tavern 3.7.1 (its own venv): one test of 1,000 stages checking
  `status_code: 200` and `json: {status: 200}`.

Every side is a full pytest run, so start-up is on all of them. Two servers:
the keep-alive JSON server of `servers.py` (the target's reading: it costs
~0.1 ms a request, so the ratio shows the client-side overhead) and the demo
app itself (werkzeug 3.1 closes every connection, so each request also pays a
new TCP connection and a server thread).
"""

from __future__ import annotations

import json
from pathlib import Path

from .harness import WORK, BenchmarkError, fresh_dir, interleaved, pytest_command
from .report import Row, add_check
from .servers import demo_app, keep_alive_json_server
from .venvs import TAVERN, ensure_venv, package_version

PATH = "/api/status/200"
CHECK = "response.status_code == 200 and response.json()['status'] == 200"


def build(requests: int) -> Path:
    root = fresh_dir(WORK / "e-http")
    steps = [{"type": "GET", "provider": "play_requests", "url": f"$base_url{PATH}", "assertion": CHECK}
             for _ in range(requests)]
    (root / "ours").mkdir()
    (root / "ours" / "test_gets.json").write_text(json.dumps({"steps": steps}, indent=1))
    (root / "floor").mkdir()
    (root / "floor" / "test_gets.py").write_text(f'''import json
import pathlib

import requests


def test_gets():
    base_url = json.loads(pathlib.Path("vars.json").read_text())["base_url"]
    with requests.Session() as session:
        for _ in range({requests}):
            response = session.get(base_url + "{PATH}", timeout=30)
            assert {CHECK}
''')
    (root / "tavern").mkdir()
    stages = []
    for number in range(requests):
        stages += [f"  - name: get {number}",
                   "    request:",
                   f'      url: "{{base_url}}{PATH}"',
                   "      method: GET",
                   "    response:",
                   "      status_code: 200",
                   "      json:",
                   "        status: 200"]
    (root / "tavern" / "test_gets.tavern.yaml").write_text("test_name: gets\nstages:\n" + "\n".join(stages) + "\n")
    return root


def _write_vars(root: Path, base_url: str) -> None:
    (root / "vars.json").write_text(json.dumps({"base_url": base_url}))
    (root / "tavern-global.yaml").write_text(f"variables:\n  base_url: {base_url}\n")


def row_e(requests: int, repeats: int, log=print) -> Row:
    row = Row("e", f"HTTP: {requests:,} GET steps")
    root = build(requests)
    tavern_python = None
    try:
        tavern_python = ensure_venv(TAVERN, log)
    except BenchmarkError as error:
        row.notes.append(f"Tavern not measured: its venv could not be built ({error})")
    for server_name, server in (("keep-alive server", keep_alive_json_server), ("demo app", demo_app)):
        with server() as base_url:
            _write_vars(root, base_url)
            runs = {
                f"ours, {server_name}": (pytest_command("-q", "--variables", "vars.json", "ours"), root, None),
                f"raw requests.Session loop, {server_name}": (pytest_command("-q", "floor"), root, None),
            }
            if tavern_python:
                runs[f"Tavern 3.7.1, {server_name}"] = (
                    [str(tavern_python), "-m", "pytest", "-p", "no:cacheprovider", "-q", "tavern",
                     "--tavern-global-cfg", "tavern-global.yaml"], root, None)
            timings = interleaved(runs, repeats)
        for label, timing in timings.items():
            if "1 passed" not in timing.output:
                raise BenchmarkError(f"{label}: expected 1 passed, got {timing.output.strip().splitlines()[-1:]}")
        row.timings += timings.values()
        add_check(row, f"time of the raw floor ({server_name})", f"ours, {server_name}",
                  f"raw requests.Session loop, {server_name}", "<=", 1.2 if server_name == "keep-alive server" else None)
        if tavern_python:
            add_check(row, f"time of Tavern 3.7.1 ({server_name})", f"ours, {server_name}",
                      f"Tavern 3.7.1, {server_name}", "<=", None)
    if tavern_python:
        row.notes.append(f"Tavern venv: tavern {package_version(tavern_python, 'tavern')}, "
                         f"pytest {package_version(tavern_python, 'pytest')}. "
                         "Reference given in the issue for this machine: Tavern 3.55 s, raw floor 0.91 s.")
    row.notes.append("Target applied to the keep-alive server (the strict reading: the client side dominates). "
                     "The demo app (werkzeug 3.1, `Connection: close` on every answer) is shown for information.")
    row.notes.append(f"Each request: GET {PATH}, checked `{CHECK}` (Tavern: `status_code: 200`, "
                     "`json: {status: 200}`).")
    return row
