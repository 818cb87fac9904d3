"""Which provider serves a name that pytest-play and an old plugin both register, and `play_providers`.

The five pytest-play 2.x plugins are the real packages (tests/compat_packages.py),
in pytest subprocesses. By default the built-ins serve their names (see
test_compat_project.py); `play_providers` in the ini file hands a name to the
old plugin, whose own failure with current libraries then shows.
"""

import textwrap

from compat_packages import legacy_site, python_path

PLAY = ("-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:hypothesispytest", "-p", "no:benchmark")

MQTT = """\
- {provider: mqtt, type: publish, host: $mqtt_host, port: $mqtt_port, endpoint: qa/x, payload: hello}
"""


def ini(pytester, *lines):
    pytester.makeini("[pytest]\nplay_providers =\n" + "".join(f"    {line}\n" for line in lines))


def test_play_providers_hands_a_name_to_the_old_plugin_and_the_header_says_so(
        pytester, mosquitto_server, monkeypatch, request):
    monkeypatch.setenv("PYTHONPATH", python_path(legacy_site(request.config)))
    ini(pytester, "mqtt = play-mqtt", "play_requests = play_requests")
    pytester.makefile(".yml", vars=f"mqtt_host: {mosquitto_server.host}\nmqtt_port: {mosquitto_server.port}\n")
    pytester.makefile(".yml", test_publish=MQTT)
    result = pytester.runpytest_subprocess(*PLAY, "--variables", "vars.yml")
    result.stdout.fnmatch_lines_random([
        "play provider 'mqtt' is served by play-mqtt 0.0.5 (chosen by the ini option play_providers)",
        "play provider 'play_requests' is served by play-requests 0.0.5 (chosen by the ini option play_providers)",
        "play provider 'selenium' is served by pytest-play 3.* (built-in; *)",
    ])
    # play-mqtt 0.0.5 uses paho-mqtt 1.x's API: paho-mqtt 2.0 refuses its Client(), later 2.x its loop_stop(force=).
    result.assert_outcomes(failed=1)
    result.stdout.re_match_lines([r"  TypeError: Client\.(loop_stop\(\) got an unexpected keyword argument 'force'"
                                  r"|__init__\(\) missing 1 required positional argument: 'callback_api_version')$"])


def test_a_distribution_that_does_not_register_the_name_is_a_usage_error_listing_those_that_do(pytester):
    ini(pytester, "selenium = play-selenum")
    result = pytester.runpytest(*PLAY)
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: play_providers: selenium = play-selenum: play-selenum does not register "
                                 "'selenium' (installed for 'selenium': pytest-play 3.*)"])


def test_a_name_no_provider_has_is_a_usage_error_with_a_suggestion(pytester):
    ini(pytester, "selenum = play-selenium")
    result = pytester.runpytest(*PLAY)
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: play_providers: no installed distribution registers a provider named "
                                 "'selenum' (did you mean 'selenium'?) (wanted play-selenium; providers: include, *)"])


def test_a_line_without_equals_is_a_usage_error_with_an_example(pytester):
    ini(pytester, "play-selenium")
    result = pytester.runpytest(*PLAY)
    assert result.ret == 4
    result.stderr.fnmatch_lines(["ERROR: play_providers: 'play-selenium' is not NAME = DISTRIBUTION (e.g. selenium = "
                                 "play-selenium, or selenium = pytest-play for the built-in)"])


def test_naming_the_built_in_alone_is_allowed_and_said(pytester):
    ini(pytester, "python = pytest-play")
    pytester.makefile(".yml", test_ok="- {provider: python, type: assert, expression: 'True'}\n")
    result = pytester.runpytest(*PLAY)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["play provider 'python' is served by pytest-play 3.* (chosen by the ini option "
                                 "play_providers)"])


def test_a_third_party_provider_that_is_not_an_old_plugin_still_wins_and_can_be_refused(pytester):
    package = pytester.mkpydir("acme_play")
    (package / "providers.py").write_text(textwrap.dedent("""
        from pytest_play.providers import BaseProvider

        class PythonProvider(BaseProvider):
            def command_assert(self, command, **kwargs):
                pass
    """))
    dist = pytester.mkdir("acme_play-1.0.dist-info")
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-play\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[playcommands]\npython = acme_play.providers:PythonProvider\n")
    pytester.makefile(".yml", test_false="- {provider: python, type: assert, expression: 'False'}\n")
    result = pytester.runpytest_subprocess(*PLAY)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["play provider 'python' is served by acme-play 1.0 (a third-party provider wins "
                                 "over the built-in of its name; to keep the built-in: play_providers = python = "
                                 "pytest-play)"])
    ini(pytester, "python = pytest-play")
    result = pytester.runpytest_subprocess(*PLAY)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["play provider 'python' is served by pytest-play 3.* (chosen by the ini option "
                                 "play_providers)"])
