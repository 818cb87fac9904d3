"""The example scenarios users copy must pass, with the README's demo command."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEMO_COMMAND = [sys.executable, "-m", "pytest", "scenarios", "--variables", "envs/local.yml",
                "--splinter-webdriver", "chrome", "--splinter-headless"]


def test_readme_demo_command_runs_every_example_scenario_green(tmp_path):
    junit = tmp_path / "examples.xml"
    result = subprocess.run(DEMO_COMMAND + ["-p", "no:randomly", f"--junitxml={junit}", "-q"],
                            cwd=ROOT, capture_output=True, text=True, timeout=600)
    tail = result.stdout[-4000:]
    assert result.returncode == 0, tail
    assert " passed" in tail and "failed" not in tail and "error" not in tail.lower(), tail


def test_readme_quick_start_names_the_demo_command():
    readme = (ROOT / "README.md").read_text()
    assert " ".join(["pytest"] + DEMO_COMMAND[3:]) in readme


def test_example_scenarios_pass_play_validate():
    result = subprocess.run([sys.executable, "-m", "pytest", "scenarios", "--play-validate",
                             "--variables", "envs/local.yml"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 problem(s)" in result.stdout
