"""Rows a (engine: files of core steps) and b (collection of many small files).

Scenario files are YAML lists of `python` steps: the format pytest-play 2.3.1
reads too, so both tools run the very same files. The steps cycle through

    store_variable counter = $counter + 1
    assert         $counter == N
    store_variable label   = 'user-$counter'
    assert         '$label' == 'user-N'

after one `counter = START` step; START differs per file, so no two files
render the same expression text (a per-text compile cache gets no free ride).

The plain-pytest equivalent of a step is one test function: a scenario step
is a unit a tester writes, reports and re-runs, and "the same checks written
as plain pytest functions" is then one function per step, with the values
carried in module globals as the scenario carries them in variables. So a file
of 500 steps is a module of 500 test functions. The other reading, one test
function doing all 500 statements, is measured too and shown for information.
"""

from __future__ import annotations

from pathlib import Path

from .harness import WORK, BenchmarkError, clean_env, drop_caches, fresh_dir, interleaved, pytest_command
from .report import Row, add_check
from .venvs import OLD_PLAY, ensure_venv, package_version


def scenario_steps(start: int, count: int) -> list[tuple[str, dict]]:
    """(kind, values) of `count` steps; kinds: init, store, assert, store_label, assert_label."""
    steps = [("init", {"value": start})]
    counter = start
    kinds = ("store", "assert", "store_label", "assert_label")
    for index in range(count - 1):
        kind = kinds[index % 4]
        if kind == "store":
            counter += 1
        steps.append((kind, {"value": counter}))
    return steps


def scenario_yaml(steps: list[tuple[str, dict]]) -> str:
    lines = []
    for kind, values in steps:
        n = values["value"]
        if kind == "init":
            step = ("store_variable", "counter", f'"{n}"')
        elif kind == "store":
            step = ("store_variable", "counter", '"$counter + 1"')
        elif kind == "assert":
            step = ("assert", None, f'"$counter == {n}"')
        elif kind == "store_label":
            step = ("store_variable", "label", "\"'user-$counter'\"")
        else:
            step = ("assert", None, f"\"'$label' == 'user-{n}'\"")
        command, name, expression = step
        lines.append("- provider: python")
        lines.append(f"  type: {command}")
        if name:
            lines.append(f"  name: {name}")
        lines.append(f"  expression: {expression}")
    return "\n".join(lines) + "\n"


def _statement(kind: str, n: int) -> str:
    return {
        "init": f"counter = {n}",
        "store": "counter = counter + 1",
        "assert": f"assert counter == {n}",
        "store_label": "label = f'user-{counter}'",
        "assert_label": f"assert label == 'user-{n}'",
    }[kind]


def plain_module_per_step(steps: list[tuple[str, dict]]) -> str:
    """One test function per step; the scenario's variables are module globals."""
    out = ["counter = label = None", ""]
    for number, (kind, values) in enumerate(steps, 1):
        out.append(f"def test_step_{number:04d}():")
        if kind.startswith(("init", "store")):
            out.append("    global counter, label")
        out.append(f"    {_statement(kind, values['value'])}")
        out.append("")
    return "\n".join(out)


def plain_module_one_function(steps: list[tuple[str, dict]]) -> str:
    """The same statements in one test function."""
    body = [f"    {_statement(kind, values['value'])}" for kind, values in steps]
    return "def test_scenario():\n" + "\n".join(body) + "\n"


def build_engine_workload(files: int, steps: int) -> dict[str, Path]:
    root = WORK / "a-engine"
    dirs = {name: fresh_dir(root / name) for name in ("scenarios", "plain-per-step", "plain-one-function")}
    for index in range(files):
        plan = scenario_steps(start=(index + 1) * 100_000, count=steps)
        name = f"test_scenario_{index:03d}"
        (dirs["scenarios"] / f"{name}.yml").write_text(scenario_yaml(plan))
        (dirs["plain-per-step"] / f"{name}.py").write_text(plain_module_per_step(plan))
        (dirs["plain-one-function"] / f"{name}.py").write_text(plain_module_one_function(plan))
    return dirs


