"""Collection: the three file formats, test data rows, markers, skip and xfail."""

from xml.etree import ElementTree

import pytest

pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")

STEPS_JSON = '{"steps": [{"type": "assert", "expression": "1 + 1 == 2"}]}'


def run(pytester, *args):
    return pytester.runpytest("-p", "no:randomly", *args)


def test_json_object_with_steps_is_collected_and_run(pytester):
    pytester.makefile(".json", test_simple=STEPS_JSON)
    result = run(pytester, "-v")
    result.stdout.fnmatch_lines(["test_simple.json::test_simple PASSED*"])
    result.assert_outcomes(passed=1)


def test_yaml_list_of_steps_is_collected(pytester):
    pytester.makefile(".yml", test_list="- {type: assert, expression: 'True'}\n")
    run(pytester).assert_outcomes(passed=1)


def test_yaml_with_metadata_document_uses_the_last_document_as_steps(pytester):
    pytester.makefile(".yaml", test_two="markers: [smoke]\n---\n- {type: assert, expression: 'True'}\n")
    result = run(pytester, "-m", "smoke", "-v")
    result.stdout.fnmatch_lines(["test_two.yaml::test_two PASSED*"])


def test_yaml_mapping_with_steps_key_is_collected(pytester):
    pytester.makefile(".yml", test_map="steps:\n  - {type: assert, expression: 'True'}\n")
    run(pytester).assert_outcomes(passed=1)


def test_files_not_named_test_star_are_ignored(pytester):
    pytester.makefile(".json", login=STEPS_JSON)
    pytester.makefile(".yml", other="- {type: assert, expression: 'False'}\n")
    result = run(pytester)
    assert result.ret == pytest.ExitCode.NO_TESTS_COLLECTED


def test_sidecar_ini_gives_markers_and_one_item_per_test_data_row(pytester):
    pytester.makefile(".json", test_login='{"steps": [{"type": "assert", "expression": "len(\'$username\') > 0"}]}')
    pytester.makefile(".ini", test_login="""
        [pytest]
        markers =
            login
        test_data =
            {"username": "siteadmin", "password": "siteadmin"}
            {"username": "editor", "password": "editor"}
            {"username": "reader", "password": "reader"}
    """)
    result = run(pytester, "-v", "-m", "login", "--strict-markers")
    result.stdout.fnmatch_lines([
        "test_login.json::test_login?siteadmin? PASSED*",
        "test_login.json::test_login?editor? PASSED*",
        "test_login.json::test_login?reader? PASSED*",
    ])
    result.assert_outcomes(passed=3)


def test_row_ids_leave_out_secret_values_and_are_selectable_with_k(pytester):
    pytester.makefile(".yml", test_ids="""
        test_data:
          - {username: alice, password: hunter22, api_key: k-123, lang: en}
          - {id: the-bob-row, username: bob, password: hunter33}
        ---
        - {type: assert, expression: "True"}
    """)
    result = run(pytester, "--collect-only", "-q")
    result.stdout.fnmatch_lines(["test_ids.yml::test_ids[alice-en]", "test_ids.yml::test_ids[the-bob-row]"])
    assert "hunter" not in result.stdout.str() and "k-123" not in result.stdout.str()
    run(pytester, "-k", "bob").assert_outcomes(passed=1)


def test_duplicate_row_ids_are_made_unique(pytester):
    pytester.makefile(".yml", test_dup="test_data: [{v: 1}, {v: 1}]\n---\n- {type: assert, expression: 'v == 1'}\n")
    result = run(pytester, "--collect-only", "-q")
    result.stdout.fnmatch_lines(["test_dup.yml::test_dup[10]", "test_dup.yml::test_dup[11]"])


def test_markers_are_registered_so_strict_markers_passes(pytester):
    pytester.makefile(".yml", test_mark="markers: [nightly, api]\n---\n- {type: assert, expression: 'True'}\n")
    result = run(pytester, "--strict-markers", "-m", "nightly and api")
    result.assert_outcomes(passed=1)
    result = run(pytester, "--strict-markers", "-m", "not api")
    result.assert_outcomes()


@pytest.mark.parametrize("skip, outcome", [
    ("true", "skipped"),
    ("'not ready yet'", "skipped"),
    ("{condition: \"env == 'PROD'\", reason: no prod}", "skipped"),
    ("{condition: \"env == 'DEV'\", reason: only dev}", "passed"),
])
def test_skip_metadata_accepts_bool_reason_and_condition(pytester, skip, outcome):
    pytester.makefile(".yml", vars="env: PROD\n")
    pytester.makefile(".yml", test_skip=f"skip: {skip}\n---\n- {{type: assert, expression: 'True'}}\n")
    result = run(pytester, "--variables", "vars.yml", "-rs")
    result.assert_outcomes(**{outcome: 1})


def test_skip_reason_is_shown(pytester):
    pytester.makefile(".yml", test_skip="skip: 'waiting for ticket 42'\n---\n- {type: assert, expression: 'True'}\n")
    run(pytester, "-rs").stdout.fnmatch_lines(["SKIPPED*waiting for ticket 42*"])


