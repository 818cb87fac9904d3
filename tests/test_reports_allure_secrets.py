"""Allure's status message of a failed scenario is masked.

allure-pytest writes `statusDetails.message` from the exception itself
(`call.excinfo.exconly()`), not from pytest's report, so a failure message that
quoted a secret value reached the result file unmasked."""

import json

SECRET = "Zq9-Allure-Secret"


def test_the_failure_message_in_the_allure_result_is_masked(pytester):
    pytester.makefile(".yml", vars=f"password: {SECRET}\n")
    pytester.makefile(".yml", test_check="""
        - type: assert
          provider: python
          expression: "'$password' == 'something else'"
        """)
    result = pytester.runpytest_subprocess("--variables", "vars.yml", "--alluredir", "allure", "-p", "no:randomly")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*test_check.yml:1: step 1*"])
    (found,) = pytester.path.joinpath("allure").glob("*-result.json")
    data = json.loads(found.read_text())
    assert data["status"] == "failed"
    assert "test_check.yml:1: step 1" in data["statusDetails"]["message"]
    assert "*****" in data["statusDetails"]["message"]
    leaked = [path.name for path in pytester.path.rglob("*") if path.is_file() and SECRET.encode() in path.read_bytes()
              and path.name != "vars.yml"]
    assert leaked == []