def row_a(files: int, steps: int, repeats: int, log=print) -> Row:
    row = Row("a", f"Engine: {files} files × {steps} core steps (store/assert with `$var`)")
    dirs = build_engine_workload(files, steps)
    runs = {
        "ours": (pytest_command("-q", "scenarios"), dirs["scenarios"].parent, None),
        "plain pytest, 1 function per step": (pytest_command("-q", "plain-per-step"), dirs["scenarios"].parent, None),
        "plain pytest, 1 function per file": (pytest_command("-q", "plain-one-function"),
                                              dirs["scenarios"].parent, None),
        # The same, with no third-party plugin loaded: how much of the baseline is the environment.
        "bare pytest, 1 function per step": (pytest_command("-q", "plain-per-step"), dirs["scenarios"].parent,
                                             clean_env({"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"})),
    }
    old_python = None
    try:
        old_python = ensure_venv(OLD_PLAY, log)
        runs["pytest-play 2.3.1"] = (pytest_command("-q", "scenarios", python=old_python, main_env=False),
                                     dirs["scenarios"].parent, None)
    except BenchmarkError as error:
        row.notes.append(f"pytest-play 2.3.1 not measured: its venv could not be built ({error})")
    # pytest-play 2.3.1 takes half a minute a run: fewer repetitions, interleaved all the same.
    timings = interleaved(runs, repeats)
    row.timings = list(timings.values())
    _expect_passed(timings["ours"].output, files, "ours")
    _expect_passed(timings["plain pytest, 1 function per step"].output, files * steps, "plain per step")
    if old_python:
        _expect_passed(timings["pytest-play 2.3.1"].output, files, "pytest-play 2.3.1")
        add_check(row, "× faster than pytest-play 2.3.1", "ours", "pytest-play 2.3.1", ">=", 20,
                  aim="aim 40×", speedup=True)
        row.notes.append(f"pytest-play 2.3.1 venv: pytest {package_version(old_python, 'pytest')}, "
                         "run with `--assert=plain -p no:cacheprovider`; the same YAML files as ours.")
    add_check(row, "time of plain pytest, 1 function per step", "ours", "plain pytest, 1 function per step",
              "<=", 0.5)
    add_check(row, "time of plain pytest, 1 function per file (info)", "ours",
              "plain pytest, 1 function per file", "<=", None)
    add_check(row, "time of bare pytest (no plugins), 1 function per step (info)", "ours",
              "bare pytest, 1 function per step", "<=", None)
    row.notes.append(f"{files * steps:,} steps in all. Plain pytest, the target's reading: {files} modules × "
                     f"{steps} test functions, one per step (values in module globals). For information: "
                     f"{files} modules × 1 function of {steps} statements, and the per-step modules under a "
                     "bare pytest (PYTEST_DISABLE_PLUGIN_AUTOLOAD=1: no pytest-splinter autouse fixture, no "
                     "xdist, no pytest-play), which shows how much of the baseline the installed plugins add.")
    return row


def small_scenario(index: int) -> str:
    return scenario_yaml(scenario_steps(start=index * 10, count=5))


def small_plain(index: int) -> str:
    return plain_module_one_function(scenario_steps(start=index * 10, count=5))


def build_collection_workload(files: int) -> dict[str, Path]:
    import json

    root = WORK / "b-collection"
    dirs = {name: fresh_dir(root / name) for name in ("yaml", "json", "plain")}
    for index in range(files):
        name = f"test_small_{index:05d}"
        text = small_scenario(index)
        (dirs["yaml"] / f"{name}.yml").write_text(text)
        import yaml

        (dirs["json"] / f"{name}.json").write_text(json.dumps(yaml.safe_load(text), indent=2))
        (dirs["plain"] / f"{name}.py").write_text(small_plain(index))
    return dirs


def row_b(files: int, repeats: int, log=print) -> Row:
    row = Row("b", f"Collection only: {files:,} small files (`--collect-only -q`)")
    dirs = build_collection_workload(files)
    cwd = dirs["yaml"].parent
    runs = {
        "ours, YAML files": (pytest_command("--collect-only", "-q", "yaml"), cwd, None),
        "ours, JSON files": (pytest_command("--collect-only", "-q", "json"), cwd, None),
        "plain pytest files": (pytest_command("--collect-only", "-q", "plain"), cwd, None),
    }
    # Cold: no parse cache and no .pyc of the test files (both live in __pycache__), as
    # after a fresh checkout; the warm-up still fills the OS file cache.
    cold = {f"{label}, cold": spec for label, spec in runs.items()}
    runs.update(cold)
    before = {label: drop_caches(cwd / folder) for label, folder in
              zip(cold, ("yaml", "json", "plain"))}
    timings = interleaved(runs, repeats, before=before)
    row.timings = list(timings.values())
    for label, timing in timings.items():
        _expect_collected(timing.output, files, label)
    add_check(row, "time of plain pytest files (YAML)", "ours, YAML files", "plain pytest files", "<=", 0.5)
    add_check(row, "time of plain pytest files (JSON)", "ours, JSON files", "plain pytest files", "<=", 0.5)
    add_check(row, "time of plain pytest files, cold (YAML)", "ours, YAML files, cold", "plain pytest files, cold",
              "<=", None)
    add_check(row, "time of plain pytest files, cold (JSON)", "ours, JSON files, cold", "plain pytest files, cold",
              "<=", None)
    row.notes.append("Each scenario: 5 `python` steps (as in row a); each plain file: one test function "
                     "with the same 5 statements. Collection includes parsing and validating every step. "
                     "Cold: every `__pycache__` of the workload deleted before each run (no parse cache "
                     "on our side, no rewritten `.pyc` on plain pytest's), as after a fresh checkout.")
    return row


def _expect_passed(output: str, count: int, what: str) -> None:
    if f"{count} passed" not in output:
        raise BenchmarkError(f"{what}: expected {count} passed, got: {output.strip().splitlines()[-1:]}")


def _expect_collected(output: str, count: int, what: str) -> None:
    if f"{count} test" not in output:
        raise BenchmarkError(f"{what}: expected {count} tests collected, got: {output.strip().splitlines()[-1:]}")
