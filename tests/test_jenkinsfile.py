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

from pytest_play import jenkins

REPO = Path(__file__).resolve().parents[1]
STUB = REPO / "tests" / "groovy" / "pipeline_stub.groovy"
JAVA_17 = Path("/usr/lib/jvm/java-17-openjdk-amd64")
GROOVY = shutil.which("groovy")

pytestmark = pytest.mark.skipif(
    GROOVY is None, reason="groovy is not installed (Debian package 'groovy'; .ci/run installs it)")


def evaluate(jenkinsfile: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ)
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


def test_environment_and_browser_choices_are_the_files_in_envs(pipeline):
    environments = parameter(pipeline, "ENVIRONMENT")
    browsers = parameter(pipeline, "BROWSER")
    assert environments["type"] == browsers["type"] == "choice"
    assert sorted(environments["choices"]) == jenkins.choices(REPO / "envs")
    assert sorted(browsers["choices"]) == jenkins.choices(REPO / "envs" / "browsers")


def test_switches_are_checkboxes_play_is_a_text_box_and_the_rest_are_strings(pipeline):
    types = {p["name"]: p["type"] for p in pipeline["parameters"]}
    assert {name for name, kind in types.items() if kind == "booleanParam"} == {
        "RANDOM_ENABLE", "BLOCK_FIRST_FAILURE", "DEBUG"}
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
    environment_file = jenkins.shown(REPO / "envs" / f"{environ['ENVIRONMENT']}.yml")
    assert command.args[:3] == ["scenarios", "--variables", environment_file]


def test_the_build_step_calls_the_module_and_nothing_else_runs_pytest(pipeline):
    scripts = sh_scripts(pipeline)
    calls = [(where, script) for where, script in scripts if "-m pytest_play.jenkins" in script]
    assert len(calls) == 1
    where, script = calls[0]
    assert where == "Test"
    assert script.split()[1:] == ["-m", "pytest_play.jenkins", "scenarios"]
    assert script.split()[0].endswith("python")
    assert not [s for _, s in scripts if re.search(r"(^|\s)(pytest|py\.test)\s|-m pytest(\s|$)", s)]


def test_after_the_build_the_junit_report_is_published_and_artifacts_archived(pipeline):
    after = {step["step"]: step for step in pipeline["steps"] if step["where"] == "post:always"}
    written = jenkins.output_args(jenkins.Places(Path("envs"), Path("build")))  # relative to the workspace
    assert after["junit"]["args"]["testResults"] == written[written.index("--junitxml") + 1]
    archived = [pattern.strip() for pattern in after["archiveArtifacts"]["args"]["artifacts"].split(",")]
    assert written[written.index("--splinter-screenshot-dir") + 1] + "/**" in archived
    assert archived == [f"build/{name}/**" for name in jenkins.OUTPUTS if name != "junit.xml"]


def test_the_stub_fails_on_a_broken_jenkinsfile(tmp_path):
    broken = tmp_path / "Jenkinsfile"
    broken.write_text("pipeline {\n  parameters {\n    string(name: 'A'\n  }\n}\n")
    result = evaluate(broken)
    assert result.returncode != 0
    assert "unexpected" in result.stderr.lower() or "error" in result.stderr.lower()
