"""Find the installed providers once, and resolve each step to its command.

Providers come from the `playcommands` entry point group, built-ins included.
When several distributions register one name, `choose` decides which serves it:
the ini option `play_providers` (`NAME = DISTRIBUTION` lines), else the built-in
when the others are pytest-play 2.x plugins that pytest-play 3 replaces
(`REPLACED_PLUGINS`), else the third-party one. `served` says which and why,
for the pytest header. Classes are imported on first use; their command tables
are computed once.
"""

from __future__ import annotations

import functools
import importlib.metadata
import re
from dataclasses import dataclass
from typing import Any

from .errors import did_you_mean
from .protocol import Param

GROUP = "playcommands"
OUR_DISTRIBUTION = "pytest-play"
# pytest-play 2.x's own provider plugins. pytest-play 3 ships each provider,
# parameter-compatible, under the same name, and these releases no longer work
# with current libraries (play-selenium 0.0.3 calls find_element_by_xpath, which
# selenium 4 removed; play-mqtt calls loop_stop(force=...), which paho-mqtt 2
# removed). Projects still install them as requirements, so the built-in serves
# their names unless `play_providers` picks them.
REPLACED_PLUGINS = frozenset({"play-selenium", "play-requests", "play-sql", "play-mqtt", "play-websocket"})
CHOICE_OPTION = "play_providers"
# Short names a scenario may use instead of pytest-play's provider names.
ALIASES = {"browser": "selenium", "http": "play_requests", "sql": "play_sql", "websocket": "play_websocket"}
# Keys every step may carry, whatever its provider.
STEP_KEYS = {
    "type": Param("string", doc="the command"),
    "provider": Param("string", required=False, doc="the provider; optional when the type is unambiguous"),
    "comment": Param("any", required=False, doc="free text shown in reports"),
    "skip_condition": Param(("string", "boolean"), required=False, doc="skip the step when this expression is true"),
}


@dataclass(eq=False)
class CommandSpec:
    """A provider's command: the method to call and its declared parameters."""

    provider: str
    provider_class: type
    type: str
    method: str
    params: dict[str, Param] | None  # None: not declared, anything is accepted
    doc: str

    @functools.cached_property
    def raw_keys(self) -> frozenset:
        """Parameters rendered by the provider itself (sub-steps)."""
        return frozenset(name for name, param in (self.params or {}).items() if not param.render)

    @functools.cached_property
    def text_keys(self) -> frozenset:
        """Parameters that are expressions (their `$name`s are values: expression_templates)."""
        return frozenset(name for name, param in (self.params or {}).items() if "expression" in param.kinds)

    @functools.cached_property
    def allowed(self) -> dict[str, Param]:
        """Every key a step of this command may have."""
        return {**STEP_KEYS, **(self.params or {})}

    @functools.cached_property
    def required(self) -> tuple[str, ...]:
        return tuple(name for name, param in (self.params or {}).items() if param.required)

    @functools.cached_property
    def step_lists(self) -> tuple[str, ...]:
        """Parameters holding sub-steps."""
        return tuple(name for name, param in (self.params or {}).items() if "steps" in param.kinds)

    @functools.cached_property
    def plans(self) -> dict[tuple, tuple]:
        """Run plans of validated steps, by their templated keys (see `validate.shared_plan`)."""
        return {}


@dataclass(frozen=True)
class Served:
    """Which distribution serves a provider name that several register, and why."""

    name: str
    distribution: str  # "acme-play 1.0"
    others: tuple[str, ...]
    reason: str

    def header_line(self) -> str:
        return f"play provider {self.name!r} is served by {self.distribution} ({self.reason})"


