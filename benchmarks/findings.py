"""Profiled causes of the missed targets, written by hand; run.py appends them to RESULTS.md.

Profiles: py-spy (`py-spy record -r 1000 -f raw`), pyinstrument, cProfile, and
gc callbacks timing each collection. Prototype fixes were measured on copies
of the package put first on PYTHONPATH, with interleaved runs like the rows'.
"""

FINDINGS = """\
## Profiled causes of the misses, and the fixes proposed

Prototypes were copies of `pytest_play/` put first on `PYTHONPATH`; the
repository itself was not changed by this work. Medians of 3-5 interleaved
runs, CPU time (wall-clock within a few % on a quiet machine).

Fixes 1 and 2 below are on main now (59a3a01 + 55715e1, d567395): row a went
from 2.33 s (1b031f9) to 1.55 s with fix 1 and about 1.1 s with both, i.e.
about 21× faster than pytest-play 2.3.1 (23.8 s), just above the target;
row f reached 3.2× at `-n 4` with fix 1. Still open, measured on HEAD
d567395:

| Change | Row b, ours YAML / JSON | Row b, plain pytest | Ratio YAML / JSON |
|---|---|---|---|
| none (HEAD) | 1.40 / 1.29 s | 1.63 s | 0.86× / 0.79× |
| 3. shared fixture info | 1.19 / 1.09 s | | 0.73× / 0.67× |

### 1. Full garbage collections walk every imported module (rows a, b, f; e too)

pytest 9 ends every session with five `gc.collect()` calls
(`_pytest/unraisableexception.py`, `cleanup()` → `gc_collect_harder(5)`), and
generation-2 collections also run while items are built. Each walks every
tracked object of the process, most of them from imported modules:
pytest-splinter imports splinter, which imports selenium 4 and Flask. Timed
with `gc.callbacks`: an empty run spends about 0.25 s in them; row a, ours:
13 full collections, 1.1 s; row a, plain pytest: 16, 5.0 s.

**Fix (on main: 59a3a01, 55715e1)** (`pytest_play/plugin.py`): end `pytest_configure` with `gc.freeze()`
(every plugin is imported by then) and add

    def pytest_collection_finish(session):
        gc.freeze()  # collected items and parsed scenarios live until the end

The collector then skips those objects; they live for the whole session
anyway. The cost: a reference cycle among them is never freed, and pytest's
final collections no longer look at them (they still see everything the tests
create). An empty run goes from 0.62 to 0.38 s of CPU; each xdist worker
starts 0.25 s faster (`-n 4` on one empty test: 3.3 → 2.0 s of CPU), which is
what lifts row f over 3× at `-n 4` (serial 20.6 s, `-n 4` 6.3 s).

### 2. YAML parsing was the largest part of row a's collection

`loader.parse_yaml` parses with libyaml and, since 1b031f9, builds values
straight from the nodes; it still costs about 13 µs a step: 0.26-0.29 s for
row a's 20,000 steps (it was 0.6 s before), on every run. Unpickling the same
parsed documents takes 0.03 s.

**Fix (on main: d567395)** (`pytest_play/loader.py`, `load_scenario`): for a `.yml`/`.yaml`
file read from disk, keep the parsed documents in
`<dir>/__pycache__/<file>.play-1.pickle`, keyed by a blake2b digest of the
file's bytes, a format tag and the Python version (like a checked-hash
`.pyc`): on a hit unpickle instead of parsing; write through a temporary file
and `os.replace`; ignore any error reading or writing the cache. The
`Mapping`/`Sequence` line numbers survive pickling (checked), and `plan` is
still None when the documents are pickled. Whoever can write `__pycache__`
can already run code through `.pyc` files, so this trusts nothing new.

### 3. pytest recomputes `run_scenario`'s fixture closure for every item

`collect.scenario_items` builds each `ScenarioItem` with
`Function.from_parent(...)`, which calls `FixtureManager.getfixtureinfo`
(signature inspection, autouse names, closure): 15% of row b's collection.

**Fix** (`pytest_play/collect.py`, `scenario_items`): pass `fixtureinfo=`,
computed once per directory with
`parent.session._fixturemanager.getfixtureinfo(parent, run_scenario, None)`
and kept in a `config.stash` dict keyed by `parent.path.parent` (the fixtures
an item sees depend on its directory's conftest files only). Give each item
`dataclasses.replace(info, names_closure=list(info.names_closure))`, so a
plugin appending to one item's fixture names leaves the others alone. pytest
does the same sharing for the parametrized copies of one test function.

### Smaller, measured on top of 1-3 (row a, about 5% each, within the noise)

- `Engine.log` prints two lines a step through pytest's capture, which writes
  through to a file: append the lines to a list and write them once when
  `run_scenario` ends (in a `finally`, and in `teardown`).
- `Engine._plan` computed each parsed step's templated keys again on its
  first run, although `validate.validate_step` had just checked the step: it
  can store the plan then (on main since 8a2ca69).

### 4. Row b: what remains between 0.7× and 0.5×

After fixes 1-3 (measured on the tree of 06:40 with the fixes applied),
`--collect-only` of the 3,000 JSON files, as shares of all py-spy samples:
`ScenarioFile.collect` 34%, of which `load_scenario` 21% (`parse_json` 10%:
the C decoder, then a second scan for where each step starts; `_read_text`
5%; the `.ini` sidecar's `Path.is_file()` 5%), `validate_scenario` 6% and item
creation 6%; pytest's own directory walk (`Dir.collect`,
`pytest_ignore_collect`, `pytest_collect_file` over every plugin) 11% and the
capture around each collector 7%. To reach 0.5 × 1.63 s = 0.82 s, about
0.3 s more must go. Candidates: list each directory once and look the `.ini`
sidecars up in that set (`loader.load_scenario`); keep JSON files' parsed
form in the parse cache too, and the validation outcome with it (keyed also
by the installed providers' versions and the `--variables` provider
defaults); or build items as plain `pytest.Item`s rather than
`pytest.Function`s, if fixtures can be served another way.

### 5. Row f: worker start-up on 2 cores (at the 3× limit at `-n 4`: 2.86-3.24× over the full runs since fix 1)

`-n 4` starts four interpreters that each import pytest, selenium, splinter,
Flask and the plugins (0.6 s of CPU each, 0.35 s with fix 1) on 2 cores,
while the controller waits; that start-up is the whole gap to the ideal
(40 × 0.5 s / 4 = 5 s). Fix 1 brings `-n 4` to 3.25× on a quiet machine; a
busy machine (other jobs) delays the workers' start and the ratio falls to
about 2.5×. Longer scenarios amortize the start-up better.

### 6. Row c (at the 1.2× limit: 1.17-1.29× over the full runs): where ours spends more than the floor

Timed inside the runs (wrapping selenium and `pytest_play.browser`): the floor
starts Chromium in 0.33-0.38 s, logs in in 1.10 s and quits in 0.07 s. Ours
starts it in 0.46-0.49 s (`Launcher` → splinter → `start_session`), then
pytest-splinter's `prepare_browser` visits `about:blank` before every test
(the first navigation of a fresh Chromium: 0.1-0.2 s), the steps take the
same 1.1 s as the floor's explicit waits, and teardown adds
`reset_browser_state` (0.04-0.05 s) and splinter's quit (0.10-0.12 s): +0.4
to 0.5 s on a 2.3 s floor, right at the 1.2× limit. Candidates, in
`pytest_play/browser.py`: skip pytest-splinter's `about:blank` visit for a
browser that was just started (in `BrowserFixtures.browser_instance_getter`),
and skip `reset_browser_state` after the session's last test (`nextitem is
None` in `pytest_runtest_teardown`: the browser is quit right after).
"""
