"""What a step may touch: the policy providers ask before they read or write a file or reach the network.

Committed scenario files are code and run under `TRUSTED`, which allows
everything. Pasted text (`--play-text`, `--play-file`, and what it includes)
runs under `Policy.untrusted(...)`: files only inside the build folder, nothing
an interpreter or a shell would run, network only to the targets the
environment allows (docs/trust.md). A refusal is a `Refused` step error.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import StepError

# Files an interpreter, a shell or the OS would run or load.
RUNNABLE_SUFFIXES = frozenset(
    ".py .pyc .pyw .pth .sh .bash .zsh .ps1 .bat .cmd .exe .so .dll .dylib .js .mjs .pl .rb .php .jar .desktop"
    .split())
RUNNABLE_STEMS = frozenset({"sitecustomize", "usercustomize"})
SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")
# Schemes that only show data already in the browser.
INERT_SCHEMES = frozenset({"data", "about"})
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "mqtt": 1883, "mqtts": 8883,
                 "postgresql": 5432, "postgres": 5432, "mysql": 3306, "mariadb": 3306, "mssql": 1433,
                 "oracle": 1521}
SETTING = "untrusted_may_reach"
# Database URL query options that name no file, socket or other host.
SAFE_DATABASE_OPTIONS = frozenset({"sslmode", "connect_timeout", "application_name", "charset"})
# SQLite authorizer action codes refused for pasted text (VACUUM INTO asks for ATTACH).
SQLITE_REFUSED = {19: "PRAGMA", 24: "ATTACH (or VACUUM INTO)", 25: "DETACH"}
SQLITE_FUNCTION = 31
PASTED = "pasted scenarios"


class Refused(StepError):
    """A step of a pasted scenario asked for something the policy does not allow."""

    def __init__(self, rule: str):
        super().__init__(f"refused: {PASTED} {rule}")


def build_folder(environ: Mapping[str, str] | None = None) -> Path:
    """`$WORKSPACE/build` when WORKSPACE is set, else `./build`: the only files pasted text may touch."""
    environ = os.environ if environ is None else environ
    workspace = environ.get("WORKSPACE")
    return (Path(workspace) if workspace else Path.cwd()).absolute().resolve() / "build"


def origin(url: str, scheme: str | None = None) -> tuple[str, str, int | None] | None:
    """`(scheme, host, port)` of a URL (a database URL's dialect without its driver), or None."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    found = (scheme or parts.scheme).lower().split("+")[0]
    host = (parts.hostname or "").lower()
    if not found or not host:
        return None
    return found, host, port if port is not None else DEFAULT_PORTS.get(found)


def same_family(a: str, b: str) -> bool:
    """http matches https origins only by exact scheme; `postgres` is `postgresql`."""
    alias = {"postgres": "postgresql"}
    return alias.get(a, a) == alias.get(b, b)


class Policy:
    """What the steps of one test may do. `trusted` allows everything."""

    def __init__(self, *, trusted: bool, build: Path | None = None,
                 targets: Iterable[tuple[str, str, int | None]] = (), included: Iterable[Path] = ()):
        self.trusted = trusted
        self.build = build
        self.targets = frozenset(targets)
        self.included_roots = tuple(included)

    @classmethod
    def untrusted(cls, variables: Mapping[str, Any], *, build: Path | None = None,
                  include_roots: Iterable[Path] = ()) -> Policy:
        """The policy of pasted text, with the targets the environment's `variables` allow."""
        return cls(trusted=False, build=build or build_folder(), targets=allowed_targets(variables),
                   included=include_roots)

    # --- files ------------------------------------------------------------------

    def inside_build(self, path: Path) -> bool:
        return self.build is not None and _within(Path(path).resolve(), self.build)

    def readable(self, path: str | Path, what: str = "read") -> Path:
        """`path` resolved; refused unless it is inside the build folder."""
        resolved = _resolved(path)
        if self.trusted or self.inside_build(resolved):
            return resolved
        raise Refused(f"may {what} files only inside the build folder ({self.build}), not {str(path)!r}")

    def writable(self, path: str | Path) -> Path:
        """`path` resolved; refused outside the build folder and for anything runnable."""
        resolved = self.readable(path, "write")
        if not self.trusted and runnable(resolved):
            raise Refused(f"may not write a file that an interpreter or a shell would run ({resolved.name!r})")
        return resolved

    def includable(self, path: Path) -> Path:
        """An included scenario file: inside the build folder or the project's committed scenarios."""
        resolved = _resolved(path)
        if self.trusted or self.inside_build(resolved):
            return resolved
        if resolved.suffix in (".json", ".yml", ".yaml") and any(_within(resolved, root)
                                                                for root in self.included_roots):
            return resolved
        roots = ", ".join(str(r) for r in (self.build, *self.included_roots))
        raise Refused(f"may include only scenario files inside {roots}, not {str(path)!r}")

    # --- network ----------------------------------------------------------------

    def reachable(self, url: str, scheme: str | None = None) -> str:
        """`url`, refused unless its origin is one the environment allows."""
        if self.trusted:
            return url
        self.allow(origin(url, scheme), url)
        return url

    def allow(self, found: tuple[str, str, int | None] | None, url: str = "") -> None:
        """Refuse unless the origin `found` (of `url`) is an allowed target."""
        if self.trusted:
            return
        if found is not None and any(same_family(found[0], t[0]) and found[1:] == t[1:] for t in self.targets):
            return
        shown = _shown(found) if found else repr(url)
        raise Refused(f"may reach only the targets the environment allows ({SETTING}: "
                      f"{', '.join(sorted(_shown(t) for t in self.targets)) or 'none'}), not {shown}")

    # --- databases --------------------------------------------------------------

    def database(self, url: str) -> None:
        """Refuse a database URL pasted text may not use: SQLite only in memory or as a
        .db/.sqlite/.sqlite3 file inside the build folder; other databases are network targets."""
        if self.trusted:
            return
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        try:
            parsed = make_url(url)
        except (ArgumentError, ValueError):
            raise Refused(f"may use only database URLs they can check, not {url!r}") from None
        backend = parsed.get_backend_name()
        if backend == "sqlite":
            if parsed.get_driver_name() != "pysqlite" or parsed.query:
                raise Refused("may use SQLite only as sqlite:// or sqlite:///FILE (the stock driver, "
                              "no query options)")
            if parsed.database in (None, "", ":memory:"):
                return
            path = self.writable(parsed.database)
            if path.suffix.lower() not in SQLITE_SUFFIXES:
                raise Refused(f"may open SQLite files only ending {', '.join(SQLITE_SUFFIXES)}, not {path.name!r}")
            return
        unsafe = sorted(set(parsed.query) - SAFE_DATABASE_OPTIONS)
        if unsafe:
            raise Refused(f"may not set the database URL option {unsafe[0]!r} (allowed: "
                          f"{', '.join(sorted(SAFE_DATABASE_OPTIONS))})")
        host = (parsed.host or "").lower()
        self.allow((backend, host, parsed.port or DEFAULT_PORTS.get(backend)) if host else None, url)


TRUSTED = Policy(trusted=True)


class SqliteGuard:
    """A SQLite authorizer (`sqlite3.Connection.set_authorizer`) refusing ATTACH, VACUUM INTO,
    PRAGMA and load_extension; `refused` names the last statement part it refused."""

    def __init__(self):
        self.refused: str | None = None

    def __call__(self, action: int, arg1, arg2, database, trigger) -> int:
        import sqlite3

        what = SQLITE_REFUSED.get(action)
        if what is None and action == SQLITE_FUNCTION and str(arg2).lower() == "load_extension":
            what = "load_extension"
        if what is None:
            return sqlite3.SQLITE_OK
        self.refused = what
        return sqlite3.SQLITE_DENY

    def error(self) -> Refused:
        return Refused(f"may not use {self.refused} in SQL (files outside the build folder, extensions)")


def runnable(path: Path) -> bool:
    """Whether a file of this name would be run or loaded by an interpreter, a shell or the OS."""
    name = path.name.lower()
    return (any(name.endswith(suffix) for suffix in RUNNABLE_SUFFIXES)
            or name.split(".")[0] in RUNNABLE_STEMS)


def allowed_targets(variables: Mapping[str, Any]) -> set[tuple[str, str, int | None]]:
    """The environment's `untrusted_may_reach` list, else the origins of its URL-shaped
    values and its `*mqtt_host`/`*mqtt_port` pairs."""
    listed = variables.get(SETTING)
    if listed is not None:
        values = listed if isinstance(listed, list) else [listed]
        return {o for o in (origin(str(v)) for v in values) if o is not None}
    targets = set()
    for name, value in variables.items():
        if isinstance(value, str) and "://" in value:
            found = origin(value)
            if found is not None:
                targets.add(found)
        if isinstance(name, str) and name.endswith("mqtt_host") and isinstance(value, str):
            port = variables.get(name[: -len("host")] + "port", 1883)
            try:
                targets.add(("mqtt", value.lower(), int(port)))
            except (TypeError, ValueError):
                pass
    return targets


def _resolved(path: str | Path) -> Path:
    """The real path; a name no file system accepts (a NUL character) is refused."""
    if "\0" in str(path):
        raise StepError(f"a path may not contain a NUL character: {str(path)!r}")
    return Path(path).resolve()


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _shown(target: tuple[str, str, int | None]) -> str:
    scheme, host, port = target
    return f"{scheme}://{host}" + (f":{port}" if port is not None else "")


DEFAULT_TIME_LIMIT = 120.0
PASTED_TIME_LIMIT = 600.0


def time_limit(given: float | None, policy: Policy) -> float | None:
    """A scenario's time limit in seconds (None: none) from its metadata or `--play-timeout`.

    Unset: 120 s. `0` means none, for committed files only; pasted text gets at most 600 s.
    """
    seconds = DEFAULT_TIME_LIMIT if given is None else float(given)
    if policy.trusted:
        return seconds or None
    if not seconds:
        raise Refused(f"must have a time limit: timeout 0 (none) is for committed files only; "
                      f"at most {PASTED_TIME_LIMIT:g} s")
    return min(seconds, PASTED_TIME_LIMIT)
