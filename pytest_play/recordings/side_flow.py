"""Selenium IDE control flow (`if`/`elseIf`/`else`, `while`, `times`, `do`/`repeatIf`, `end`)
as our steps.

A condition is the IDE's: JavaScript evaluated in the page (`${name}` substituted).
Its result is stored once, where the IDE evaluates it, in a variable `side_if_N_K`
('yes' or 'no'); the steps of the branch then carry `condition:` testing that
variable (all enclosing branches together), so a step that changes the page does
not change which branch runs. Loops become the python provider's `while` with the
loop's steps as `sub_commands` (no time limit but the scenario's); `times N` counts
in `side_times_N`. Every variable starts as 'no' (or 0) at the start of the test.
`forEach` and `break` are refused.
"""

from __future__ import annotations

import re

from .common import Translated

OPENERS = ("if", "while", "times", "do")


class Frame:
    """An open block: where its steps go and the conditions they carry."""

    def __init__(self, kind: str, sink: list):
        self.kind, self.sink = kind, sink
        self.js: str | None = None      # the condition of the current branch (None: always)
        self.py: str | None = None      # the same in Python (for the python provider's `while`)
        self.branches: list[str] = []   # if: the variables of the branches so far
        self.tail: list[dict] = []      # loops: steps run at the end of each pass
        self.variable: str | None = None  # do: the variable repeatIf sets


class ControlFlow:
    """Mixin of the `.side` translator: the block stack and conditional emission."""

    def start_flow(self) -> None:
        self.frames: list[Frame] = []
        self.initial: list[Translated] = []
        self.counter = 0

    def sink(self) -> list:
        return self.frames[-1].sink if self.frames else self.out

    def conditions(self) -> tuple[list[str], list[str]]:
        """The JavaScript and Python conditions of the enclosing branches (innermost loop down)."""
        js, py = [], []
        for frame in reversed(self.frames):
            if frame.js is not None:
                js.append(frame.js)
                py.append(frame.py)
            if frame.kind != "if":
                break  # a loop's steps only run inside it: its own condition held
        return js[::-1], py[::-1]

    def conditioned(self, data: dict) -> dict:
        js, py = self.conditions()
        if not js:
            return data
        if data.get("provider") == "python":
            if data["type"] == "while":
                return {**data, "expression": " and ".join(f"({c})" for c in [*py, data["expression"]])}
            raise self.Refused(f"{data['type']!r} inside an if block is not supported")
        return {**data, "condition": " && ".join(f"({c})" for c in js)}

    def variable(self, kind: str, initial) -> str:
        self.counter += 1
        name = f"side_{kind}_{self.counter}"
        line, label, source = self.here
        self.initial.append(Translated({"type": "store", "variable": name, "text": initial}, line, label,
                                       f"{source} (starts as {initial!r})"))
        return name

    def flow_command(self, name: str, target: str) -> None:
        getattr(self, f"_flow_{name}")(target)

    def _yes_no(self, script: str) -> str:
        # a `return` statement: the condition stays an expression even with a function inside it
        return f"return ({script}) ? 'yes' : 'no';"

    def _flow_if(self, target: str) -> None:
        variable = self.variable("if", "no")
        self.emit({"type": "storeEval", "script": self._yes_no(self.js(target)), "variable": variable})
        frame = Frame("if", self.sink())
        frame.branches.append(variable)
        frame.js, frame.py = f"'${{{variable}}}' === 'yes'", f"{variable} == 'yes'"
        self.frames.append(frame)

    def _flow_elseIf(self, target: str) -> None:
        frame = self._block("if", "elseIf")
        earlier = " && ".join(f"'${{{v}}}' !== 'yes'" for v in frame.branches)
        frame.js = frame.py = None  # the storeEval runs when the enclosing branches hold
        variable = self.variable("if", "no")
        self.emit({"type": "storeEval", "script": self._yes_no(f"({earlier}) && ({self.js(target)})"),
                   "variable": variable})
        frame.branches.append(variable)
        frame.js, frame.py = f"'${{{variable}}}' === 'yes'", f"{variable} == 'yes'"

    def _flow_else(self, target: str) -> None:
        frame = self._block("if", "else")
        frame.js = " && ".join(f"'${{{v}}}' !== 'yes'" for v in frame.branches)
        frame.py = " and ".join(f"{v} != 'yes'" for v in frame.branches)

    def _flow_while(self, target: str) -> None:
        variable = self.variable("while", "no")
        check = {"type": "storeEval", "script": self._yes_no(self.js(target)), "variable": variable}
        self.emit(check)
        self._loop("while", f"{variable} == 'yes'", [check])

    def _flow_do(self, target: str) -> None:
        variable = self.variable("do", "yes")
        self.emit({"type": "store", "variable": variable, "text": "yes"})
        self._loop("do", f"{variable} == 'yes'", [])
        self.frames[-1].variable = variable

    def _flow_repeatIf(self, target: str) -> None:
        frame = self._block("do", "repeatIf")
        frame.tail.append({"type": "storeEval", "script": self._yes_no(self.js(target)), "variable": frame.variable})
        self._close_loop(frame)

    def _flow_times(self, target: str) -> None:
        if not re.fullmatch(r"\s*\d+\s*", target) and not re.fullmatch(r"\$\{[A-Za-z_]\w*\}", target.strip()):
            raise self.Refused(f"times needs a number (or ${{name}}), not {target!r}")
        variable = self.variable("times", 0)
        self.emit({"type": "store", "variable": variable, "text": 0})
        count = target.strip()
        limit = count if count.isdigit() else f"int({count[2:-1]})"
        self._loop("times", f"{variable} < {limit}", [
            {"type": "store_variable", "provider": "python", "name": variable, "expression": f"{variable} + 1"}])

    def _flow_end(self, target: str) -> None:
        if not self.frames or self.frames[-1].kind not in ("if", "while", "times"):
            raise self.Refused("end without an open if, while or times" + (
                " (a do block ends with repeatIf)" if self.frames and self.frames[-1].kind == "do" else ""))
        frame = self.frames[-1]
        if frame.kind == "if":
            self.frames.pop()
        else:
            self._close_loop(frame)

    def _loop(self, kind: str, expression: str, tail: list[dict]) -> None:
        body: list = []
        step = {"type": "while", "provider": "python", "expression": expression, "timeout": 0, "sub_commands": body}
        self.emit(step)
        frame = Frame(kind, body)
        frame.tail = tail
        self.frames.append(frame)

    def _close_loop(self, frame: Frame) -> None:
        for data in frame.tail:  # at the end of each pass, inside the loop
            self.emit(data)
        self.frames.pop()

    def _block(self, kind: str, name: str) -> Frame:
        if not self.frames or self.frames[-1].kind != kind:
            raise self.Refused(f"{name} without an open {kind}")
        return self.frames[-1]

    def finish_flow(self, line) -> None:
        if self.frames:
            self.problems.append((line, f"{self.frames[-1].kind} block is never closed (add an end"
                                        f"{' or repeatIf' if self.frames[-1].kind == 'do' else ''})"))
        self.out[:0] = self.initial
