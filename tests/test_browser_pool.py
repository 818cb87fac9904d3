"""The browser pool in real sessions: what a browser start costs a scenario."""

import shutil

import pytest

pytestmark = pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                                reason="needs chromium and chromedriver")

PAGE = "data:text/html,<title>t</title><p id=p>hello</p>"


def test_a_slow_browser_start_does_not_count_against_the_scenario_timeout(pytester):
    pytester.makeconftest("""
        import time
        import pytest

        class Slow:
            def __init__(self, plan):
                self.plan = plan

            def __getattr__(self, name):
                return getattr(self.plan, name)

            def start(self, profiles_dir):
                time.sleep(1.5)
                return self.plan.start(profiles_dir)

        @pytest.fixture(scope="session")
        def browser_launch_plan(browser_launch_plan):
            return Slow(browser_launch_plan)
    """)
    pytester.makefile(".yml", test_first=f"""timeout: 1
---
- {{type: get, url: "{PAGE}"}}
- {{type: assertText, locator: {{type: id, value: p}}, text: hello}}
""", test_hung=f"""timeout: 1
---
- {{type: get, url: "{PAGE}"}}
- {{type: assertText, locator: {{type: id, value: p}}, text: never, timeout: 30}}
""")
    result = pytester.runpytest_subprocess("-p", "no:randomly", "--play-browser", "chrome", "--play-headless")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["test_hung.yml:4: step 2 failed", "*", "  scenario timed out after 1s"])


def test_a_pause_longer_than_the_time_left_fails_at_once_without_a_browser(pytester):
    pytester.makefile(".yml", test_pause="timeout: 2\n---\n- {type: pause, waitTime: 100000000}\n")
    result = pytester.runpytest("-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["  pause of 100000s is longer than the time left of the time limit (2.0s of 2s)"])
    assert result.duration < 10
