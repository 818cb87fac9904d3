"""Shared test settings.

Inner pytest sessions run by `pytester` re-import every plugin; hypothesis and
pytest-benchmark are the slowest to import and play no part in them.
A test that writes its own ini file replaces this one.
"""

import pytest
# In sys.modules before any in-process pytester run: pytester drops modules an
# inner session imported, and importing this dialect a second time makes
# SQLAlchemy warn that its SQL functions are registered twice.
import sqlalchemy.dialects.postgresql  # noqa: F401

import hypothesis_profiles  # noqa: F401  (hypothesis reads --hypothesis-profile before test modules load)


@pytest.fixture
def pytester(pytester):
    pytester.makeini("[pytest]\naddopts = -p no:hypothesispytest -p no:benchmark\n")
    return pytester