class ProviderRegistry:
    """The providers available to a session, by name.

    `choices` maps provider names to the distribution that must serve them
    (the ini option `play_providers`).
    """

    def __init__(self, entry_points, choices: dict[str, str] | None = None):
        offered: dict[str, list] = {}
        for ep in sorted(entry_points, key=_ours_first):
            same = [other for other in offered.get(ep.name, ()) if _distribution(other) == _distribution(ep)]
            for other in same:  # one distribution found twice on sys.path: its last entry, as before
                offered[ep.name].remove(other)
            offered.setdefault(ep.name, []).append(ep)
        choices = dict(choices or {})
        self._entry_points: dict[str, Any] = {}
        self.served: list[Served] = []
        for name, candidates in sorted(offered.items()):
            self._entry_points[name], served = choose(name, candidates, choices.pop(name, None))
            if served is not None:
                self.served.append(served)
        for name, wanted in choices.items():
            raise ChoiceError(f"{CHOICE_OPTION}: no installed distribution registers a provider named {name!r}"
                              f"{did_you_mean(name, offered)} (wanted {wanted}; providers: {', '.join(sorted(offered))})")
        self._classes: dict[str, type] = {}
        self._load_errors: dict[str, str] = {}
        self._commands: dict[type, dict[str, CommandSpec]] = {}
        self._by_type: dict[str, list[CommandSpec]] | None = None
        self._resolved: dict[tuple[str | None, str], CommandSpec] = {}

    @classmethod
    def discover(cls, choice_lines: list[str] | None = None) -> ProviderRegistry:
        """The installed providers; `choice_lines` are the ini option's `NAME = DISTRIBUTION` lines."""
        return cls(importlib.metadata.entry_points(group=GROUP), parse_choices(choice_lines or []))

    @property
    def names(self) -> list[str]:
        return sorted(self._entry_points)

    def provider_class(self, name: str) -> type | None:
        if name not in self._classes and name in self._entry_points and name not in self._load_errors:
            try:
                self._classes[name] = self._entry_points[name].load()
            except Exception as exc:  # a broken third-party package must not crash the run
                self._load_errors[name] = f"{type(exc).__name__}: {exc}"
        return self._classes.get(name)

    def load_error(self, name: str) -> str | None:
        return self._load_errors.get(name)

    def commands(self, name: str) -> dict[str, CommandSpec]:
        """The commands of provider `name`, by type (empty if it can't be loaded)."""
        provider_class = self.provider_class(name)
        if provider_class is None:
            return {}
        if provider_class not in self._commands:
            table = {}
            for attribute in dir(provider_class):
                if attribute.startswith("command_"):
                    method = getattr(provider_class, attribute)
                    params = getattr(method, "play_params", None)
                    if params is not None:
                        params = {**getattr(provider_class, "common_params", {}), **params}
                    doc = (method.__doc__ or "").strip()
                    table[attribute[8:]] = CommandSpec(name, provider_class, attribute[8:], attribute, params, doc)
            self._commands[provider_class] = table
        return self._commands[provider_class]

    def by_type(self) -> dict[str, list[CommandSpec]]:
        """Every command type, with the providers (one per class) that offer it."""
        if self._by_type is None:
            index: dict[str, list[CommandSpec]] = {}
            seen: set[type] = set()
            for name in self.names:
                provider_class = self.provider_class(name)
                if provider_class is None or provider_class in seen:
                    continue
                seen.add(provider_class)
                for type_, spec in self.commands(name).items():
                    index.setdefault(type_, []).append(spec)
            self._by_type = index
        return self._by_type

    def resolve(self, provider: Any, type_: Any) -> CommandSpec:
        """The command for a step's `provider` and `type`; raises LookupError with advice.

        Resolved pairs are remembered: a suite names the same few commands thousands of times.
        """
        if provider.__class__ is str or provider is None:
            spec = self._resolved.get((provider, type_)) if type_.__class__ is str else None
            if spec is None:
                spec = self._resolved[(provider, type_)] = self._resolve(provider, type_)
            return spec
        return self._resolve(provider, type_)

    def _resolve(self, provider: Any, type_: Any) -> CommandSpec:
        if not isinstance(type_, str) or not type_:
            raise LookupError(f"'type' must be a command name, not {type_!r}")
        if provider is None:
            candidates = self.by_type().get(type_, [])
            if len(candidates) == 1:
                return candidates[0]
            if candidates:
                names = ", ".join(sorted(c.provider for c in candidates))
                raise LookupError(f"command {type_!r} is offered by several providers ({names}): add 'provider'")
            raise LookupError(f"unknown command {type_!r}{did_you_mean(type_, self.by_type())}")
        if isinstance(provider, str) and provider not in self._entry_points:
            provider = ALIASES.get(provider, provider)
        if not isinstance(provider, str) or provider not in self._entry_points:
            known = self.names + [a for a, target in ALIASES.items() if target in self._entry_points]
            raise LookupError(f"unknown provider {provider!r}{did_you_mean(str(provider), known)}")
        commands = self.commands(provider)
        if not commands and self.load_error(provider):
            raise LookupError(f"provider {provider!r} failed to load: {self.load_error(provider)}")
        if type_ not in commands:
            raise LookupError(
                f"unknown command {type_!r} for provider {provider!r}{did_you_mean(type_, commands)}"
            )
        return commands[type_]


