"""The BDD example of the README against the demo app in headless Chromium: the
login feature (a Scenario Outline of three users) and the items API feature,
each run with the YAML step library and with Python step definitions."""

import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

pytest.importorskip("pytest_bdd")
pytestmark = pytest.mark.skipif(not (shutil.which("chromium") and shutil.which("chromedriver")),
                                reason="needs chromium and chromedriver")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "tests" / "bdd"
BROWSER = ["--splinter-webdriver", "chrome", "--splinter-headless"]
YAML_ROUTE = [sys.executable, "-m", "pytest", "tests/bdd/features", "-o", "play_bdd_features=tests/bdd/features",
              "--variables", "envs/local.yml", *BROWSER]
PYTHON_ROUTE = [sys.executable, "-m", "pytest", "tests/bdd/python/login_steps.py", "--variables", "envs/local.yml",
                *BROWSER]
LOGIN_TESTS = [f"test_a_user_logs_in_and_sees_their_name[{user}-{user}]" for user in ("siteadmin", "editor", "reader")]
API_TESTS = ["test_an_editor_creates_an_item_and_finds_it_listed", "test_the_api_refuses_a_call_without_a_token"]


def run(command, tmp_path, *extra, cwd=ROOT):
    junit = tmp_path / "junit.xml"
    result = subprocess.run([*command, "-p", "no:randomly", "-p", "no:cacheprovider", f"--junitxml={junit}", *extra],
                            cwd=cwd, capture_output=True, text=True, timeout=600,
                            env={**__import__("os").environ, "SE_OFFLINE": "true"})
    cases = {case.get("name"): case for case in ET.parse(junit).getroot().iter("testcase")} if junit.exists() else {}
    return result, cases


def outcome(case) -> str:
    return next((child.tag for child in case if child.tag in ("failure", "error", "skipped")), "passed")


def readme_bdd_blocks() -> dict[str, str]:
    """The code blocks of the README's BDD section whose first line names their file."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## BDD\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```\w*\n(.*?)```", section, re.S)
    return {block.split("\n", 1)[0][2:]: block for block in blocks if block.startswith("# tests/bdd/")}


def readme_commands() -> list[str]:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## BDD\n", 1)[1].split("\n## ", 1)[0]
    return [line for line in section.splitlines() if line.startswith("python3 -m pytest ")]


def test_the_readme_shows_the_example_files_as_they_are():
    blocks = readme_bdd_blocks()
    assert sorted(blocks) == ["tests/bdd/features/login.feature", "tests/bdd/features/steps/login.yml",
                              "tests/bdd/python/login_steps.py"]
    for name, block in blocks.items():
        assert (ROOT / name).read_text(encoding="utf-8") == block, name
    shown = [" ".join(["python3", *command[1:]]) for command in (YAML_ROUTE, PYTHON_ROUTE)]
    assert readme_commands() == shown


def test_the_login_and_api_features_pass_with_only_the_yaml_step_library(tmp_path):
    result, cases = run(YAML_ROUTE, tmp_path, "-v")
    assert result.returncode == 0, result.stdout[-4000:]
    assert sorted(cases) == sorted(LOGIN_TESTS + API_TESTS)
    assert {outcome(case) for case in cases.values()} == {"passed"}
    assert "tests/bdd/features/login.feature::" + LOGIN_TESTS[2] + " PASSED" in result.stdout


def test_the_login_and_api_features_pass_with_python_step_definitions(tmp_path):
    result, cases = run([*PYTHON_ROUTE[:4], "tests/bdd/python/api_steps.py", *PYTHON_ROUTE[4:]], tmp_path)
    assert result.returncode == 0, result.stdout[-4000:]
    assert sorted(cases) == sorted(LOGIN_TESTS + API_TESTS)
    assert {outcome(case) for case in cases.values()} == {"passed"}


def test_tags_pick_the_api_feature_and_its_security_scenario(tmp_path):
    result, cases = run(YAML_ROUTE, tmp_path, "-m", "api and security")
    assert result.returncode == 0, result.stdout[-4000:]
    assert list(cases) == ["test_the_api_refuses_a_call_without_a_token"]


def copy_examples(tmp_path, demo_server) -> Path:
    project = tmp_path / "project"
    shutil.copytree(EXAMPLES, project / "tests" / "bdd")
    (project / "env.yml").write_text(f"base_url: {demo_server.url}\napi_url: {demo_server.url}/api\n")
    (project / "pytest.ini").write_text("[pytest]\nplay_bdd_features = tests/bdd/features\n")
    return project


def test_a_wrong_password_fails_at_the_feature_line_and_the_browser_steps_line(tmp_path, demo_server):
    project = copy_examples(tmp_path, demo_server)
    feature = project / "tests/bdd/features/login.feature"
    feature.write_text(feature.read_text().replace("| reader    | reader    |", "| reader    | wrong     |"))
    command = [sys.executable, "-m", "pytest", "tests/bdd/features/login.feature", "--variables", "env.yml",
               *BROWSER]
    result, cases = run(command, tmp_path, cwd=project)
    assert result.returncode == 1, result.stdout[-4000:]
    assert [name for name, case in cases.items() if outcome(case) == "failure"] == [
        "test_a_user_logs_in_and_sees_their_name[reader-wrong]"]
    lines = result.stdout.splitlines()
    start = lines.index("tests/bdd/features/login.feature:9: 'Then my name is shown' failed")
    assert lines[start + 1:start + 3] == [
        "  1 verification failed:",
        "    - tests/bdd/features/steps/login.yml:23: step 1 ($username is still the one of the step before): "
        "expected the text of css '.icon-user' to match '^reader$' within 10s; last seen: no matching element",
    ]
    assert "Traceback" not in result.stdout
