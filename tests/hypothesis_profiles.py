"""Hypothesis profiles of the property-based tests.

    ci    the default: 100 examples per test, fast enough for every run
    long  10,000 examples per test: `pytest --hypothesis-profile=long tests/test_fuzz_loader.py`

hypothesis reads `--hypothesis-profile` when pytest configures, before test
modules are imported, so tests/conftest.py imports this module (a profile
registered later is unknown at that point). The test modules import it too,
so they also get the profiles when run without that conftest.
"""

from hypothesis import HealthCheck, settings

settings.register_profile("ci", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("long", max_examples=10_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

if settings.get_current_profile_name() == "default":  # not chosen on the command line
    settings.load_profile("ci")
