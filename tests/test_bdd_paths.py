"""play_bdd_features and play_bdd_steps name folders that exist: a misspelled one
used to collect nothing from it, silently (the run passed without its features)."""

import pytest

pytest.importorskip("pytest_bdd")


def test_a_missing_features_folder_is_a_usage_error(pytester):
    pytester.makeini("[pytest]\nplay_bdd_features = features/nothere\n")
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: play_bdd_features: no such file or folder: {pytester.path}/features/nothere "
                                 f"(its paths are relative to {pytester.path}, the ini file's folder)"])


def test_a_missing_steps_library_is_a_usage_error(pytester):
    (pytester.path / "features").mkdir()
    pytester.makeini("[pytest]\nplay_bdd_features = features\nplay_bdd_steps = libary.yml\n")
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([f"ERROR: play_bdd_steps: no such file or folder: {pytester.path}/libary.yml *"])


def test_existing_folders_collect_their_features(pytester):
    (pytester.path / "features" / "steps").mkdir(parents=True)
    (pytester.path / "features" / "one.feature").write_text("Feature: one\n  Scenario: it\n    Given it holds\n")
    (pytester.path / "features" / "steps" / "lib.yml").write_text(
        "- given: it holds\n  steps:\n    - {type: assert, provider: python, expression: 'True'}\n")
    pytester.makeini("[pytest]\nplay_bdd_features = features\nplay_bdd_steps = features/steps\n")
    result = pytester.runpytest_subprocess("-p", "no:randomly")
    result.assert_outcomes(passed=1)
