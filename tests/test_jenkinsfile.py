"""The Jenkinsfile, evaluated by Groovy under a stub of the pipeline DSL (tests/groovy/pipeline_stub.groovy).

Checks that the build form declares exactly the parameters `pytest_play.jenkins`
reads, that its choices are the files in envs/, and that the build only calls
the module, then publishes what it writes.
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from pytest_play import jenkins, testrail
from pytest_play.jenkins.cli import OUTPUTS

REPO = Path(__file__).resolve().parents[1]
STUB = REPO / "tests" / "groovy" / "pipeline_stub.groovy"
JAVA_17 = Path("/usr/lib/jvm/java-17-openjdk-amd64")
GROOVY = shutil.which("groovy")

pytestmark = pytest.mark.skipif(
    GROOVY is None, reason="groovy is not installed (Debian package 'groovy'; .ci/run installs it)")


def evaluate(jenkinsfile: Path, **stub) -> subprocess.CompletedProcess:
    """The stub's JSON; `stub` sets STUB_PARAMS (the build's values) or STUB_MISSING_STEPS (plugins absent)."""
    env = {**os.environ, **{f"STUB_{key.upper()}": value for key, value in stub.items()}}
    # Debian's groovy 2.4 runs on Java 17, not on newer JDKs that may be the default.
    if "JAVA_HOME" not in env and JAVA_17.is_dir():
        env["JAVA_HOME"] = str(JAVA_17)
    return subprocess.run([GROOVY, str(STUB), str(jenkinsfile)], capture_output=True, text=True,
                          env=env, timeout=180)


@pytest.fixture(scope="module")
def pipeline() -> dict:
    result = evaluate(REPO / "Jenkinsfile")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def parameter(pipeline, name) -> dict:
    return next(p for p in pipeline["parameters"] if p["name"] == name)


def sh_scripts(pipeline) -> list[tuple[str, str]]:
    return [(step["where"], step["args"]["script"]) for step in pipeline["steps"] if step["step"] == "sh"]


def test_the_form_declares_exactly_the_parameters_the_module_reads(pipeline):
    assert [p["name"] for p in pipeline["parameters"]] == list(jenkins.PARAMETERS)


@pytest.mark.parametrize(("name", "directory"), [
    ("ENVIRONMENT", "envs"), ("BROWSER", "envs/browsers"), ("OS", "envs/os"), ("RESOLUTION", "envs/resolutions"),
])
def test_choices_are_the_files_in_envs(pipeline, name, directory):
    chosen = parameter(pipeline, name)
    assert chosen["type"] == "choice"
    assert sorted(chosen["choices"]) == jenkins.choices(REPO / directory)
    assert len(chosen["choices"]) > 1


def test_the_default_browser_of_the_runner_is_the_forms_first_choice(pipeline):
    assert parameter(pipeline, "BROWSER")["choices"][0] == jenkins.DEFAULT_BROWSER
    # The OS and RESOLUTION defaults ask nothing of the browser.
    assert parameter(pipeline, "OS")["choices"][0] == "ANY"
    assert parameter(pipeline, "RESOLUTION")["choices"][0] == "DEFAULT"


def test_switches_are_checkboxes_play_is_a_text_box_and_the_rest_are_strings(pipeline):
    types = {p["name"]: p["type"] for p in pipeline["parameters"]}
    assert {name for name, kind in types.items() if kind == "booleanParam"} == {
        "RANDOM_ENABLE", "BLOCK_FIRST_FAILURE", "DEBUG", "TESTRAIL_ENABLE"}
    assert types["PLAY"] == "text"
    assert {name for name, kind in types.items() if kind == "string"} == {
        "KEYWORDS", "MARKERS", "PARALLEL_SESSIONS", "COUNT", "RANDOM_SEED", "SELENIUM_GRID_URL"}


def test_an_untouched_form_is_a_valid_build(pipeline):
    def default(p):  # what Jenkins puts in the environment
        if p["type"] == "choice":
            return p["choices"][0]
        value = p.get("defaultValue", "")
        return str(value).lower() if isinstance(value, bool) else value

    environ = {p["name"]: default(p) for p in pipeline["parameters"]}
    command = jenkins.build_command(environ, jenkins.Places(REPO / "envs", Path("build")), paths=["scenarios"])
    shown = [jenkins.shown(REPO / "envs" / name) for name in (
        f"{environ['ENVIRONMENT']}.yml", "browsers/CHROME.yml", "os/ANY.yml", "resolutions/DEFAULT.yml")]
    assert command.args[:9] == ["scenarios", *(arg for path in shown for arg in ("--variables", path))]
    assert command.after is None  # TESTRAIL_ENABLE is off


def test_the_build_step_calls_the_module_and_nothing_else_runs_pytest(pipeline):
    scripts = sh_scripts(pipeline)
    calls = [(where, script) for where, script in scripts if "-m pytest_play.jenkins" in script]
    assert len(calls) == 1
    where, script = calls[0]
    assert where == "Test / withCredentials"
    assert script.split()[1:] == ["-m", "pytest_play.jenkins", "scenarios"]
    assert script.split()[0].endswith("python")
    assert not [s for _, s in scripts if re.search(r"(^|\s)(pytest|py\.test)\s|-m pytest(\s|$)", s)]


def test_testrail_credentials_are_bound_only_when_testrail_is_enabled(pipeline):
    bindings = next(s for s in pipeline["steps"] if s["step"] == "withCredentials")["args"]["bindings"]
    assert bindings == []  # an untouched form needs no 'testrail' credential in Jenkins
    result = evaluate(REPO / "Jenkinsfile", params=json.dumps({"TESTRAIL_ENABLE": True}))
    assert result.returncode == 0, result.stderr
    steps = json.loads(result.stdout)["steps"]
    bindings = next(s for s in steps if s["step"] == "withCredentials")["args"]["bindings"]
    assert bindings == [{"type": "usernamePassword", "credentialsId": "testrail",
                         "usernameVariable": "TESTRAIL_USER", "passwordVariable": "TESTRAIL_PASSWORD"}]
    assert set(testrail.REQUIRED) - {"TESTRAIL_HOST", "TESTRAIL_PROJECT"} == {"TESTRAIL_USER"}
    assert "TESTRAIL_PASSWORD" in testrail.SECRETS


def outputs(pipeline) -> tuple[dict, dict]:
    after = {step["step"]: step for step in pipeline["steps"] if step["where"] == "post:always"}
    written = jenkins.output_args(jenkins.Places(Path("envs"), Path("build")))  # relative to the workspace
    return after, dict(zip(written[::1], written[1:]))


def test_after_the_build_the_reports_are_published_and_the_evidence_archived(pipeline):
    after, option = outputs(pipeline)
    assert after["junit"]["args"]["testResults"] == option["--junitxml"]
    archived = [pattern.strip() for pattern in after["archiveArtifacts"]["args"]["artifacts"].split(",")]
    assert f"{option['--play-artifacts']}/**" in archived
    assert archived == [f"build/{name}/**" if "." not in name else f"build/{name}"
                        for name in OUTPUTS if name != "junit.xml"]
    html = after["publishHTML"]["args"][0]["target"]
    assert f"{html['reportDir']}/{html['reportFiles']}" == option["--html"]
    assert after["allure"]["args"][0]["results"] == [{"path": option["--alluredir"]}]


def test_without_the_html_and_allure_plugins_the_build_says_so_and_still_archives(tmp_path):
    result = evaluate(REPO / "Jenkinsfile", missing_steps="publishHTML,allure")
    assert result.returncode == 0, result.stderr
    after = [step for step in json.loads(result.stdout)["steps"] if step["where"] == "post:always"]
    assert [step["step"] for step in after] == ["junit", "echo", "echo", "archiveArtifacts"]
    assert [step["args"]["message"] for step in after[1:3]] == [
        "HTML Publisher plugin not installed: build/report.html is in the archived artifacts.",
        "Allure plugin not installed: build/allure-results is in the archived artifacts."]


def test_the_stub_fails_on_a_broken_jenkinsfile(tmp_path):
    broken = tmp_path / "Jenkinsfile"
    broken.write_text("pipeline {\n  parameters {\n    string(name: 'A'\n  }\n}\n")
    result = evaluate(broken)
    assert result.returncode != 0
    assert "unexpected" in result.stderr.lower() or "error" in result.stderr.lower()
