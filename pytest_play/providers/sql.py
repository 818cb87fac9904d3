"""The `play_sql` provider (alias `sql`): SQL through SQLAlchemy, compatible with play_sql.

    - type: sql
      provider: sql
      database_url: $database_url
      query: SELECT id, name FROM items WHERE name = :name
      parameters: {name: pencil}
      variable: item_id
      variable_expression: results.first().id
      assertion: len(results) == 1

Each step runs in its own transaction, committed when the statement succeeds.
The rows are read at once into `results` (a list of rows with `first()`,
`fetchall()`, `fetchone()`, `scalar()`...), so they can be read any number of
times after the connection went back to the pool. A row is a tuple whose values
can also be read by column name: `row['name']`, `row.name`, `dict(row)`.
Engines are created once per URL and session, and disposed when it ends.
Messages never show the password of a URL. The variable `sql_connect_timeout`
(seconds, default 10; 0 means no limit) bounds connecting, for the drivers that
take a connect timeout.
"""

from __future__ import annotations

import contextlib
import re
import time
from typing import Any

import pytest

from ..errors import StepError
from ..secrets import MASK, Masker, is_secret_name, mask_url, masked_step, url_passwords
from ..step_helpers import check_assertion, check_storing, store, timeout_seconds
from ..trust import SqliteGuard
from . import BaseProvider, Param, command

CONNECT_TIMEOUT = 10
# The drivers known to take a `connect_timeout` connect argument.
_CONNECT_TIMEOUT_DRIVERS = frozenset({("postgresql", "psycopg"), ("postgresql", "psycopg2"),
                                      ("mysql", "pymysql"), ("mysql", "mysqldb")})
_SHOWN_ROWS = 5
_BACKGROUND = re.compile(r"\s*\(Background on this error at: [^)]*\)")


class EngineCache:
    """SQLAlchemy engines of a pytest session, by URL; `dispose()` closes them all."""

    def __init__(self):
        self.engines: dict[str, Any] = {}

    def get(self, url: str, connect_timeout: float | None):
        engine = self.engines.get(url)
        if engine is None:
            engine = self.engines[url] = create_engine(url, connect_timeout)
        return engine

    def dispose(self) -> None:
        while self.engines:
            _, engine = self.engines.popitem()
            engine.dispose()


ENGINES = pytest.StashKey[EngineCache]()


def engine_cache(config: pytest.Config) -> EngineCache:
    """The session's engine cache, disposed when the session ends."""
    cache = config.stash.get(ENGINES, None)
    if cache is None:
        cache = config.stash[ENGINES] = EngineCache()
        config.add_cleanup(cache.dispose)
    return cache


def create_engine(url: str, connect_timeout: float | None):
    import sqlalchemy

    parsed = sqlalchemy.engine.make_url(url)
    connect_args = {}
    # Without it libpq and MySQL wait for an unreachable host as long as the OS does.
    key = (parsed.get_backend_name(), parsed.get_driver_name())
    if connect_timeout and key in _CONNECT_TIMEOUT_DRIVERS and "connect_timeout" not in parsed.query:
        connect_args["connect_timeout"] = int(max(1, connect_timeout))
    return sqlalchemy.create_engine(parsed, connect_args=connect_args, pool_pre_ping=True)


class SqlProvider(BaseProvider):
    """SQL queries on any database SQLAlchemy can reach."""

    @command(
        database_url=Param("string", doc=(
            "SQLAlchemy URL, e.g. sqlite:///data.db or postgresql+psycopg://user:pw@host/db")),
        query=Param("string", doc="one SQL statement; `:name` marks a bound parameter"),
        parameters=Param("mapping", required=False, default={}, doc="values of the bound parameters, by name"),
        variable=Param("string", required=False, doc="variable that receives the value of `variable_expression`"),
        variable_expression=Param("expression", required=False,
                                  doc="expression over `results` whose value goes into `variable`"),
        assertion=Param("expression", required=False, doc="expression over `results` that must be true"),
    )
    def command_sql(self, command, **kwargs):
        """Run `query` on `database_url` and commit; `results` is visible to `assertion` and `variable_expression`."""
        try:
            return self._run(command, kwargs)
        except Exception:
            # The engine shows this dict in the failure: never the URL's password
            # (until the engine shows `masked_step(rendered)` itself).
            command.update(masked_step(command))
            raise

    def _run(self, command: dict, names: dict) -> Results:
        url = command["database_url"]
        check_storing(command)
        timeout = timeout_seconds(self.engine.variables.get("sql_connect_timeout", CONNECT_TIMEOUT),
                                  "sql_connect_timeout")
        start = time.perf_counter()
        results = self._execute(url, command["query"], command.get("parameters") or {}, timeout)
        elapsed = (time.perf_counter() - start) * 1000
        self.engine.log(f"sql on {mask_url(url)}: {results.describe()} in {elapsed:.1f} ms")
        names = {**names, "results": results}
        context = {"results": QueryResult(url, results)}
        store(self.engine, command, names, context=context)
        check_assertion(self.engine, command, names, context=context)
        return results

    def _execute(self, url: str, query: str, parameters: dict, timeout: float | None) -> Results:
        from sqlalchemy import text
        from sqlalchemy.exc import SQLAlchemyError

        policy = self.engine.policy
        policy.database(url)
        guard = None if policy.trusted else SqliteGuard()
        try:
            engine = engine_cache(self.engine.request.config).get(url, timeout)
            with engine.begin() as connection:
                with guarded(connection, guard):
                    return Results.read(connection.execute(text(query), parameters))
        except ModuleNotFoundError as exc:
            raise StepError(f"can't load the database driver for {mask_url(url)}: {exc} (install it, or name "
                            "an installed driver in the URL, e.g. postgresql+psycopg://)") from None
        except (SQLAlchemyError, ValueError) as exc:
            if guard is not None and guard.refused:
                raise guard.error() from None
            raise StepError(hide_password(f"{mask_url(url)}: {error_text(exc)}", url)) from None


