"""A stand-in for a TestRail instance, for tests/test_testrail.py: no real
TestRail is reachable from CI, so this small HTTP server answers the API calls
`trcli parse_junit` makes (API v2, `index.php?/api/v2/...`) for one project
with one suite and a few cases, and records every call (method, endpoint,
JSON body, basic-auth user and password) for the test to check.

It is not TestRail: it knows only what trcli asks in that flow, answers
other GETs with an empty list, and keeps its state in memory.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

STATUSES = [{"id": 1, "name": "passed", "label": "Passed"}, {"id": 2, "name": "blocked", "label": "Blocked"},
            {"id": 3, "name": "untested", "label": "Untested"}, {"id": 4, "name": "retest", "label": "Retest"},
            {"id": 5, "name": "failed", "label": "Failed"}]
PASSED, FAILED = 1, 5


@dataclass
class Call:
    method: str
    endpoint: str
    body: object
    user: str
    password: str


@dataclass
class StandIn:
    """The instance's data: project `Demo` (id 1, single suite), its cases, the runs added."""

    project: str = "Demo"
    cases: dict[int, str] = field(default_factory=lambda: {93466: "login", 93467: "logout", 92411: "search"})
    calls: list[Call] = field(default_factory=list)
    runs: dict[int, dict] = field(default_factory=dict)
    results: list[dict] = field(default_factory=list)
    sections: int = 1

    def page(self, name: str, items: list) -> dict:
        return {"offset": 0, "limit": 250, "size": len(items), "_links": {"next": None, "prev": None}, name: items}

    def case(self, number: int) -> dict:
        return {"id": number, "title": self.cases[number], "section_id": 1, "suite_id": 1, "template_id": 1,
                "type_id": 1, "priority_id": 2, "refs": None, "custom_automation_id": None}

    def get(self, endpoint: str):
        if endpoint == "get_projects":
            return self.page("projects", [{"id": 1, "name": self.project, "suite_mode": 1, "is_completed": False}])
        if endpoint.startswith("get_project/"):
            return {"id": 1, "name": self.project, "suite_mode": 1}
        if endpoint.startswith("get_suites/"):
            return [{"id": 1, "name": "Master", "project_id": 1}]
        if endpoint.startswith("get_suite/"):
            return {"id": 1, "name": "Master", "project_id": 1}
        if endpoint.startswith("get_sections/"):
            return self.page("sections", [{"id": 1, "suite_id": 1, "name": "Tests", "parent_id": None, "depth": 0}])
        if endpoint.startswith("get_cases/"):
            return self.page("cases", [self.case(number) for number in self.cases])
        if endpoint.startswith("get_case/"):
            number = int(re.match(r"get_case/(\d+)", endpoint)[1])
            return self.case(number) if number in self.cases else None
        if endpoint == "get_statuses":
            return STATUSES
        if endpoint.startswith("get_run/"):
            return self.runs.get(int(re.match(r"get_run/(\d+)", endpoint)[1]))
        if endpoint.startswith("get_tests/"):
            run = int(re.match(r"get_tests/(\d+)", endpoint)[1])
            cases = self.runs.get(run, {}).get("case_ids") or list(self.cases)
            return self.page("tests", [{"id": 1000 + c, "case_id": c, "run_id": run, "status_id": 3} for c in cases])
        if endpoint.startswith("get_user_by_email"):
            return {"id": 1, "email": "qa@example.com", "name": "QA"}
        return []

    def post(self, endpoint: str, body):
        if endpoint.startswith("add_run/"):
            run = {"id": len(self.runs) + 1, "project_id": 1, "url": "http://testrail/runs/view/1", **(body or {})}
            self.runs[run["id"]] = run
            return run
        if endpoint.startswith(("update_run/", "close_run/")):
            run = self.runs[int(endpoint.split("/")[1])]
            run.update(body or {})
            return run
        if endpoint.startswith("add_results_for_cases/"):
            self.results += body["results"]
            return [{"id": n, **result} for n, result in enumerate(body["results"], 1)]
        if endpoint.startswith("add_section/"):
            self.sections += 1
            return {"id": self.sections, "suite_id": 1, "parent_id": None, "depth": 0, **(body or {})}
        if endpoint.startswith("add_case/"):
            number = max(self.cases) + 1
            self.cases[number] = (body or {}).get("title", "")
            return self.case(number)
        if endpoint.startswith("add_attachment"):
            return {"attachment_id": 1}
        return {}


def server(rail: StandIn) -> ThreadingHTTPServer:
    """A started server on a free loopback port; `server.url` is the TestRail host to give trcli."""

    class Handler(BaseHTTPRequestHandler):
        def _answer(self, method: str) -> None:
            endpoint = unquote(self.path.split("index.php?/api/v2/", 1)[-1])
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("latin-1")
            user, _, password = base64.b64decode(
                (self.headers.get("Authorization") or "Basic ").split(" ", 1)[1] or "").decode().partition(":")
            rail.calls.append(Call(method, endpoint, body, user, password))
            answer = rail.get(endpoint) if method == "GET" else rail.post(endpoint, body)
            data = json.dumps(answer).encode()
            self.send_response(200 if answer is not None else 400)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self._answer("GET")

        def do_POST(self):
            self._answer("POST")

        def log_message(self, *args):
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd
