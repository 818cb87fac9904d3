"""Profiled causes of the missed targets, written by hand; run.py appends them to RESULTS.md.

Profiles: py-spy (`py-spy record -r 1000 -f raw`), pyinstrument, cProfile, and
gc callbacks timing each collection. Prototype fixes were measured on copies
of the package put first on PYTHONPATH, with interleaved runs like the rows'.
"""

FINDINGS = """\
## Profiled causes of the misses, and the fixes proposed

Prototypes were copies of `pytest_play/` put first on `PYTHONPATH`, measured
before they went to main. Medians of 3-9 interleaved runs, CPU time
(wall-clock within a few % on a quiet machine).

- Fixes 1 and 2 are on main (59a3a01 + 55715e1, d567395): row a went from
  2.33 s (1b031f9) to 1.55 s with fix 1 and about 1.1 s with both; row f
  reached 3.2× at `-n 4` with fix 1.
- Row c's cause (6) is fixed on main (5c9ab77).
- Row b (4) is about 6% faster (976a295) and stays above its target: pytest
  alone, making one `pytest.Function` a file, is at 0.49× of plain pytest.
  Fix 3 was measured on d567395 and is not on main (private API):

| Change | Row b, ours YAML / JSON | Row b, plain pytest | Ratio YAML / JSON |
|---|---|---|---|
| none (d567395) | 1.40 / 1.29 s | 1.63 s | 0.86× / 0.79× |
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

### 4. Row b: why 0.5× is out of reach with pytest's public API

Measured on a quiet machine, CPU time, medians of 9 interleaved runs of 3,000
files each (`--collect-only -q`, the same flags and environment as the row):

| Run | CPU | Ratio to plain pytest files |
|---|---|---|
| plain pytest files | 1.94 s | 1× |
| empty run (start-up only) | 0.40 s | 0.21× |
| floor: a minimal `pytest_collect_file` yielding one `pytest.Item` a file | 0.76 s | 0.39× |
| floor: the same yielding one `pytest.Function` a file | 0.94 s | 0.49× |
| ours, JSON, before / after the changes below | 1.50 / 1.40 s | 0.77× / 0.72× |
| ours, YAML, before / after | 1.53 / 1.46 s | 0.79× / 0.75× |

- The target, 0.5 × 1.94 s = 0.97 s, is where pytest alone already is when a
  collector makes one `pytest.Function` a file and reads nothing: that leaves
  about 10 µs a file for reading, parsing and validating a scenario. Reading
  a file takes about 8 µs, `json.loads` 3 µs; validating the row's 15,000
  steps costs 0.17 s and loading 0.17 s.
- Items are `pytest.Function`s because that is how a non-Python item gets
  fixtures (`request`, `variables`, `browser`) through public API; a plain
  `pytest.Item` (0.39×) would still leave 0.19 s for our 0.44 s, and serving
  fixtures to it needs pytest's private `FixtureRequest`.
- Sharing one fixture closure per directory (fix 3) needs
  `session._fixturemanager`, private: not done.
- The remaining route is caching parsed *and validated* scenarios between
  runs (keyed also by the providers' versions and the `--variables` files);
  the row would then no longer measure a real collection. Not done.

On main (976a295), about 6% of collection: the session's settings (registry,
provider defaults, known variables, `--count`) worked out once per session
instead of per file; one directory listing for the `.ini` sidecars instead of
an `is_file()` per scenario; one scan for the JSON step lines; per-command
check tables in `validate.py`; steps that template the same keys share one
run plan (15,000 fewer objects for the garbage collector in this row).

### 5. Row f: worker start-up on 2 cores (at the 3× limit at `-n 4`: 2.86-3.24× over the full runs since fix 1)

`-n 4` starts four interpreters that each import pytest, selenium, splinter,
Flask and the plugins (0.6 s of CPU each, 0.35 s with fix 1) on 2 cores,
while the controller waits; that start-up is the whole gap to the ideal
(40 × 0.5 s / 4 = 5 s). Fix 1 brings `-n 4` to 3.25× on a quiet machine; a
busy machine (other jobs) delays the workers' start and the ratio falls to
about 2.5×. Longer scenarios amortize the start-up better.

### 6. Row c (was 1.17-1.29×, now 1.1-1.15×): Chromium's new-tab page

Timed inside the runs by wrapping selenium's `WebDriver.execute`: ours spent
0.4-0.8 s in its first `get` (pytest-splinter's `about:blank` visit) against
0.1-0.35 s for the floor's first `get`, and 0.13-0.18 s in `quit` against
0.06 s. The cause: we passed a `--user-data-dir` of our own, and with it
Chromium starts on its new-tab page (`chrome://new-tab-page-third-party/`)
instead of chromedriver's `data:,`; leaving that page and closing that
profile are slow. **Fix (on main: 5c9ab77)**: chromedriver makes its own
profile, as in a hand-written test, inside a private `TMPDIR` of the session
that is removed at the end (also when a driver was killed); it lives in the
system's temporary directory, because Chromium refuses a profile whose
socket path exceeds 107 bytes. With it, skipping pytest-splinter's
`about:blank` visit for a new browser saves nothing measurable, so it stays.
"""
