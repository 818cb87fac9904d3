"""Run the benchmark suite of issue 7 and rewrite benchmarks/RESULTS.md.

    python benchmarks/run.py                 # every row (about 10 minutes)
    python benchmarks/run.py --only a,e      # some rows
    python benchmarks/run.py --quick         # fewer repetitions, smaller workloads

Only a full run rewrites RESULTS.md, unless --write / --no-write says otherwise;
--render rewrites it from the last written run (e.g. after editing findings.py).

Rows: a engine, b collection, c browser login, d browser start-up per worker,
e HTTP, f xdist scaling. Each side of a comparison is a complete pytest run in
a subprocess; medians of repeated runs are compared. Workloads are generated
under benchmarks/.work/ (git-ignored), as are the venvs of pytest-play 2.3.1
and Tavern.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks import browser_rows, engine_rows, http_rows, parallel_rows
from benchmarks.harness import WORK, BenchmarkError
from benchmarks.report import Row, console_table, load_run, markdown, run_date, save_run, write_results

ROWS = "abcdefg"
LAST_RUN = WORK / "last-run.json"  # the numbers behind RESULTS.md, for --render

# Sizes, and timed runs per row (the slow rows d and f get fewer, the noisy short rows c and e more).
FULL = {"repeats": 3, "a_files": 40, "a_steps": 500, "b_files": 3000, "d_scenarios": 20,
        "e_requests": 1000, "f_scenarios": 40, "f_sleep": 0.5,
        "browser_repeats": 5, "d_repeats": 2, "e_repeats": 5, "f_repeats": 2, "g_logins": 20}
QUICK = {"repeats": 1, "a_files": 8, "a_steps": 500, "b_files": 600, "d_scenarios": 6,
         "e_requests": 300, "f_scenarios": 16, "f_sleep": 0.5,
         "browser_repeats": 1, "d_repeats": 1, "e_repeats": 1, "f_repeats": 1, "g_logins": 5}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default=ROWS, help="rows to run, e.g. a,b (default: all)")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and smaller workloads")
    parser.add_argument("--repeats", type=int, help="timed runs per measurement (default 3, quick 1)")
    parser.add_argument("--write", action=argparse.BooleanOptionalAction, default=None,
                        help="rewrite RESULTS.md (default: only after a full run of every row)")
    parser.add_argument("--render", action="store_true",
                        help="measure nothing: rewrite RESULTS.md from the last written run and findings.py")
    args = parser.parse_args(argv)
    args.rows = [r for r in args.only.replace(",", "").replace(" ", "").lower() if r in ROWS]
    unknown = set(args.only.replace(",", "").replace(" ", "").lower()) - set(ROWS)
    if unknown:
        parser.error(f"unknown rows {''.join(sorted(unknown))}; choose from {','.join(ROWS)}")
    return args


def run_row(key: str, size: dict, log) -> Row:
    repeats, browser_repeats = size["repeats"], size["browser_repeats"]
    if key == "a":
        return engine_rows.row_a(size["a_files"], size["a_steps"], repeats, log)
    if key == "b":
        return engine_rows.row_b(size["b_files"], repeats, log)
    if key == "c":
        return browser_rows.row_c(browser_repeats, log)
    if key == "d":
        return browser_rows.row_d(size["d_scenarios"], size["d_repeats"], log)
    if key == "e":
        return http_rows.row_e(size["e_requests"], size["e_repeats"], log)
    if key == "f":
        return parallel_rows.row_f(size["f_scenarios"], size["f_sleep"], size["f_repeats"], log)
    if key == "g":
        return browser_rows.row_g(size["g_logins"], browser_repeats, log)
    raise ValueError(key)


TITLES = {"a": "Engine", "b": "Collection only", "c": "Browser: the login scenario",
          "d": "Browser: start-up paid once per worker", "e": "HTTP", "f": "Parallel (xdist)",
          "g": "Browser: 20 logins in one session"}


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.render:
        rows, settings = load_run(LAST_RUN)
        write_results(markdown(rows, settings, extra_sections=analysis_sections()))
        print(f"Rewrote benchmarks/RESULTS.md from the run of {settings['date']}")
        return 0
    size = dict(QUICK if args.quick else FULL)
    if args.repeats:
        for key in ("repeats", "browser_repeats", "d_repeats", "e_repeats", "f_repeats"):
            size[key] = args.repeats
    WORK.mkdir(parents=True, exist_ok=True)
    rows = []
    started = time.perf_counter()
    for key in args.rows:
        print(f"[{time.perf_counter() - started:6.1f}s] row {key}: {TITLES[key]} ...", flush=True)
        load_before = os.getloadavg()[0]
        try:
            row = run_row(key, size, lambda message: print(message, flush=True))
        except BenchmarkError as error:
            row = Row(key, TITLES[key], error=str(error))
        except Exception as error:  # noqa: BLE001 - a broken row must not lose the others
            row = Row(key, TITLES[key], error=f"{type(error).__name__}: {error}\n{traceback.format_exc()}")
        row.notes.append(f"Load average (1 min) when the row started: {load_before:.1f}, when it ended: "
                         f"{os.getloadavg()[0]:.1f}, on {os.cpu_count()} cores. Wall-clock times are sensitive to "
                         "other work on the machine; CPU times much less.")
        rows.append(row)
        print(console_table([row]), flush=True)
    print(f"\nAll rows done in {time.perf_counter() - started:.0f}s.\n")
    print(console_table(rows))
    write = args.write if args.write is not None else (not args.quick and args.rows == list(ROWS))
    if write:
        arguments = " ".join(sys.argv[1:]) if argv is None else " ".join(argv)
        settings = {"arguments": arguments,
                    "repeats": (f"{size['repeats']} timed runs each for rows a and b, {size['browser_repeats']} "
                                f"for c, {size['d_repeats']} for d, {size['e_repeats']} for e, "
                                f"{size['f_repeats']} for f, {size['browser_repeats']} for g"),
                    "date": run_date()}
        save_run(LAST_RUN, rows, settings)
        write_results(markdown(rows, settings, extra_sections=analysis_sections()))
        print("\nWrote benchmarks/RESULTS.md")
    return 0


def analysis_sections() -> list[str]:
    """The profiled causes of missed targets (kept in findings.py), appended to RESULTS.md."""
    from benchmarks.findings import FINDINGS

    return [FINDINGS] if FINDINGS.strip() else []


if __name__ == "__main__":
    sys.exit(main())
