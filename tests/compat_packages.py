"""The real pytest-play 2.x plugins (and pytest-statsd), installed once for the compatibility tests.

`legacy_site(config)` pip-installs the pinned releases with `--no-deps` (their
dependencies are ours, and they ask for pytest-play>=2, which this checkout is)
into a folder under the pytest cache (or build/ without one), reused by later
runs. A test puts that folder on the PYTHONPATH of a pytest subprocess: its
`*.dist-info` entry points are found as if installed in the environment.
The tests skip, saying why, only when the package registry can't be reached.
"""

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
PLUGINS = ("play-selenium==0.0.3", "play-requests==0.0.5", "play-sql==0.0.3", "play-mqtt==0.0.5",
           "play-websocket==0.0.2")
STATSD = ("pytest-statsd==1.1.6", "statsd==4.0.1")
PINS = PLUGINS + STATSD
_UNREACHABLE = ("connection", "resolve", "timed out", "no matching distribution", "could not find a version",
                "network is unreachable", "temporary failure")


def legacy_site(config: pytest.Config) -> Path:
    """A folder holding PINS, installed on first use."""
    key = hashlib.sha256(" ".join(PINS).encode()).hexdigest()[:12]
    cache = getattr(config, "cache", None)
    base = cache.mkdir(f"play-compat-{key}") if cache is not None else REPO / "build" / f"compat-{key}"
    base.mkdir(parents=True, exist_ok=True)
    site = base / "site"
    if (site / ".complete").exists():
        return site
    partial = base / f"site.partial-{os.getpid()}"
    shutil.rmtree(partial, ignore_errors=True)
    done = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-input", "--quiet",
                           "--disable-pip-version-check", "--target", str(partial), *PINS],
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0:
        shutil.rmtree(partial, ignore_errors=True)
        output = (done.stderr or done.stdout).strip()
        if any(word in output.lower() for word in _UNREACHABLE):
            pytest.skip(f"the package registry can't be reached to install {', '.join(PINS)}: "
                        f"{output.splitlines()[-1] if output else done.returncode}")
        pytest.fail(f"pip could not install {', '.join(PINS)}:\n{output}")
    (partial / ".complete").touch()
    try:
        os.replace(partial, site)
    except OSError:  # another worker got there first
        shutil.rmtree(partial, ignore_errors=True)
    return site


def python_path(*folders: Path) -> str:
    """PYTHONPATH with this checkout first (as tests/conftest.py sets it), then `folders`."""
    outer = os.environ.get("PYTHONPATH", "")
    return os.pathsep.join([str(REPO), *map(str, folders), *(p for p in outer.split(os.pathsep) if p and p != str(REPO))])
