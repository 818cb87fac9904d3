"""statsd metrics (`--stats-d`), as pytest-play 2.x sent them, checked on a real UDP listener.

Without pytest-statsd, pytest-play declares its flags and sends the lines itself
(in-process sessions here). With pytest-statsd 1.1.6 and its `statsd` client
installed (the real packages, in a pytest subprocess), the metrics go through
that client, next to pytest-statsd's own session gauges.
"""

import importlib.util
import re
import socket

import pytest

from compat_packages import legacy_site, python_path

PLAY = ("-p", "no:randomly", "-p", "no:cacheprovider")

SCENARIO = """\
- {type: sleep, seconds: 0.05}
- {type: record_elapsed, name: nap}
- {type: record_elapsed_start, name: block}
- {type: record_elapsed_stop, name: block}
- {type: record_property, name: load, expression: "250.5", metric_type: timing}
- {type: record_property, name: items, expression: "3", metric_type: gauge}
- {type: record_property, name: balance, expression: "-2", metric_type: gauge}
- {type: record_property, name: label, expression: "'not sent: no metric_type'"}
"""


class Listener:
    """A UDP socket on a free loopback port; `lines()` is what has arrived."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.5)
        self.port = self.sock.getsockname()[1]

    def lines(self):
        received = []
        while True:
            try:
                received += self.sock.recv(65535).decode().split("\n")
            except TimeoutError:
                return received


@pytest.fixture
def listener():
    listening = Listener()
    yield listening
    listening.sock.close()


def statsd_args(port, prefix="qa.play"):
    return ("--stats-d", "--stats-host", "127.0.0.1", "--stats-port", str(port), "--stats-prefix", prefix)


def check_metrics(lines, prefix="qa.play"):
    """The metrics steps' lines: elapsed seconds as milliseconds (%0.6f), a timing property's value as it is
    (milliseconds, as in 2.x), gauges as written, nothing else from them."""
    ours = [line for line in lines if re.match(rf"{re.escape(prefix)}\.(nap|block|load|items|balance|label):", line)]
    nap = next(line for line in ours if line.startswith(f"{prefix}.nap:"))
    assert re.fullmatch(rf"{re.escape(prefix)}\.nap:\d+\.\d{{6}}\|ms", nap), nap
    assert 45 <= float(nap.split(":")[1].split("|")[0]) < 5000
    assert re.fullmatch(rf"{re.escape(prefix)}\.block:\d+\.\d{{6}}\|ms", ours[1]), ours
    assert ours[2:] == [f"{prefix}.load:250.500000|ms", f"{prefix}.items:3|g", f"{prefix}.balance:0|g",
                        f"{prefix}.balance:-2|g"]


@pytest.mark.skipif(importlib.util.find_spec("pytest_statsd") is not None,
                    reason="pytest-statsd is installed here: it declares the flags (tested in a subprocess below)")
def test_without_pytest_statsd_the_same_flags_send_the_same_lines(pytester, listener):
    pytester.makefile(".yml", test_metrics=SCENARIO)
    result = pytester.runpytest(*PLAY, *statsd_args(listener.port), "--junitxml", "out.xml")
    result.assert_outcomes(passed=1)
    check_metrics(listener.lines())
    assert 'name="items" value="3"' in (pytester.path / "out.xml").read_text()  # still a JUnit property


def test_without_stats_d_nothing_is_sent(pytester, listener):
    pytester.makefile(".yml", test_metrics=SCENARIO)
    result = pytester.runpytest(*PLAY, "--stats-port", str(listener.port))
    result.assert_outcomes(passed=1)
    assert listener.lines() == []


def test_an_unknown_metric_type_is_refused_at_collection(pytester, listener):
    pytester.makefile(".yml", test_metrics="- {type: record_property, name: n, expression: '1', "
                                           "metric_type: statsd}\n")
    result = pytester.runpytest(*PLAY, *statsd_args(listener.port))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["test_metrics.yml:1: step 1: record_property: parameter 'metric_type' must be "
                                 "'timing' or 'gauge', not 'statsd'"])


def test_a_value_that_is_not_a_number_fails_the_step_with_the_reason(pytester, listener):
    pytester.makefile(".yml", test_metrics="- {type: record_property, name: who, expression: \"'bob'\", "
                                           "metric_type: gauge}\n")
    result = pytester.runpytest(*PLAY, *statsd_args(listener.port))
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*metric 'who': a statsd gauge needs a number, not str (its value is recorded, "
                                 "but can't be sent)"])
    assert listener.lines() == []


def test_a_secret_value_is_not_sent(pytester, listener):
    pytester.makefile(".yml", vars="pin: 480913\nsecrets: [pin]\n")
    pytester.makefile(".yml", test_metrics="- {type: record_property, name: pin_copy, expression: pin, "
                                           "metric_type: gauge}\n")
    result = pytester.runpytest(*PLAY, *statsd_args(listener.port), "--variables", "vars.yml")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*metric 'pin_copy': its value is secret, so it is not sent to statsd"])
    assert listener.lines() == [] and "480913" not in result.stdout.str()


def test_an_unresolvable_host_fails_the_step_naming_it(pytester):
    pytester.makefile(".yml", test_metrics="- {type: record_property, name: n, expression: '1', "
                                           "metric_type: gauge}\n")
    result = pytester.runpytest(*PLAY, "--stats-d", "--stats-host", "no-such-host.invalid")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*statsd: can't send 'n' to no-such-host.invalid:8125: *"])


def test_with_pytest_statsd_installed_its_client_sends_them_beside_its_session_gauges(
        pytester, listener, monkeypatch, request):
    site = legacy_site(request.config)
    monkeypatch.setenv("PYTHONPATH", python_path(site))
    pytester.makefile(".yml", test_metrics=SCENARIO)
    pytester.makepyfile(test_plain="def test_plain(): pass\n")
    result = pytester.runpytest_subprocess(*PLAY, *statsd_args(listener.port, "ci.nightly"))
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines(["plugins: *statsd-1.1.6*", f"*sent results to http://127.0.0.1:{listener.port}*"])
    lines = listener.lines()
    check_metrics(lines, "ci.nightly")
    assert {"ci.nightly.passed:2|g", "ci.nightly.failed:0|g", "ci.nightly.total:2|g"} <= set(lines)