@contextlib.contextmanager
def guarded(connection, guard: SqliteGuard | None):
    """Run the block with `guard` as the SQLite authorizer of `connection` (None: unguarded)."""
    if guard is None or connection.dialect.name != "sqlite":  # other databases: network targets
        yield
        return
    raw = connection.connection.driver_connection
    raw.set_authorizer(guard)
    try:
        yield
    finally:
        raw.set_authorizer(None)


class QueryResult:
    """What a query returned, and on which database: the `results` context of a failed step."""

    def __init__(self, url: str, results: Results):
        self.url = url
        self.results = results

    def __str__(self) -> str:
        return f"query on {mask_url(self.url)} returned {self.results.preview()}"


class Row(tuple):
    """A result row: a tuple whose values can also be read by column name.

    `row[0]`, `row['name']`, `row.name` (unless the name is a tuple method such as
    `count`), `dict(row)`, `row.keys()`, `row.items()`.
    """

    def __new__(cls, values=(), columns=()):
        row = super().__new__(cls, values)
        row.columns = tuple(columns)
        return row

    def __getnewargs__(self):
        return tuple(self), self.columns

    def __getitem__(self, key):
        if isinstance(key, str):
            try:
                return tuple.__getitem__(self, self.columns.index(key))
            except ValueError:
                raise KeyError(f"no column {key!r} (columns: {', '.join(self.columns)})") from None
        return tuple.__getitem__(self, key)

    def __getattr__(self, name):
        if name.startswith("_") or name == "columns":
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError as exc:
            raise AttributeError(exc.args[0]) from None

    def keys(self) -> list[str]:
        return list(self.columns)

    def values(self) -> list:
        return list(self)

    def items(self) -> list[tuple[str, Any]]:
        return list(zip(self.columns, self))

    def get(self, key: str, default: Any = None) -> Any:
        return self[key] if key in self.columns else default

    def __repr__(self) -> str:
        shown = (f"{c}={MASK!r}" if is_secret_name(c) else f"{c}={v!r}" for c, v in zip(self.columns, self))
        return f"Row({', '.join(shown)})"


class Results(list):
    """The rows of one statement, read at once (a list of `Row`).

    `first()`, `fetchall()` / `all()`, `fetchone()` (the next row on each call),
    `scalar()` (first value of the first row), `scalars()` (first column),
    `mappings()` (rows as dicts), `keys()` (column names), `rowcount` (rows
    returned, or rows changed by INSERT/UPDATE/DELETE).
    """

    def __init__(self, rows=(), columns=(), rowcount: int = -1):
        super().__init__(rows)
        self.columns = tuple(columns)
        self.rowcount = rowcount
        self._next = 0

    @classmethod
    def read(cls, result) -> Results:
        if not result.returns_rows:
            return cls(rowcount=result.rowcount)
        columns = tuple(result.keys())
        rows = [Row(values, columns) for values in result.fetchall()]
        return cls(rows, columns, len(rows))

    def first(self) -> Row | None:
        return self[0] if self else None

    def fetchall(self) -> list[Row]:
        return list(self)

    all = fetchall

    def fetchone(self) -> Row | None:
        if self._next >= len(self):
            return None
        self._next += 1
        return self[self._next - 1]

    def scalar(self) -> Any:
        return self[0][0] if self and self[0] else None

    def scalars(self) -> list:
        return [row[0] for row in self]

    def mappings(self) -> list[dict]:
        return [dict(row.items()) for row in self]

    def keys(self) -> list[str]:
        return list(self.columns)

    def describe(self) -> str:
        if not self.columns:
            return _rows(self.rowcount) + " changed" if self.rowcount >= 0 else "done"
        return _rows(len(self))

    def preview(self) -> str:
        if not self.columns:
            return self.describe()
        shown = [f"\n  {row!r}" for row in self[:_SHOWN_ROWS]]
        more = f"\n  ... {len(self) - _SHOWN_ROWS} more" if len(self) > _SHOWN_ROWS else ""
        return f"{self.describe()}{':' if self else ''}{''.join(shown)}{more}"


def _rows(count: int) -> str:
    return f"{count} row{'' if count == 1 else 's'}"


def hide_password(text: str, url: str) -> str:
    """`text` without the password of `url`, wherever the driver repeated it (as written or decoded)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    passwords = set(url_passwords(url))
    try:
        password = make_url(url).password
    except (ArgumentError, ValueError, TypeError):
        password = None
    if password:
        passwords.add(str(password))
    return Masker(passwords)(text.replace(url, mask_url(url)))


def error_text(exc: BaseException) -> str:
    """The driver's own message when there is one, without SQLAlchemy's help links."""
    original = getattr(exc, "orig", None) or exc
    message = _BACKGROUND.sub("", str(original)).strip()
    return f"{type(original).__name__}: {message}" if message else type(original).__name__
