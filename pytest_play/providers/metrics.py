"""The `metrics` provider: record values and timings as JUnit properties and variables.

With `--stats-d` they also go to statsd, as pytest-play 2.x sent them:
`record_elapsed` and `record_elapsed_stop` as timings in milliseconds, and
`record_property` when its `metric_type` is `timing` (its value as it is, in
milliseconds) or `gauge`. The flags
(`--stats-d --stats-host --stats-port --stats-prefix`) are pytest-statsd's; when
it is not installed pytest-play declares the same ones, as 2.x did.
"""

from __future__ import annotations

import importlib.util
import math
import socket
import time

import pytest

from ..errors import StepError
from . import BaseProvider, Param, command

_NAME = Param("string", doc="property and variable name")
METRIC_TYPES = ("timing", "gauge")
_SENDER = pytest.StashKey["Statsd"]()


class MetricsProvider(BaseProvider):
    """Measurements that end up in `--junitxml` as `<property>` entries (and in statsd with --stats-d)."""

    def __init__(self, engine):
        super().__init__(engine)
        self._started: dict[str, float] = {}

    def _record(self, name, value, metric_type=None, seconds=False):
        self.engine.update_variables({name: value})
        node = getattr(self.engine.request, "node", None)
        if node is not None:
            node.user_properties.append((name, value))
        if metric_type is not None:
            sender = statsd_sender(getattr(self.engine.request, "config", None))
            if sender is not None:
                text = str(value)
                if self.engine.masker()(text) != text:
                    raise StepError(f"metric {name!r}: its value is secret, so it is not sent to statsd")
                sender.send(name, value, metric_type, seconds)
        return value

    @command(name=_NAME, expression=Param("expression", doc="value to record"),
             metric_type=Param("string", required=False, choices=METRIC_TYPES,
                               doc="with --stats-d, also send the value to statsd as a timing (a number of "
                                   "milliseconds, sent as it is) or a gauge"))
    def command_record_property(self, command, **kwargs):
        """Record the value of `expression` under `name`."""
        value = self.engine.evaluate(command["expression"], **kwargs)
        return self._record(command["name"], value, command.get("metric_type"))

    @command(name=_NAME)
    def command_record_elapsed(self, command, **kwargs):
        """Record the previous step's duration in seconds under `name`."""
        elapsed = self.engine.variables.get("_elapsed")
        return self._record(command["name"], elapsed, "timing" if elapsed is not None else None, seconds=True)

    @command(name=_NAME)
    def command_record_elapsed_start(self, command, **kwargs):
        """Start a timer called `name`."""
        self._started[command["name"]] = time.perf_counter()

    @command(name=_NAME)
    def command_record_elapsed_stop(self, command, **kwargs):
        """Stop timer `name` and record the seconds since its start."""
        name = command["name"]
        if name not in self._started:
            raise KeyError(f"timer {name!r} was never started (use record_elapsed_start first)")
        return self._record(name, time.perf_counter() - self._started.pop(name), "timing", seconds=True)


def add_statsd_options(parser: pytest.Parser) -> None:
    """pytest-statsd's flags, when pytest-statsd is not installed to declare them itself."""
    if importlib.util.find_spec("pytest_statsd") is not None:
        return
    group = parser.getgroup("play")
    group.addoption("--stats-d", action="store_true", default=False, dest="stats_d",
                    help="send metrics steps' values to statsd (pytest-statsd's flag)")
    group.addoption("--stats-host", dest="stats_host", metavar="HOST", default="localhost",
                    help="statsd host (default: localhost)")
    group.addoption("--stats-port", dest="stats_port", metavar="PORT", default=8125, type=int,
                    help="statsd UDP port (default: 8125)")
    group.addoption("--stats-prefix", dest="stats_prefix", metavar="PREFIX", default=None,
                    help="prefix of every metric name (PREFIX.name)")


def statsd_sender(config: pytest.Config | None) -> Statsd | None:
    """The session's statsd destination, or None without --stats-d."""
    if config is None or not config.getoption("stats_d", False):
        return None
    sender = config.stash.get(_SENDER, None)
    if sender is None:
        sender = config.stash[_SENDER] = Statsd(config.getoption("stats_host", "localhost"),
                                                config.getoption("stats_port", 8125),
                                                config.getoption("stats_prefix", None))
    return sender


class Statsd:
    """Sends metrics with pytest-statsd's client library (`statsd`) when it is installed, else the
    same lines (`prefix.name:12.500000|ms`, `prefix.name:3|g`) in one UDP datagram of our own."""

    def __init__(self, host: str, port, prefix: str | None):
        self.host = host
        self.prefix = prefix
        try:
            self.port = int(port)
        except (TypeError, ValueError):
            raise StepError(f"--stats-port must be a port number, not {port!r}") from None

    def send(self, name: str, value, metric_type: str, seconds: bool = False) -> None:
        """Send `value` (in seconds when `seconds`: statsd's timings are milliseconds)."""
        number = _number(name, value, metric_type)
        if seconds:
            number *= 1000
        try:
            client = self._client()
            if client is None:
                self._send_lines(self.lines(name, number, metric_type))
                return
            try:
                getattr(client, metric_type)(name, number)
            finally:
                getattr(client, "close", lambda: None)()
        except OSError as exc:  # the host can't be resolved, or the network refuses
            raise StepError(f"statsd: can't send {name!r} to {self.host}:{self.port}: {exc}") from None

    def _client(self):
        try:
            import statsd
        except ImportError:
            return None
        return statsd.StatsClient(self.host, self.port, prefix=self.prefix)

    def lines(self, name: str, number: float, metric_type: str) -> list[str]:
        stat = f"{self.prefix}.{name}" if self.prefix else name
        if metric_type == "timing":
            return [f"{stat}:{number:0.6f}|ms"]
        # A negative gauge would read as a decrement: set 0 first, as statsd's client does.
        return ([f"{stat}:0|g"] if number < 0 else []) + [f"{stat}:{number}|g"]

    def _send_lines(self, lines: list[str]) -> None:
        family, kind, proto, _, address = socket.getaddrinfo(self.host, self.port, socket.AF_INET,
                                                             socket.SOCK_DGRAM)[0]
        with socket.socket(family, kind, proto) as sock:
            sock.sendto("\n".join(lines).encode("utf-8"), address)


def _number(name: str, value, metric_type: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise StepError(f"metric {name!r}: a statsd {metric_type} needs a number, not {type(value).__name__} "
                        f"(its value is recorded, but can't be sent)")
    return value
