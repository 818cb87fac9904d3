"""Gherkin features run by pytest-bdd, with steps written as pytest-play steps.

Two routes (README, section BDD): Python step definitions that call the `play`
fixture, and `.feature` files collected on their own (ini `play_bdd_features`)
whose steps come from a YAML step library. Without pytest-bdd, or with neither
route configured, this plugin only declares its ini options.
"""

from __future__ import annotations

from pathlib import Path

import pytest

FEATURE_SUFFIX = ".feature"
_ACTIVE = pytest.StashKey[tuple]()  # (feature paths, library paths) when features are configured


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini("play_bdd_features", "folders and .feature files that pytest collects without a Python "
                  "test module; their steps come from the YAML step library (needs pytest-bdd)", type="paths",
                  default=[])
    parser.addini("play_bdd_steps", "YAML step library files or folders for play_bdd_features, besides the "
                  "steps/ folders beside each feature and in its parent folders", type="paths", default=[])


def pytest_configure(config: pytest.Config) -> None:
    features = [Path(p) for p in config.getini("play_bdd_features")]
    has_bdd = config.pluginmanager.has_plugin("pytest-bdd")
    if has_bdd:
        from . import hooks

        config.pluginmanager.register(hooks, "play_bdd_hooks")
    if not features:
        return
    if not has_bdd:
        raise pytest.UsageError("play_bdd_features is set but pytest-bdd is not installed (or is disabled "
                                "with -p no:pytest-bdd): pip install 'pytest-play[bdd]'")
    from .collect import FEATURE_PATHS

    steps = tuple(Path(p).resolve() for p in config.getini("play_bdd_steps"))
    _check_paths_exist(config, "play_bdd_features", features)
    _check_paths_exist(config, "play_bdd_steps", steps)
    config.stash[_ACTIVE] = config.stash[FEATURE_PATHS] = (tuple(p.resolve() for p in features), steps)


def _check_paths_exist(config: pytest.Config, name: str, paths) -> None:
    """A misspelled folder would otherwise collect nothing from it, silently."""
    missing = [str(path) for path in paths if not Path(path).exists()]
    if missing:
        base = f"{config.inipath.parent}, the ini file's folder" if config.inipath else "the current directory"
        raise pytest.UsageError(f"{name}: no such file or folder: {', '.join(missing)} "
                                f"(its paths are relative to {base})")


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    if file_path.suffix != FEATURE_SUFFIX:
        return None
    active = parent.config.stash.get(_ACTIVE, None)
    if active is None:
        return None
    resolved = file_path.resolve()
    if not any(resolved == place or place in resolved.parents for place in active[0]):
        return None
    from .collect import FeatureFile

    return FeatureFile.from_parent(parent, path=file_path)
