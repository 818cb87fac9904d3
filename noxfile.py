"""The test suite in clean virtualenvs, as CI runs it (.ci/run).

    nox                       both legs below
    nox -s tests              the newest versions setup.py allows
    nox -s tests_oldest       every lower bound of setup.py (.ci/constraints-oldest.txt)
    nox -s tests -- -k login  arguments after -- go to pytest

Each run makes its virtualenvs anew (under build/nox), with `python -m venv`
as a user's would be and without the system site-packages, so a requirement
missing from setup.py fails here. The system packages the tests use
(chromium, postgresql, mosquitto, ...) come from `bash .ci/setup --system`.
"""

from __future__ import annotations

import os
from pathlib import Path

import nox

ROOT = Path(__file__).resolve().parent
OLDEST = ROOT / ".ci" / "constraints-oldest.txt"
# Printed, and written to build/nox/SESSION-versions.txt, before each leg's tests.
KEY_PACKAGES = ["pytest", "selenium", "SQLAlchemy", "splinter", "pytest-splinter",
                "paho-mqtt", "requests", "pytest-variables", "psycopg", "hypothesis"]

nox.options.sessions = ["tests", "tests_oldest"]
nox.options.envdir = str(ROOT / "build" / "nox")
nox.options.reuse_existing_virtualenvs = False
nox.options.error_on_missing_interpreters = True
# The sessions see nothing of the caller's Python: only their own venv.
for name in ("PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP"):
    os.environ.pop(name, None)

VERSIONS = """
import sys
from importlib.metadata import PackageNotFoundError, version
def get(name):
    try:
        return version(name)
    except PackageNotFoundError:
        return "-"
session, path, names = sys.argv[1], sys.argv[2], sys.argv[3:]
line = f"{session}: Python {sys.version.split()[0]} " + " ".join(f"{name}=={get(name)}" for name in names)
print(line)
with open(path, "w") as out:
    out.write(line + "\\n")
"""


def run_suite(session: nox.Session, *install_options: str) -> None:
    config = Path(session.virtualenv.location) / "pyvenv.cfg"
    if "include-system-site-packages = false" not in config.read_text():
        session.error(f"{config}: the venv sees the system site-packages")
    session.install(*install_options, "-e", ".[test]")
    session.run("python", "-m", "pip", "freeze", "--exclude-editable")
    versions = Path(session.virtualenv.location).parent / f"{session.name}-versions.txt"
    session.run("python", "-c", VERSIONS, session.name, str(versions), *KEY_PACKAGES)
    # The README's command.
    session.run("python3", "-m", "pytest", "tests", *session.posargs)


@nox.session(venv_backend="venv")
def tests(session: nox.Session) -> None:
    """The suite on the newest versions that setup.py allows."""
    run_suite(session)


@nox.session(venv_backend="venv")
def tests_oldest(session: nox.Session) -> None:
    """The suite on the lowest version of every requirement in setup.py."""
    run_suite(session, "-c", str(OLDEST))
