"""The command line of `python -m pytest_play.jenkins`: parse it, build the
command, print it, and run pytest (then trcli, with TESTRAIL_ENABLE)."""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import pytest

from ..limited_run import LimitedRun
from ..playtext import write_scenario
from ..secrets import without_url_passwords
from .form import build_command
from .values import PARAMETERS, USAGE_ERROR, Command, ParameterError, Places, shown

# What a build writes under its output directory (the Jenkinsfile publishes them).
OUTPUTS = ("junit.xml", "evidence", "screenshots", "artifacts", "play", "report.html", "allure-results")
PREFIX = "pytest_play.jenkins"


def clean_output(output: Path) -> None:
    """Remove an earlier build's reports: the workspace is kept, and the archive must not show them again."""
    for name in OUTPUTS:
        path = output / name
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        elif path.exists() or path.is_symlink():
            path.unlink()


def parse_cli(argv: Sequence[str]) -> tuple[argparse.Namespace, list[str]]:
    """Our options and paths, and the pytest arguments after `--`."""
    argv = list(argv)
    extra: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, extra = argv[:cut], argv[cut + 1:]
    parser = argparse.ArgumentParser(
        prog=f"python -m {PREFIX}",
        description="Run pytest for a Jenkins build form whose values are in the environment: "
                    + ", ".join(PARAMETERS) + ". See docs/jenkins.md.",
        epilog="Arguments after -- go to pytest unchanged.")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="what pytest collects (ignored with PLAY)")
    parser.add_argument("--dry-run", action="store_true", help="check the form and print the pytest command; "
                        "run and write nothing")
    parser.add_argument("--envs", type=Path, default=Path("envs"), metavar="DIR",
                        help="environment files NAME.yml, browsers in DIR/browsers, OS choices in DIR/os, "
                             "resolutions in DIR/resolutions (default: envs)")
    parser.add_argument("--output", type=Path, default=None, metavar="DIR",
                        help="reports and screenshots, emptied first (default: $WORKSPACE/build, or ./build)")
    return parser.parse_args(argv), extra


def say(line: str) -> None:
    print(f"{PREFIX}: {line}", file=sys.stderr)


def main(argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None) -> int:
    environ = os.environ if environ is None else environ
    options, extra = parse_cli(sys.argv[1:] if argv is None else argv)
    output = options.output or Path(environ.get("WORKSPACE") or ".") / "build"
    try:
        command = build_command(environ, Places(options.envs, output), options.paths, extra)
    except ParameterError as error:
        for line in str(error).splitlines():
            say(line)
        return USAGE_ERROR
    for note in command.notes:
        say(note)
    argv = command.argv()
    print(without_url_passwords(shlex.join(argv)), flush=True)  # a grid URL may carry an access key
    if command.after:
        print(shlex.join(command.after), flush=True)  # its password is in its environment, not here
    if options.dry_run:
        return 0
    clean_output(output)
    if command.play is not None:
        try:
            write_scenario(command.play[1], environ)
        except (pytest.UsageError, OSError) as error:
            say(f"PLAY: can't write the scenario to {shown(command.play[0])}: {error}")
            return USAGE_ERROR
    sys.stderr.flush()
    os.environ.update(command.env)
    if command.limits is not None:
        code = LimitedRun(argv, command.limits).wait()
    elif command.after:
        code = subprocess.call(argv)
    else:
        os.execv(argv[0], argv)  # pytest becomes this process: its exit code and signals are the build's
    return after_run(command, code)


def after_run(command: Command, code: int) -> int:
    """trcli after pytest: the build fails when the results could not be sent, even if the tests passed."""
    if not command.after:
        return code
    if code not in (0, 1):  # interrupted, usage error, nothing collected: no results worth sending
        say(f"TESTRAIL_ENABLE: pytest exited with {code}: no results sent")
        return code
    sent = subprocess.call(command.after, env={**os.environ, **command.after_env})
    if sent != 0:
        say(f"TESTRAIL_ENABLE: trcli failed (exit code {sent}): the results are not in TestRail")
        return code or sent
    return code
