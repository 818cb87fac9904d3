"""Timing helpers shared by every benchmark row.

Each measurement is a whole pytest run in a fresh subprocess, timed wall-clock
from spawn to exit, so interpreter and pytest start-up are on both sides of
every comparison. A run is repeated and the median is kept.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"

# Installed on this machine but part of no workload: every timed run of the
# main environment leaves them out, whichever side it measures.
MAIN_ENV_OFF = ("-p", "no:hypothesispytest", "-p", "no:benchmark", "-p", "no:randomly", "-p", "no:cacheprovider")
# pytest-play 2.3.1 needs pytest<5, whose assertion rewriting breaks on Python 3.11.
OLD_PLAY_FLAGS = ("-p", "no:cacheprovider", "--assert=plain")

PYTEST_INI = "[pytest]\n"


class BenchmarkError(RuntimeError):
    """A workload could not be measured; the row shows the message."""


@dataclass
class Timing:
    """The wall-clock times of repeated runs of one command."""

    label: str
    times: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    output: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.times)

    @property
    def cpu_median(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu else None

    def add(self, wall: float, cpu: float, output: str) -> None:
        self.times.append(wall)
        self.cpu.append(cpu)
        self.output = output


def pytest_command(*args: str, python: str | Path = sys.executable, main_env: bool = True) -> list[str]:
    flags = MAIN_ENV_OFF if main_env else OLD_PLAY_FLAGS
    return [str(python), "-m", "pytest", *flags, *args]


def clean_env(extra: dict | None = None) -> dict:
    """The environment of a timed run: no inherited pytest options or plugin autoload tricks."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTEST_", "PYTHONBREAKPOINT")) and k not in ("PYTHONDONTWRITEBYTECODE",)}
    env["PYTHONHASHSEED"] = "0"
    env.update(extra or {})
    return env


def run_once(command: list[str], cwd: Path, env: dict | None = None, timeout: float = 900,
             expect_ok: bool = True) -> tuple[float, float, str]:
    """Run `command` once; return (wall seconds, CPU seconds of the process tree, output).

    CPU time (user + system, from wait4) is kept beside wall-clock time: on a
    busy machine it is the steadier of the two for CPU-bound rows.
    """
    with tempfile.TemporaryFile(mode="w+b") as output:
        start = time.perf_counter()
        process = subprocess.Popen(command, cwd=cwd, env=env or clean_env(), stdout=output,
                                   stderr=subprocess.STDOUT)
        try:
            _, status, usage = _wait4(process, timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise BenchmarkError(f"timed out after {timeout:g}s: {' '.join(command[:8])} ...") from None
        elapsed = time.perf_counter() - start
        cpu = usage.ru_utime + usage.ru_stime
        output.seek(0)
        text = output.read().decode("utf-8", "replace")
    code = os.waitstatus_to_exitcode(status)
    if expect_ok and code != 0:
        tail = "\n".join(text.strip().splitlines()[-25:])
        raise BenchmarkError(f"exit code {code} in {cwd}: {' '.join(command)}\n{tail}")
    return elapsed, cpu, text


def _wait4(process: subprocess.Popen, timeout: float):
    """os.wait4 with a timeout; the rusage covers the child and its waited-for children."""
    deadline = time.monotonic() + timeout
    delay = 0.0005
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return pid, status, usage
        if time.monotonic() > deadline:
            raise subprocess.TimeoutExpired(process.args, timeout)
        time.sleep(delay)
        delay = min(delay * 2, 0.01)


def warm_up_command(command: list[str]) -> list[str]:
    """A cheap run that imports and caches what the timed runs will use."""
    if "-m" in command and "pytest" in command and "--collect-only" not in command:
        return [*command, "--collect-only", "-q"]
    return command


def interleaved(measurements: dict[str, tuple[list[str], Path, dict | None]], repeats: int,
                warmup: bool = True, timeout: float = 900,
                before: dict[str, Callable[[], None]] | None = None) -> dict[str, Timing]:
    """Median-able timings of several commands, run in turns (A B C, A B C, ...).

    Turns make drift in machine load hit every side alike. One untimed
    `--collect-only` warm-up per command first fills the OS file cache and
    pytest's cache of rewritten test modules (`__pycache__`): the steady
    state of a developer re-running tests. `before[label]`, when given, runs
    untimed before each of that command's runs (e.g. `drop_caches`).
    """
    timings = {label: Timing(label) for label in measurements}
    before = before or {}
    if warmup:
        for label, (command, cwd, env) in measurements.items():
            run_once(warm_up_command(command), cwd, env, timeout)
    for _ in range(repeats):
        for label, (command, cwd, env) in measurements.items():
            if label in before:
                before[label]()
            timings[label].add(*run_once(command, cwd, env, timeout))
    return timings


def drop_caches(folder: Path) -> Callable[[], None]:
    """A function that deletes every `__pycache__` under `folder`: Python's `.pyc` files
    and pytest-play's parse cache, which live there (a first run after a checkout)."""
    import shutil

    def drop() -> None:
        for cache in folder.rglob("__pycache__"):
            shutil.rmtree(cache, ignore_errors=True)

    return drop


def fresh_dir(path: Path) -> Path:
    """An empty directory with its own pytest.ini, so no conftest or ini from the repo applies."""
    import shutil

    if path.exists():
        shutil.rmtree(path)
    path.mkdir(parents=True)
    (path / "pytest.ini").write_text(PYTEST_INI)
    return path


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def machine_description() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "CPU": cpu,
        "Cores": str(os.cpu_count()),
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
        "pytest": _version("pytest"),
        "pytest-play (ours)": _version("pytest-play"),
        "pytest-xdist": _version("pytest-xdist"),
        "selenium": _version("selenium"),
        "requests": _version("requests"),
        "Chromium": _command_version(["/usr/bin/chromium", "--version"]),
    }


def _version(distribution: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(distribution)
    except PackageNotFoundError:
        return "not installed"


def _command_version(command: list[str]) -> str:
    try:
        return subprocess.run(command, capture_output=True, text=True, timeout=30,
                              check=False).stdout.strip() or "unknown"
    except (OSError, subprocess.TimeoutExpired):
        return "not installed"
