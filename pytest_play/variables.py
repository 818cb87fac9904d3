"""Build the session's scenario variables from pytest-variables and the environment.

Top-level keys of the `--variables` files are variables, and so are the keys
under a `pytest-play:` mapping (pytest-play's layout), which win. `secrets:`
lists names whose values must never be shown; `PLAY_SECRET_*` environment
variables add secret variables.
"""

from __future__ import annotations

from typing import Any

import pytest

from .secrets import environment_secrets

_CACHE = pytest.StashKey[tuple]()
NAMESPACE = "pytest-play"


def scenario_variables(raw: dict[str, Any], environ=None) -> tuple[dict[str, Any], frozenset[str]]:
    """`(variables, declared secret names)` from the merged variables files."""
    variables = {k: v for k, v in raw.items() if k not in (NAMESPACE, "secrets")}
    namespaced = raw.get(NAMESPACE)
    declared = set(_names(raw.get("secrets")))
    if isinstance(namespaced, dict):
        variables.update({k: v for k, v in namespaced.items() if k != "secrets"})
        declared.update(_names(namespaced.get("secrets")))
    from_environment = environment_secrets() if environ is None else environment_secrets(environ)
    variables.update(from_environment)
    declared.update(from_environment)
    return variables, frozenset(declared)


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def session_variables(request: pytest.FixtureRequest) -> tuple[dict[str, Any], frozenset[str]]:
    """The session's variables, computed once (pytest-variables' dict is session-wide)."""
    raw = request.getfixturevalue("variables")
    cached = request.config.stash.get(_CACHE, None)
    if cached is None or cached[0] is not raw:
        cached = (raw, *scenario_variables(raw))
        request.config.stash[_CACHE] = cached
    return cached[1], cached[2]
