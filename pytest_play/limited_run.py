"""Run a command as a child process group under CPU, memory and wall-clock
limits: how the Jenkins runner runs pasted text (see docs/limits.md)."""

from __future__ import annotations

import contextlib
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

GRACE_SECONDS = 10  # an interrupted run's time to write its report and quit its browsers
WALL_EXIT = 124     # timeout(1)'s exit code for "ran out of time"
FORWARDED = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


@dataclass(frozen=True)
class Limits:
    """What a pasted run may use; 0 is no limit.

    CPU seconds and memory are per process (`setrlimit`, inherited by pytest-xdist
    workers and the browsers); the wall clock is the whole run's, kept by the parent.
    Memory is `RLIMIT_DATA` (what a process allocates), not `RLIMIT_AS`: Chromium
    reserves terabytes of address space that it never uses, and would not start.
    """

    cpu_seconds: int = 300
    memory_mb: int = 2048
    wall_seconds: int = 600

    def __str__(self) -> str:
        cpu, memory, wall = (f"{value} {unit}" if value else "none" for value, unit in (
            (self.cpu_seconds, "s"), (self.memory_mb, "MB"), (self.wall_seconds, "s")))
        return f"CPU {cpu} and memory {memory} a process, wall clock {wall}"

    def apply(self) -> None:
        """Set the limits of this process (run in the child, between fork and exec)."""
        lower(resource.RLIMIT_CORE, 0, 0)  # a killed run leaves no core file in the workspace
        if self.cpu_seconds:  # SIGXCPU at the soft limit, SIGKILL if that is caught
            lower(resource.RLIMIT_CPU, self.cpu_seconds, self.cpu_seconds + GRACE_SECONDS)
        if self.memory_mb:
            lower(resource.RLIMIT_DATA, self.memory_mb << 20, self.memory_mb << 20)


def lower(kind: int, soft: int, hard: int) -> None:
    """Lower a resource limit of this process (never above the limit it already has)."""
    _, current = resource.getrlimit(kind)
    if current != resource.RLIM_INFINITY:
        soft, hard = min(soft, current), min(hard, current)
    resource.setrlimit(kind, (soft, hard))


class LimitedRun:
    """A command run as a child process group under `Limits`.

    The parent keeps the wall clock and passes SIGINT, SIGTERM and SIGHUP on as
    SIGINT, so pytest stops cleanly (report written, browsers quit); a second
    signal, or `GRACE_SECONDS` later, kills the group. Whatever is left in the
    group when the child ends is killed too.
    """

    def __init__(self, argv: Sequence[str], limits: Limits):
        self.limits = limits
        # preexec_fn is safe here: this process runs no threads
        self.child = subprocess.Popen(argv, start_new_session=True, preexec_fn=limits.apply)  # noqa: PLW1509
        self.deadline = time.monotonic() + limits.wall_seconds if limits.wall_seconds else None
        self.kill_at: float | None = None  # set by the first interrupt
        self.stopped: tuple[str, int] | None = None  # the limit that stopped the run, and the exit code

    def interrupt(self, signum=None, frame=None) -> None:
        if self.kill_at is not None:
            self.kill_at = 0.0  # a second signal: no more waiting
            return
        self.kill_at = time.monotonic() + GRACE_SECONDS
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.child.pid, signal.SIGINT)

    def wait(self) -> int:
        """The child's exit code, or non-zero with a line naming the limit that stopped it."""
        previous = {number: signal.signal(number, self.interrupt) for number in FORWARDED}
        try:
            while not self._ended():
                now = time.monotonic()
                if self.deadline is not None and now >= self.deadline and self.stopped is None:
                    self.stopped = f"after the wall-clock limit of {self.limits.wall_seconds} s", WALL_EXIT
                    self.interrupt()
                if self.kill_at is not None and now >= self.kill_at:
                    self._kill_group()
                time.sleep(0.05)
        finally:
            self._kill_group()  # before reaping: the group's id can't be reused yet
            code = self.child.wait()
            for number, handler in previous.items():
                signal.signal(number, handler)
        return self._result(code)

    def _ended(self) -> bool:  # not reaped yet (WNOWAIT)
        return os.waitid(os.P_PID, self.child.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None

    def _kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.child.pid, signal.SIGKILL)

    def _result(self, code: int) -> int:
        if self.stopped is None and code < 0:  # SIGXCPU: the kernel's CPU limit
            cpu = code == -signal.SIGXCPU
            self.stopped = (f"after the CPU limit of {self.limits.cpu_seconds} s" if cpu
                            else f"by {signal.Signals(-code).name}"), 128 - code
        if self.stopped is None:
            return code
        reason, exit_code = self.stopped
        print(f"pytest_play.jenkins: PLAY: stopped {reason}", file=sys.stderr, flush=True)
        return exit_code
