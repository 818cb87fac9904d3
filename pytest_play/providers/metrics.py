"""The `metrics` provider: record values and timings as JUnit properties and variables."""

from __future__ import annotations

import time

from . import BaseProvider, Param, command

_NAME = Param("string", doc="property and variable name")


class MetricsProvider(BaseProvider):
    """Measurements that end up in `--junitxml` as `<property>` entries."""

    def __init__(self, engine):
        super().__init__(engine)
        self._started: dict[str, float] = {}

    def _record(self, name, value):
        self.engine.update_variables({name: value})
        node = getattr(self.engine.request, "node", None)
        if node is not None:
            node.user_properties.append((name, value))
        return value

    @command(name=_NAME, expression=Param("expression", doc="value to record"))
    def command_record_property(self, command, **kwargs):
        """Record the value of `expression` under `name`."""
        return self._record(command["name"], self.engine.evaluate(command["expression"], **kwargs))

    @command(name=_NAME)
    def command_record_elapsed(self, command, **kwargs):
        """Record the previous step's duration in seconds under `name`."""
        return self._record(command["name"], self.engine.variables.get("_elapsed"))

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
        return self._record(name, time.perf_counter() - self._started.pop(name))
