"""--stats-port that is not a number stops the run at its start (pytest's usage error),
not at the first metrics step of some scenario, minutes later."""

import importlib.util

import pytest

pytestmark = pytest.mark.skipif(importlib.util.find_spec("pytest_statsd") is not None,
                                reason="pytest-statsd declares --stats-port itself")


def test_a_port_that_is_not_a_number_is_a_usage_error(pytester):
    pytester.makefile(".yml", test_m="- {type: record_property, provider: metrics, name: items, expression: '3', "
                                     "metric_type: gauge}\n")
    result = pytester.runpytest_subprocess("--stats-d", "--stats-port", "abc", "-p", "no:randomly")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(["*argument --stats-port: invalid int value: 'abc'"])
    result.stdout.no_fnmatch_line("*passed*")
