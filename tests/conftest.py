"""Shared test settings.

Inner pytest sessions run by `pytester` re-import every plugin; hypothesis and
pytest-benchmark are the slowest to import and play no part in them.
A test that writes its own ini file replaces this one.

The suite tests this checkout: child processes (`runpytest_subprocess`,
`subprocess` runs of `python -m pytest`) get its root first on PYTHONPATH, so
they import this working tree's pytest_play rather than an installed copy
(tests/test_fresh_install.py checks it).
"""

import os
from pathlib import Path

import pytest
# In sys.modules before any in-process pytester run: pytester drops modules an
# inner session imported, and importing this dialect a second time makes
# SQLAlchemy warn that its SQL functions are registered twice.
import requests  # noqa: F401  (likewise: a re-imported requests makes cookie jars of another class)
import sqlalchemy.dialects.postgresql  # noqa: F401

import hypothesis_profiles  # noqa: F401  (hypothesis reads --hypothesis-profile before test modules load)

REPO = Path(__file__).resolve().parent.parent
_OUTER_PYTHONPATH = pytest.StashKey["str | None"]()


def pytest_configure(config):
    outer = os.environ.get("PYTHONPATH")
    if (outer or "").split(os.pathsep)[0] == str(REPO):
        return  # already first: an xdist worker, or a session started by this suite
    config.stash[_OUTER_PYTHONPATH] = outer
    os.environ["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), outer]))


def pytest_unconfigure(config):
    if _OUTER_PYTHONPATH in config.stash:
        outer = config.stash[_OUTER_PYTHONPATH]
        if outer is None:
            os.environ.pop("PYTHONPATH", None)
        else:
            os.environ["PYTHONPATH"] = outer


@pytest.fixture
def pytester(pytester):
    pytester.makeini("[pytest]\naddopts = -p no:hypothesispytest -p no:benchmark\n")
    return pytester
