"""Throwaway PostgreSQL and Mosquitto servers for tests.

Each server lives in its own temporary directory, listens on 127.0.0.1 and a
free port, and is stopped (and its directory removed) by ``stop()``, by the
``with`` block or, as a last resort, at interpreter exit.  A missing binary
raises :class:`ServiceUnavailable`, which tests turn into a skip.
"""

import atexit
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

STARTUP_TIMEOUT = 30.0


class ServiceUnavailable(Exception):
    """The service cannot run on this machine (e.g. its binary is missing)."""


def free_port():
    """A TCP port of 127.0.0.1 that nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(host, port, timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# MQTT 3.1.1 CONNECT with an empty client id, and the CONNACK accepting it
MQTT_CONNECT = bytes.fromhex("100c00044d5154540402003c0000")
MQTT_CONNACK = bytes.fromhex("20020000")


def mqtt_broker_answers(host, port, timeout=0.5):
    """True when an MQTT broker (not just anything) listens on the port."""
    try:
        with socket.create_connection((host, port), timeout=timeout) as sock:
            sock.sendall(MQTT_CONNECT)
            return sock.recv(4) == MQTT_CONNACK
    except OSError:
        return False


def log_tail(path, lines=20):
    try:
        return "\n".join(Path(path).read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_until(ready, process, what, log_path, timeout=STARTUP_TIMEOUT):
    """Poll ``ready()`` until true; fail early if the process died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{what} exited with code {process.returncode}:\n"
                f"{log_tail(log_path)}")
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(
        f"{what} not ready after {timeout} s:\n{log_tail(log_path)}")


def die_with_us(args, signal_name):
    """Prefix a server command so the kernel sends it ``signal_name`` when
    the thread that started it dies, even by SIGKILL (Linux ``setpriv``;
    unchanged elsewhere).  atexit alone cannot cover a killed test run."""
    setpriv = shutil.which("setpriv")
    if not setpriv:
        return list(args)
    return [setpriv, "--pdeathsig", signal_name, "--", *args]


def stop_process(process, timeout=10):
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


class _Service:
    """Start/stop bookkeeping shared by the servers."""

    host = "127.0.0.1"

    def __init__(self, die_with_parent=True):
        # die_with_parent: the server is bound to the starting *thread*;
        # pass False when starting it from a short-lived thread
        self.die_with_parent = die_with_parent
        self.port = None
        self.tempdir = None
        self.process = None

    def _command(self, args, signal_name):
        return die_with_us(args, signal_name) if self.die_with_parent else args

    def _spawn_on_free_port(self, spawn, ready, what, attempts=3):
        """``spawn()`` the server on ``free_port()`` and wait for ``ready()``;
        try another port if someone took ours in between."""
        for attempt in range(attempts):
            self.port = free_port()
            self.process = spawn()
            try:
                wait_until(ready, self.process, what, self.log_path)
                return
            except RuntimeError:
                port_taken = "already in use" in log_tail(self.log_path, 5)
                if not port_taken or attempt == attempts - 1:
                    raise
                stop_process(self.process)

    def start(self):
        if self.process is None:
            atexit.register(self.stop)
            try:
                self._start()
            except BaseException:
                self.stop()
                raise
        return self

    def stop(self):
        try:
            self._stop()
        finally:
            self.process = None
            if self.tempdir:
                shutil.rmtree(self.tempdir, ignore_errors=True)
                self.tempdir = None
            atexit.unregister(self.stop)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc_info):
        self.stop()


def find_postgres_binary(name):
    """The newest PostgreSQL's ``name`` binary, else the one on PATH."""
    def version(path):
        number = Path(path).parent.parent.name
        return int(number) if number.isdigit() else 0

    candidates = sorted(
        glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=version, reverse=True)
    found = candidates[0] if candidates else shutil.which(name)
    if not found:
        raise ServiceUnavailable(
            f"PostgreSQL's {name} not found (install the postgresql package)")
    return found


