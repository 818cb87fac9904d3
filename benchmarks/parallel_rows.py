"""Row f: I/O-bound scenarios with pytest-xdist at -n 1, 2 and 4 against a serial run.

Each scenario waits on I/O: one HTTP GET to the keep-alive server followed by a
`sleep` step standing for the time a real browser or API scenario spends
waiting on the system under test. Serial is a plain run without `-n`
(xdist not involved); `-n N` pays for starting N worker interpreters, each of
which imports pytest and its plugins and collects the files again.
"""

from __future__ import annotations

import json

from .harness import WORK, BenchmarkError, fresh_dir, interleaved, pytest_command
from .report import Row, add_check
from .servers import keep_alive_json_server


def build(scenarios: int, seconds: float):
    root = fresh_dir(WORK / "f-parallel")
    for index in range(scenarios):
        steps = [
            {"type": "GET", "provider": "play_requests", "url": "$base_url/api/status/200",
             "assertion": "response.status_code == 200"},
            {"type": "sleep", "provider": "python", "seconds": seconds,
             "comment": "waiting on the system under test"},
        ]
        (root / f"test_io_{index:03d}.json").write_text(json.dumps({"steps": steps}, indent=1))
    return root


def row_f(scenarios: int, seconds: float, repeats: int, log=print) -> Row:
    row = Row("f", f"Parallel: {scenarios} I/O-bound scenarios ({seconds:g} s each) at `-n 1/2/4`")
    root = build(scenarios, seconds)
    with keep_alive_json_server() as base_url:
        (root / "vars.json").write_text(json.dumps({"base_url": base_url}))
        common = ("-q", "--variables", "vars.json", ".")
        runs = {"serial": (pytest_command(*common), root, None)}
        for workers in (1, 2, 4):
            runs[f"-n {workers}"] = (pytest_command(*common, "-n", str(workers)), root, None)
        timings = interleaved(runs, repeats)
    for label, timing in timings.items():
        if f"{scenarios} passed" not in timing.output:
            raise BenchmarkError(f"{label}: expected {scenarios} passed, got {timing.output.strip().splitlines()[-1:]}")
    row.timings = list(timings.values())
    add_check(row, "speed-up of -n 1 over serial", "-n 1", "serial", ">=", None, speedup=True)
    add_check(row, "speed-up of -n 2 over serial", "-n 2", "serial", ">=", 1.7, speedup=True)
    add_check(row, "speed-up of -n 4 over serial", "-n 4", "serial", ">=", 3, speedup=True)
    ideal = scenarios * seconds
    row.notes.append(f"{scenarios} × {seconds:g} s = {ideal:g} s of waiting; -n 4 can at best take "
                     f"{ideal / 4:g} s plus start-up. The machine has {_cores()} cores: the workers are "
                     "I/O-bound, so more workers than cores still pay off, but their start-up competes for CPU.")
    return row


def _cores() -> int:
    import os

    return os.cpu_count() or 1
