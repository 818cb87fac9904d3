"""Turn a Jenkins "Build with parameters" form into a pytest run.

The Jenkinsfile only calls this package; every parameter is read from the
environment here, where it can be tested:

    python -m pytest_play.jenkins [--dry-run] [--envs DIR] [--output DIR] [PATH ...] [-- PYTEST_ARG ...]

It checks every parameter first (all problems are reported at once, each
naming its parameter, exit code 4), prints the pytest command shell-quoted,
then replaces itself with it, so pytest's exit code is the build's.  A pasted
scenario (PLAY) is untrusted text: its pytest runs instead as a child process
under CPU, memory and wall-clock limits (`limited_run`, see docs/limits.md).
With TESTRAIL_ENABLE, pytest runs as a child too and `trcli` sends the JUnit
report to TestRail after it (`pytest_play.testrail`).
`--dry-run` only checks and prints: it writes nothing (not even PLAY's file).
Empty parameters are left out; BROWSER defaults to CHROME, headless when there
is no display.  The same works by hand, outside Jenkins:

    ENVIRONMENT=DEV COUNT=3 python -m pytest_play.jenkins --dry-run scenarios

Reports go to `$WORKSPACE/build` (or `./build`): `junit.xml`, `screenshots/`,
and `play/test_play.json|yml`, the scenario pasted as PLAY.  docs/jenkins.md
describes every field.

Modules: `values` reads one parameter, `browser` the browser's files,
`form` the rest and `build_command`, `cli` the command line.
"""

from .browser import DEFAULT_BROWSER, browser_args, grid_args
from .cli import clean_output, main, parse_cli
from .form import DEBUG_ARGS, build_command, limits_from, output_args
from .values import PARAMETERS, USAGE_ERROR, Command, ParameterError, Places, choices, choose, read, shown

__all__ = [
    "DEBUG_ARGS", "DEFAULT_BROWSER", "PARAMETERS", "USAGE_ERROR", "Command", "ParameterError", "Places",
    "browser_args", "build_command", "choices", "choose", "clean_output", "grid_args", "limits_from", "main",
    "output_args", "parse_cli", "read", "shown",
]
