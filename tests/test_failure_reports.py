"""Failures that are not pytest-play's own still get pytest's usual report."""


def test_a_fixture_error_in_a_scenario_is_reported_as_a_normal_pytest_error(pytester):
    pytester.makeconftest("""
        import pytest

        @pytest.fixture(autouse=True)
        def broken():
            raise RuntimeError("the fixture broke")
    """)
    pytester.makefile(".yml", test_a="- {type: assert, expression: 'True'}\n")
    result = pytester.runpytest()
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*RuntimeError: the fixture broke*"])
    assert "INTERNALERROR" not in result.stdout.str()


def test_a_browser_fixture_that_breaks_during_a_step_is_reported_with_its_traceback(pytester):
    pytester.makeconftest("""
        import pytest

        @pytest.fixture
        def browser():
            pytest.fail("no browser today", pytrace=False)
    """)
    pytester.makefile(".yml", test_a="- {type: get, url: 'data:text/html,hi'}\n")
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no browser today*"])
    assert "INTERNALERROR" not in result.stdout.str()