@pytest.mark.parametrize("xfail, outcome", [
    ("true", {"xfailed": 1}),
    ("'known bug'", {"xfailed": 1}),
    ("{condition: 'env == \"PROD\"', reason: bug}", {"xfailed": 1}),
    ("{condition: 'env == \"DEV\"', reason: bug}", {"failed": 1}),
])
def test_xfail_metadata_accepts_bool_reason_and_condition(pytester, xfail, outcome):
    pytester.makefile(".yml", vars="env: PROD\n")
    pytester.makefile(".yml", test_xf=f"xfail: {xfail}\n---\n- {{type: assert, expression: 'False'}}\n")
    run(pytester, "--variables", "vars.yml").assert_outcomes(**outcome)


def test_reportinfo_and_junit_point_at_the_scenario_file_and_its_first_step(pytester):
    pytester.makefile(".yml", test_where="# the login\nmarkers: [smoke]\n---\n- {type: assert, expression: 'True'}\n",
                      test_flat="- {type: assert, expression: 'True'}\n")
    run(pytester, "--junitxml=out.xml", "-o", "junit_family=xunit1")
    cases = {case.get("name"): case.attrib
             for case in ElementTree.parse(pytester.path / "out.xml").iter("testcase")}
    # JUnit lines are 0-based, as pytest's locations are: the step is on line 4.
    assert cases["test_where"]["file"] == "test_where.yml" and cases["test_where"]["line"] == "3"
    assert cases["test_flat"]["file"] == "test_flat.yml" and cases["test_flat"]["line"] == "0"


def test_sidecars_are_found_with_one_listing_per_directory(pytester, monkeypatch):
    import os

    from pytest_play import loader

    pytester.makefile(".yml", test_a="- {type: assert, expression: 'True'}\n",
                      test_b="- {type: assert, expression: 'True'}\n", test_c="- {type: assert, expression: 'True'}\n")
    pytester.makefile(".ini", test_a="[pytest]\nmarkers = alpha\n")
    pytester.makefile(".INI", TEST_B="[pytest]\nmarkers = beta\n")  # not test_b.ini where case counts
    listed = []
    real_listdir = os.listdir
    monkeypatch.setattr(loader.metadata.os, "listdir", lambda path: listed.append(path) or real_listdir(path))
    result = pytester.runpytest_inprocess("-p", "no:randomly", "-m", "alpha or beta", "-v")
    result.stdout.fnmatch_lines(["test_a.yml::test_a PASSED*"])
    result.assert_outcomes(passed=1)
    assert listed.count(str(pytester.path)) == 1
    assert loader.is_scenario_file(pytester.path / "test_a.yml") and not loader.is_scenario_file(pytester.path / "a.yml")


def test_sidecar_index_looks_files_up_when_a_directory_cannot_be_listed(tmp_path, monkeypatch):
    from pytest_play import loader

    (tmp_path / "test_x.json").write_text("[]")
    (tmp_path / "test_x.ini").write_text("[pytest]\n")
    index = loader.SidecarIndex()
    assert index.sidecar(tmp_path / "test_x.json") == tmp_path / "test_x.ini"
    assert index.sidecar(tmp_path / "test_y.json") is None

    def refuse(path):
        raise PermissionError(path)

    monkeypatch.setattr(loader.metadata.os, "listdir", refuse)
    index = loader.SidecarIndex()
    assert index.sidecar(tmp_path / "test_x.json") == tmp_path / "test_x.ini"
    assert index.sidecar(tmp_path / "test_y.json") is None


@pytest.mark.parametrize("text, lines", [
    ('[\n  {"type": "a"},\n\n  {"type": "b"}, 3, {"type": "c"}\n]', [2, 4, 4, 4]),
    ('{"steps": [{"type": "x"}],\n "markers": [],\n "steps": [\n{"type": "a"},\n{"type": "b"}]}', [4, 5]),
    ('\r\n{\r\n"steps"\r\n:\r\n[\r\n{"type": "[{\\"\\n"},\r\n{"type": "b"}\r\n]\r\n}', [6, 7]),
])
def test_json_steps_know_their_lines(tmp_path, text, lines):
    from pytest_play.loader import parse_json

    data = parse_json(tmp_path / "test_x.json", text)
    steps = data["steps"] if isinstance(data, dict) else data
    assert steps.lines == lines and steps.line == lines[0]
    assert [step.line for step in steps if isinstance(step, dict)] == [line for step, line in zip(steps, lines)
                                                                          if isinstance(step, dict)]


def test_steps_that_template_the_same_keys_share_one_plan(tmp_path):
    from pytest_play.loader import load_scenario
    from pytest_play.registry import ProviderRegistry
    from pytest_play.validate import StepCompiler

    path = tmp_path / "test_plans.yml"
    path.write_text("- {type: assert, expression: '$a == 1'}\n- {type: assert, expression: '$b == 2'}\n"
                    "- {type: assert, expression: 'True'}\n")
    compiled, problems = StepCompiler(ProviderRegistry.discover()).compile_scenario(load_scenario(path))
    assert problems == []
    first, second, third = (step.plan for step in compiled.steps)
    assert first is second and first[1] == ("expression",)
    assert third[1] == () and third is not first
