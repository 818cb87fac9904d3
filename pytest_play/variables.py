"""Build the session's scenario variables from pytest-variables and the environment.

Top-level keys of the `--variables` files are variables, and so are the keys
under a `pytest-play:` mapping (pytest-play's layout), which win. `secrets:`
lists names whose values must never be shown; `PLAY_SECRET_*` environment
variables add secret variables.

The `skins:` layout of pytest-play 2.x and cookiecutter-qa maps one skin (an
instance of the application) to variables as 2.x did: its `base_url`, and for
each `credentials: {NAME: {username, password}}` the variables `NAME_name` and
`NAME_pwd` (secret). The skin is `--play-skin`/`play_skin`, else the project's
`skin` fixture (pypom-navigation's and cookiecutter-qa's), else `skin1`; it wins
over the keys above, as in 2.x.

A test's own variables are a `Variables` dict, which counts its changes.
"""

from __future__ import annotations

from typing import Any

import pytest

from .errors import PlayError, did_you_mean
from .secrets import environment_secrets

_CACHE = pytest.StashKey[tuple]()
NAMESPACE = "pytest-play"
SKINS = "skins"
DEFAULT_SKIN = "skin1"  # pytest-play 2.x's and pypom-navigation's default


def scenario_variables(raw: dict[str, Any], environ=None, skin: str | None = None,
                       ) -> tuple[dict[str, Any], frozenset[str]]:
    """`(variables, declared secret names)` from the merged variables files.

    `skin` picks the `skins:` entry; without one, every skin's names are there
    (for checks that need the names only: validation, test ids).
    """
    variables = {k: v for k, v in raw.items() if k not in (NAMESPACE, "secrets")}
    namespaced = raw.get(NAMESPACE)
    declared = set(_names(raw.get("secrets")))
    if isinstance(namespaced, dict):
        variables.update({k: v for k, v in namespaced.items() if k != "secrets"})
        declared.update(_names(namespaced.get("secrets")))
    skins = raw.get(SKINS)
    if isinstance(skins, dict):
        if skin is not None:
            chosen = [skins_entry(skins, skin)]
        else:  # the first skin's values win, and the default skin's over them
            chosen = [settings for name, settings in skins.items() if name != DEFAULT_SKIN][::-1]
            chosen += [skins[DEFAULT_SKIN]] if DEFAULT_SKIN in skins else []
        for settings in chosen:
            from_skin, secret = skin_variables(settings)
            variables.update(from_skin)
            declared.update(secret)
    from_environment = environment_secrets() if environ is None else environment_secrets(environ)
    variables.update(from_environment)
    declared.update(from_environment)
    return variables, frozenset(declared)


def skins_entry(skins: dict, skin: str) -> Any:
    """The settings of `skin`; SkinNotFound names the known ones."""
    if skin not in skins:
        known = [str(name) for name in skins]
        raise SkinNotFound(f"skin {skin!r} is not under 'skins:' in the --variables files"
                           f"{did_you_mean(str(skin), known)} (known: {', '.join(known) or 'none'}); "
                           "choose one with --play-skin NAME or the ini option play_skin")
    return skins[skin]


def skin_variables(settings: Any) -> tuple[dict[str, Any], set[str]]:
    """A skin's variables as pytest-play 2.x made them, and the secret ones among them."""
    if not isinstance(settings, dict):
        return {}, set()
    variables = {}
    if "base_url" in settings:
        variables["base_url"] = settings["base_url"]
    credentials = settings.get("credentials")
    for name, account in (credentials.items() if isinstance(credentials, dict) else ()):
        if isinstance(account, dict):
            if "username" in account:
                variables[f"{name}_name"] = account["username"]
            if "password" in account:
                variables[f"{name}_pwd"] = account["password"]
    return variables, {name for name in variables if name.endswith("_pwd")}


class SkinNotFound(PlayError):
    """The chosen skin is not in the variables files."""


def chosen_skin(request: pytest.FixtureRequest) -> str:
    """--play-skin, else the ini option play_skin, else the `skin` fixture, else `skin1`."""
    config = request.config
    named = config.getoption("play_skin", None) or _ini(config, "play_skin")
    if named:
        return str(named)
    try:
        value = request.getfixturevalue("skin")
    except pytest.FixtureLookupError:
        return DEFAULT_SKIN
    except pytest.fail.Exception as failure:
        # cookiecutter-qa's skin fixture is parametrized over its skins: a scenario item has no such parameter.
        if "no parameter defined" not in str(failure):
            raise
        raise SkinNotFound("the 'skin' fixture is parametrized, and a scenario runs with one skin: "
                           "choose it with --play-skin NAME or the ini option play_skin") from None
    return str(value)


def _ini(config: pytest.Config, name: str) -> Any:
    try:
        return config.getini(name)
    except ValueError:  # not declared: another plugin's session (pytester) without ours
        return None


def _names(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [str(v) for v in value]
    return []


def session_variables(request: pytest.FixtureRequest) -> tuple[dict[str, Any], frozenset[str]]:
    """The session's variables, computed once (pytest-variables' dict is session-wide)."""
    raw = request.getfixturevalue("variables")
    skin = chosen_skin(request) if isinstance(raw.get(SKINS), dict) else None
    cached = request.config.stash.get(_CACHE, None)
    if cached is None or cached[0] is not raw or cached[1] != skin:
        cached = (raw, skin, *scenario_variables(raw, skin=skin))
        request.config.stash[_CACHE] = cached
    return cached[2], cached[3]


class Variables(dict):
    """A test's variables: a dict that counts its top-level changes (`version`), so that
    what is derived from them, the secret values to mask, is worked out only after one."""

    __slots__ = ("version",)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.version = 0

    def __setitem__(self, key, value):
        super().__setitem__(key, value)
        self.version += 1

    def __delitem__(self, key):
        super().__delitem__(key)
        self.version += 1

    def __ior__(self, other):
        self.update(other)
        return self

    def update(self, *args, **kwargs):
        super().update(*args, **kwargs)
        self.version += 1

    def setdefault(self, key, default=None):
        self.version += 1
        return super().setdefault(key, default)

    def pop(self, *args):
        self.version += 1
        return super().pop(*args)

    def popitem(self):
        self.version += 1
        return super().popitem()

    def clear(self):
        super().clear()
        self.version += 1