class PostgresServer(_Service):
    """A PostgreSQL cluster of its own; ``url`` is its ``postgres`` database."""

    user = "postgres"

    def __init__(self, die_with_parent=True):
        super().__init__(die_with_parent)
        self.initdb = find_postgres_binary("initdb")
        self.pg_ctl = find_postgres_binary("pg_ctl")
        self.postgres = find_postgres_binary("postgres")
        self.run_as = self._system_user()

    @staticmethod
    def _system_user():
        """PostgreSQL refuses to run as root: use the postgres account then."""
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam("postgres")
        except KeyError:
            raise ServiceUnavailable(
                "running as root but there is no 'postgres' system user") from None

    @property
    def data_dir(self):
        return os.path.join(self.tempdir, "data")

    @property
    def log_path(self):
        return os.path.join(self.tempdir, "postgres.log")

    @property
    def url(self):
        return self.url_for("postgres")

    def url_for(self, database):
        """SQLAlchemy URL of a database of this server."""
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def _run(self, args, **kwargs):
        """Run or spawn a binary as the postgres user if we are root."""
        if self.run_as:
            kwargs.update(user=self.run_as.pw_uid, group=self.run_as.pw_gid,
                          extra_groups=[])
        return subprocess.Popen(args, cwd=self.tempdir, **kwargs)

    def _start(self):
        self.tempdir = tempfile.mkdtemp(prefix="pytest-play-pg-")
        if self.run_as:
            os.chown(self.tempdir, self.run_as.pw_uid, self.run_as.pw_gid)
        self._initdb()
        self._spawn_on_free_port(
            self._spawn_postgres, self._accepts_connections, "PostgreSQL")

    def _spawn_postgres(self):
        with open(self.log_path, "ab") as log:
            # SIGQUIT: immediate shutdown, which also ends the backends
            return self._run(self._command([
                self.postgres, "-D", self.data_dir, "-h", self.host,
                "-p", str(self.port), "-k", self.tempdir,
                # throwaway data: durability is not worth the time
                "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "max_connections=50",
                "-c", "shared_buffers=32MB",
            ], "QUIT"), stdout=log, stderr=subprocess.STDOUT)

    def _initdb(self):
        with open(self.log_path, "ab") as log:
            process = self._run([
                self.initdb, "-D", self.data_dir, "-A", "trust", "-U", self.user,
                "-E", "UTF8", "--locale=C", "--no-sync",
            ], stdout=log, stderr=subprocess.STDOUT)
        try:
            code = process.wait(STARTUP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            code = "timeout"
        if code != 0:
            raise RuntimeError(f"initdb failed ({code}):\n{log_tail(self.log_path)}")

    def _accepts_connections(self):
        import psycopg
        try:
            with psycopg.connect(host=self.host, port=self.port, user=self.user,
                                 dbname="postgres", connect_timeout=2):
                return True
        except psycopg.OperationalError:
            return False

    def create_database(self, name):
        """Create an empty database and return its SQLAlchemy URL."""
        import psycopg
        from psycopg import sql
        with psycopg.connect(host=self.host, port=self.port, user=self.user,
                             dbname="postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return self.url_for(name)

    def _stop(self):
        if self.process is None or self.process.poll() is not None:
            return
        # immediate: no checkpoint, the data is thrown away anyway
        stopper = self._run(
            [self.pg_ctl, "stop", "-D", self.data_dir, "-m", "immediate",
             "-w", "-t", "20"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            stopper.wait(25)
        except subprocess.TimeoutExpired:
            stopper.kill()
            stopper.wait()
        stop_process(self.process)


def find_mosquitto():
    found = shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if os.path.exists("/usr/sbin/mosquitto") else None)
    if not found:
        raise ServiceUnavailable(
            "mosquitto not found (install the mosquitto package)")
    return found


class MosquittoServer(_Service):
    """A Mosquitto MQTT broker accepting anonymous clients."""

    def __init__(self, die_with_parent=True):
        super().__init__(die_with_parent)
        self.binary = find_mosquitto()

    @property
    def log_path(self):
        return os.path.join(self.tempdir, "mosquitto.log")

    def _start(self):
        self.tempdir = tempfile.mkdtemp(prefix="pytest-play-mqtt-")
        self._spawn_on_free_port(
            self._spawn, lambda: mqtt_broker_answers(self.host, self.port),
            "mosquitto")

    def _spawn(self):
        config = os.path.join(self.tempdir, "mosquitto.conf")
        with open(config, "w") as conf:
            conf.write(
                f"listener {self.port} {self.host}\n"
                "allow_anonymous true\n"
                "persistence false\n"
                "log_dest stderr\n"
                # as root mosquitto would switch user, which makes the
                # kernel forget the parent-death signal
                + ("user root\n" if os.geteuid() == 0 else ""))
        with open(self.log_path, "ab") as log:
            return subprocess.Popen(
                self._command([self.binary, "-c", config], "TERM"),
                cwd=self.tempdir, stdout=log, stderr=subprocess.STDOUT)

    def _stop(self):
        stop_process(self.process)
