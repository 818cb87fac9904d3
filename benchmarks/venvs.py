"""Virtual environments of the tools we compare against, built once and cached.

pytest-play 2.3.1 (2019) installs but only runs with `pytest<5`; that pytest
needs `pluggy<1` and a setuptools that still ships `pkg_resources`
(`>=75.9.1,<82`); pytest-variables 2+ needs a newer pytest, hence `<2`.
The remaining requirements (PyYAML, RestrictedPython, zope.component,
parametrizer) come from pytest-play's own metadata.

Tavern 3.7.1 brings its own pytest pin, so it gets a venv of its own too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .harness import WORK, BenchmarkError

OLD_PLAY = {
    "dir": "venv-pytest-play",
    "requirements": [
        "pytest-play==2.3.1",
        "pytest<5",
        "setuptools>=75.9.1,<82",
        "pytest-variables[yaml]<2",
    ],
    "check": "import pytest_play.engine, pytest; assert pytest.__version__.startswith('4.')",
}

TAVERN = {
    "dir": "venv-tavern",
    "requirements": ["tavern==3.7.1", "pytest<9"],  # tavern 3.7.1 imports _pytest.python_api (gone in pytest 9)
    "check": "import tavern, pytest",
}


def ensure_venv(spec: dict, log=print) -> Path:
    """The venv's python, building the venv first if it is missing or out of date."""
    root = WORK / spec["dir"]
    python = root / "bin" / "python"
    stamp = root / ".requirements"
    wanted = "\n".join(spec["requirements"])
    if python.exists() and stamp.exists() and stamp.read_text() == wanted:
        return python
    log(f"  building {root.relative_to(WORK.parent.parent)} ({', '.join(spec['requirements'])}) ...")
    _run([sys.executable, "-m", "venv", "--clear", str(root)], "python -m venv")
    _run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *spec["requirements"]],
         "pip install")
    _run([str(python), "-c", spec["check"]], "import check")
    stamp.write_text(wanted)
    return python


def package_version(python: Path, distribution: str) -> str:
    code = f"from importlib.metadata import version; print(version({distribution!r}))"
    done = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=False)
    return done.stdout.strip() or "?"


def _run(command: list[str], what: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, timeout=900, check=False)
    if done.returncode != 0:
        lines = [line for line in (done.stdout + done.stderr).splitlines() if "WARNING: Location" not in line]
        raise BenchmarkError(f"{what} failed: " + " | ".join(lines[-6:]))