class ChoiceError(ValueError):
    """The ini option `play_providers` names something that isn't installed."""


def parse_choices(lines: list[str]) -> dict[str, str]:
    """`{name: distribution}` from `NAME = DISTRIBUTION` lines."""
    choices = {}
    for line in lines:
        name, equals, distribution = str(line).partition("=")
        if not equals or not name.strip() or not distribution.strip():
            raise ChoiceError(f"{CHOICE_OPTION}: {line!r} is not NAME = DISTRIBUTION "
                              "(e.g. selenium = play-selenium, or selenium = pytest-play for the built-in)")
        choices[name.strip()] = distribution.strip()
    return choices


def choose(name: str, candidates: list, wanted: str | None) -> tuple[Any, Served | None]:
    """The entry point that serves `name` among `candidates` (ours first), and what the header says."""
    if wanted is not None:
        matching = [ep for ep in candidates if _normalized(_distribution(ep)) == _normalized(wanted)]
        if not matching:
            found = ", ".join(_label(ep) for ep in candidates)
            raise ChoiceError(f"{CHOICE_OPTION}: {name} = {wanted}: {wanted} does not register {name!r} "
                              f"(installed for {name!r}: {found})")
        chosen = matching[-1]
        return chosen, _served(name, chosen, candidates, f"chosen by the ini option {CHOICE_OPTION}")
    if len(candidates) == 1:
        return candidates[0], None
    ours = [ep for ep in candidates if _distribution(ep) == OUR_DISTRIBUTION]
    others = [ep for ep in candidates if _distribution(ep) != OUR_DISTRIBUTION]
    replacing = [ep for ep in others if _normalized(_distribution(ep)) not in REPLACED_PLUGINS]
    if ours and not replacing:
        legacy = " and ".join(_label(ep) for ep in others)
        what = "pytest-play 2.x plugins" if len(others) > 1 else "a pytest-play 2.x plugin"
        return ours[0], _served(name, ours[0], candidates,
                                f"built-in; it replaces {legacy}, {what} also installed; "
                                f"to use it: {CHOICE_OPTION} = {name} = {_normalized(_distribution(others[-1]))}")
    chosen = (replacing or others)[-1]
    if ours:
        reason = (f"a third-party provider wins over the built-in of its name; "
                  f"to keep the built-in: {CHOICE_OPTION} = {name} = {OUR_DISTRIBUTION}")
    else:
        reason = f"the last one found; to choose: {CHOICE_OPTION} = {name} = DISTRIBUTION"
    return chosen, _served(name, chosen, candidates, reason)


def _served(name: str, chosen, candidates: list, reason: str) -> Served:
    return Served(name, _label(chosen), tuple(_label(ep) for ep in candidates if ep is not chosen), reason)


def _distribution(ep) -> str | None:
    dist = getattr(ep, "dist", None)
    return dist.metadata["Name"] if dist is not None else None


def _label(ep) -> str:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return ep.value
    return f"{_normalized(dist.metadata['Name'])} {dist.version}"


def _normalized(name: str | None) -> str:
    """A distribution name as PyPI compares them (PEP 503): play_selenium is play-selenium."""
    return re.sub(r"[-_.]+", "-", name or "").lower()


def _ours_first(ep) -> int:
    return 0 if _distribution(ep) == OUR_DISTRIBUTION else 1
