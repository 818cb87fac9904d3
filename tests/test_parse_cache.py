"""Parsed YAML scenarios are kept in __pycache__, used only while the file is unchanged."""

import sys

import pytest

from pytest_play import parsecache
from pytest_play.loader import load_scenario


@pytest.fixture
def scenario(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = tmp_path / "test_cached.yml"
    path.write_text("- {type: assert, expression: 'x == 1'}\n")
    return path


def test_parsed_documents_are_cached_and_reused(scenario, monkeypatch):
    load_scenario(scenario)
    cache = scenario.parent / "__pycache__" / "test_cached.yml.play-2.pickle"
    assert cache.is_file()
    monkeypatch.setattr("pytest_play.loader.files.ScenarioLoader.parse", lambda *a: pytest.fail("parsed again"))
    steps = load_scenario(scenario).steps
    assert steps[0].data["expression"] == "x == 1" and steps[0].line == 1


def test_a_changed_file_is_parsed_again(scenario):
    load_scenario(scenario)
    scenario.write_text("# changed\n- {type: assert, expression: 'x == 2'}\n")
    step = load_scenario(scenario).steps[0]
    assert step.data["expression"] == "x == 2" and step.line == 2


def test_a_corrupt_cache_is_ignored(scenario):
    load_scenario(scenario)
    (scenario.parent / "__pycache__" / "test_cached.yml.play-2.pickle").write_bytes(b"garbage")
    assert load_scenario(scenario).steps[0].data["expression"] == "x == 1"


def test_nothing_is_written_when_bytecode_writing_is_off(scenario, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    load_scenario(scenario)
    assert not (scenario.parent / "__pycache__").exists()


def test_json_files_are_not_cached(tmp_path, monkeypatch):
    monkeypatch.setattr(sys, "dont_write_bytecode", False)
    path = tmp_path / "test_j.json"
    path.write_text('{"steps": []}')
    load_scenario(path)
    assert parsecache.load(path, path.read_bytes()) is None
    assert not (tmp_path / "__pycache__").exists()
