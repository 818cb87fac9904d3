"""Scenario items behave like Python tests under pytest's usual plugins and options."""

import re
import textwrap


def scenarios(pytester, count=6):
    for number in range(count):
        pytester.makefile(".yml", **{f"test_s{number}": f"- {{type: assert, expression: '{number} >= 0'}}\n"})


def test_xdist_runs_scenarios_on_two_workers(pytester):
    scenarios(pytester)
    result = pytester.runpytest("-n", "2", "-p", "no:randomly")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*2 workers*"])


def test_count_repeats_each_item_like_pytest_repeat(pytester):
    pytester.makefile(".yml", test_rep="test_data: [{u: ann}, {u: bob}]\n---\n- {type: assert, expression: 'True'}\n")
    result = pytester.runpytest("--count", "3", "-p", "no:randomly", "-v")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines(["*test_rep?ann-1-3? PASSED*", "*test_rep?ann-3-3? PASSED*", "*test_rep?bob-2-3? PASSED*"])


def test_count_works_under_xdist(pytester):
    scenarios(pytester, 2)
    pytester.runpytest("--count", "2", "-n", "2").assert_outcomes(passed=4)


def order(result):
    return re.findall(r"(test_s\d)\.yml::test_s\d PASSED", result.stdout.str())


def test_randomly_shuffles_and_the_seed_reproduces_the_order(pytester):
    scenarios(pytester, 8)
    first = pytester.runpytest("-p", "randomly", "-v", "--randomly-seed", "1234")
    second = pytester.runpytest("-p", "randomly", "-v", "--randomly-seed", "1234")
    other = pytester.runpytest("-p", "randomly", "-v", "--randomly-seed", "99")
    plain = pytester.runpytest("-p", "no:randomly", "-v")
    assert len(order(plain)) == 8 and order(plain) == sorted(order(plain))
    assert order(first) == order(second)
    assert sorted(order(first)) == sorted(order(other)) == order(plain)
    assert order(first) != order(plain), "--randomly-seed 1234 ran the files in name order"
    assert order(other) != order(plain), "--randomly-seed 99 ran the files in name order"
    # The seed picks the order. Not every seed gives a new one: pytest-randomly 4 sorts
    # items that have no Python module by a CRC of seed and node id, which leaves names
    # as alike as these only a few orders (1234 and 99 give the same one).
    orders = {tuple(order(run)) for run in [first, other] + [
        pytester.runpytest("-p", "randomly", "-v", "--randomly-seed", str(seed)) for seed in range(1, 6)]}
    assert len(orders) > 1, "seven seeds, one order"


def test_exitfirst_stops_after_the_first_failing_scenario(pytester):
    pytester.makefile(".yml", test_a="- {type: assert, expression: 'False'}\n", test_b="- {type: assert, expression: 'True'}\n")
    pytester.runpytest("-x", "-p", "no:randomly").assert_outcomes(failed=1)


def test_keyword_and_marker_selection(pytester):
    pytester.makefile(".yml", test_login="markers: [auth]\n---\n- {type: assert, expression: 'True'}\n",
                      test_search="- {type: assert, expression: 'True'}\n")
    pytester.runpytest("-k", "login").assert_outcomes(passed=1)
    pytester.runpytest("-k", "not login").assert_outcomes(passed=1)
    result = pytester.runpytest("-m", "auth", "-v")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*test_login.yml::test_login PASSED*"])


def test_last_failed_reruns_only_the_failed_scenario(pytester):
    pytester.makefile(".yml", test_bad="- {type: assert, expression: 'False'}\n", test_ok="- {type: assert, expression: 'True'}\n")
    pytester.runpytest().assert_outcomes(passed=1, failed=1)
    result = pytester.runpytest("--lf", "-v")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*test_bad.yml::test_bad FAILED*"])


def test_scenario_items_get_fixtures_like_python_tests(pytester):
    pytester.makeconftest("""
        import pytest
        calls = []

        @pytest.fixture(autouse=True)
        def marker_fixture(request):
            calls.append(request.node.name)
            yield
            print("teardown of", request.node.name)
    """)
    pytester.makefile(".yml", test_fix="- {type: assert, expression: 'True'}\n")
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["*teardown of test_fix*"])


def test_a_third_party_provider_registered_by_entry_point_is_used_and_can_override(pytester):
    package = pytester.mkpydir("acme_play")
    (package / "providers.py").write_text(textwrap.dedent("""
        from pytest_play.providers import BaseProvider

        class AcmeProvider(BaseProvider):
            def command_shout(self, command, **kwargs):
                self.engine.update_variables({"shouted": command["text"].upper()})

        class PythonProvider(BaseProvider):
            def command_assert(self, command, **kwargs):
                self.engine.update_variables({"overridden": True})
    """))
    dist = pytester.mkdir("acme_play-1.0.dist-info")
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-play\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[playcommands]\nacme = acme_play.providers:AcmeProvider\npython = acme_play.providers:PythonProvider\n")
    pytester.makefile(".yml", test_acme="""\
- {provider: acme, type: shout, text: hello}
- {type: shout, text: again}
- {provider: python, type: assert, expression: 'False'}
""")
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines(["play providers: acme, include, *", "play provider 'python' is served by acme-play 1.0 (a third-party provider wins*"])


def test_play_fixture_runs_steps_from_python(pytester):
    (pytester.path / "steps.yml").write_text("- {type: store_variable, name: from_file, expression: '1'}\n")
    pytester.makefile(".yml", vars="greeting: hi\n")
    pytester.makepyfile(test_py="""
        def test_play(play):
            play.execute_raw("- {type: store_variable, name: x, expression: '2'}", {"y": 3})
            play.execute([{"type": "assert", "expression": "x + y == 5"}])
            assert play.execute_command({"type": "exec", "expression": "greeting + '!'"}) == "hi!"
            play.execute_raw(play.get_file_contents("steps.yml"))
            assert play.variables["from_file"] == 1

        def test_play_failure_points_at_the_step(play):
            play.execute([{"type": "assert", "comment": "must fail", "expression": "greeting == 'bye'"}])

        def test_a_file_failure_points_at_its_line(play):
            play.execute_file("checks.yml", {"expected": "bye"})
    """)
    (pytester.path / "checks.yml").write_text("- {type: assert, expression: '1 == 1'}\n"
                                               "- {type: assert, expression: \"greeting == '$expected'\"}\n")
    result = pytester.runpytest("--variables", "vars.yml", "-p", "no:randomly")
    result.assert_outcomes(passed=1, failed=2)
    result.stdout.fnmatch_lines(["*step 1 (must fail): assertion is false: greeting == 'bye'*"])
    result.stdout.fnmatch_lines(["E   *FailedCheck: checks.yml:2: step 2: assertion is false: greeting == 'bye'"])


def test_long_lived_objects_are_frozen_out_of_full_garbage_collections_unless_disabled(pytester):
    pytester.makepyfile(test_gc="""
        import gc

        def test_frozen(request):
            frozen = gc.get_freeze_count()
            print("frozen objects:", frozen)
            assert (frozen > 10000) is request.config.getini("play_gc_freeze")
    """)
    pytester.runpytest_subprocess().assert_outcomes(passed=1)
    pytester.runpytest_subprocess("-o", "play_gc_freeze=false").assert_outcomes(passed=1)
