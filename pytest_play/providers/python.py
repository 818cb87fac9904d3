"""The `python` provider: assertions, variables, waits and loops on safe expressions."""

from __future__ import annotations

import math

from ..errors import StepError
from ..loader import make_steps
from ..step_helpers import assertion_failed, timeout_seconds
from ..waiting import poll, sleep
from . import BaseProvider, Param, command

_EXPRESSION = Param("expression", doc="a Python expression (see 'Expressions')")
_TIMEOUT = Param("number", required=False, default=10, doc="seconds before giving up; 0 means no limit")
_POLL = Param("number", required=False, default=0.1, doc="seconds between attempts; 0 means none")
_SUB_COMMANDS = Param("steps", required=False, default=[], doc="steps run before each check")
# Rendered on each attempt, so `$name` sees what the sub-commands just stored.
_CONDITION = Param("expression", render=False, doc="a Python expression, checked on each attempt")


class PythonProvider(BaseProvider):
    """Expressions evaluated in a sandbox, with variables as names."""

    @command(expression=_EXPRESSION)
    def command_assert(self, command, **kwargs):
        """Fail the step unless `expression` is true; shows the values of its names."""
        expression = command["expression"]
        if not self.engine.evaluate(expression, **kwargs):
            assertion_failed(self.engine, expression, kwargs)

    @command(name=Param("string", doc="variable to set"), expression=_EXPRESSION)
    def command_store_variable(self, command, **kwargs):
        """Set variable `name` to the value of `expression`."""
        value = self.engine.evaluate(command["expression"], **kwargs)
        self.engine.update_variables({command["name"]: value})
        return value

    @command(expression=_EXPRESSION)
    def command_exec(self, command, **kwargs):
        """Evaluate `expression` and return its value."""
        return self.engine.evaluate(command["expression"], **kwargs)

    @command(seconds=Param("number", doc="how long to sleep; more than the scenario has left fails at once"))
    def command_sleep(self, command, **kwargs):
        """Sleep for `seconds`, within the scenario's time limit."""
        try:
            seconds = float(command["seconds"])
        except (TypeError, ValueError):
            seconds = math.nan
        if not 0 <= seconds < math.inf:
            raise StepError(f"seconds must be a number of seconds >= 0, not {command['seconds']!r}")
        sleep(seconds)

    @command(expression=_CONDITION, timeout=_TIMEOUT, poll=_POLL, sub_commands=_SUB_COMMANDS)
    def command_wait_until(self, command, **kwargs):
        """Run `sub_commands`, then check `expression`; repeat until it is true or time runs out."""
        return self._wait(command, kwargs, wanted=True)

    @command(expression=_CONDITION, timeout=_TIMEOUT, poll=_POLL, sub_commands=_SUB_COMMANDS)
    def command_wait_until_not(self, command, **kwargs):
        """Like `wait_until`, until `expression` is false."""
        return self._wait(command, kwargs, wanted=False)

    @command(expression=_CONDITION, timeout=_TIMEOUT, poll=Param("number", required=False, default=0),
             sub_commands=_SUB_COMMANDS)
    def command_while(self, command, **kwargs):
        """Run `sub_commands` again and again while `expression` is true (bounded by `timeout`)."""
        self._wait(command, kwargs, wanted=False, first_check=True, interval=0)

    def _wait(self, command, kwargs, wanted: bool, first_check: bool = False, interval: float = 0.1):
        """Until `expression` is `wanted`: run the sub-commands, then check (`first_check`: check first)."""
        expression = command["expression"]
        steps = self._sub_steps(command)
        engine = self.engine
        skip_steps = first_check

        # Compiled at collection, its $references resolved at each evaluation, so it sees
        # what the sub-commands just stored; else (a step given as a plain dict) rendered.
        compiled = engine.parsed("expression") is not None

        def attempt():
            nonlocal skip_steps
            if not skip_steps:
                engine.run_steps(steps)
            skip_steps = False
            text = expression if compiled else engine.parametrize_text(expression)
            value = engine.evaluate(text, **kwargs)
            return bool(value) == wanted, engine.names_in(text, **kwargs) or value

        what = f"{expression!r} to be {'true' if wanted else 'false'}"
        return poll(attempt, timeout=timeout_seconds(command.get("timeout", 10)),
                    interval=command.get("poll", interval), waiting_for=what)

    def _sub_steps(self, command):
        raw = command.get("sub_commands") or []
        return make_steps(self.engine.current_step.path, raw, parent=self.engine.current_step)

