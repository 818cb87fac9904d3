"""The Jenkinsfile passes npm-groovy-lint (CodeNarc's Jenkinsfile rules,
.groovylintrc.json), run by .ci/groovy-lint, which installs the linter from npm
once. Skipped only where npm or java is missing (.ci/setup installs both)."""

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
LINT = REPO / ".ci" / "groovy-lint"
MISSING = 3  # .ci/groovy-lint's exit status when npm or java is missing


def lint(*files) -> subprocess.CompletedProcess:
    result = subprocess.run([shutil.which("bash") or "/bin/bash", str(LINT), *map(str, files)],
                            capture_output=True, text=True, timeout=600)
    if result.returncode == MISSING:
        pytest.skip(result.stderr.strip().splitlines()[-1])
    return result


def test_the_jenkinsfile_has_no_lint_warning():
    result = lint()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "'Warning' │ 0" in result.stdout and "'Error'   │ 0" in result.stdout


def test_the_lint_fails_on_a_jenkinsfile_with_a_warning(tmp_path):
    jenkinsfile = tmp_path / "Jenkinsfile"
    text = (REPO / "Jenkinsfile").read_text()
    jenkinsfile.write_text(text.replace("pipeline {", "def unused = 'x' * 3\npipeline {", 1))
    result = lint(jenkinsfile)
    assert result.returncode != 0
    assert "UnusedVariable" in result.stdout, result.stdout
