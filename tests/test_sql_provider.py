"""The SQL provider (`play_sql`, alias `sql`) in real pytest sessions.

Scenarios run in-process with pytester against SQLite files (no server) and
against the real PostgreSQL of the `postgres_server` fixture. Failure messages
are pinned with fnmatch_lines; URL passwords are searched for in the whole
output and the JUnit XML.
"""

import copy
import pickle
import sqlite3
import textwrap
import uuid

import pytest
import yaml

from pytest_play.providers.sql import Results, Row

PLAY = ("-p", "no:randomly", "-p", "no:cacheprovider", "--variables", "vars.yml")


@pytest.fixture
def run(pytester):
    """run(scenario or {name: scenario}, *args, **variables); `db_url` is a fresh SQLite file."""

    def run(scenarios, *args, **variables):
        if isinstance(scenarios, str):
            scenarios = {"test_scenario": scenarios}
        for name, text in scenarios.items():
            (pytester.path / f"{name}.yml").write_text(textwrap.dedent(text), encoding="utf-8")
        variables = {"db_url": f"sqlite:///{pytester.path / 'data.sqlite'}", **variables}
        pytester.makefile(".yml", vars=yaml.safe_dump(variables))
        return pytester.runpytest(*PLAY, *args)

    return run


CREATE = """
          - type: sql
            provider: sql
            database_url: $db_url
            query: CREATE TABLE fruit (id INTEGER PRIMARY KEY, name TEXT, price REAL)
          - type: sql
            provider: play_sql
            database_url: $db_url
            query: "INSERT INTO fruit (id, name, price) VALUES (1, 'apple', 0.5), (2, 'pear', 0.75), (3, 'fig', 2)"
"""


def test_results_offer_first_fetchall_iteration_and_rows_by_name_or_position(run):
    result = run(f"""
        steps:{CREATE}
          - type: sql
            provider: sql
            database_url: $db_url
            query: SELECT id, name FROM fruit WHERE price < :limit ORDER BY id
            parameters: {{limit: 1}}
            variable: cheap
            variable_expression: results
            assertion: >-
              len(results) == 2 and results.first().name == 'apple' and results.first()['id'] == 1
              and results[1][1] == 'pear' and dict(results.first()) == {{'id': 1, 'name': 'apple'}}
              and [row.name for row in results] == ['apple', 'pear'] and [n for i, n in results] == ['apple', 'pear']
              and results.fetchall() == [(1, 'apple'), (2, 'pear')] and results.all() == results.fetchall()
              and results.scalar() == 1 and results.scalars() == [1, 2] and results.keys() == ['id', 'name']
              and results.mappings() == [{{'id': 1, 'name': 'apple'}}, {{'id': 2, 'name': 'pear'}}]
              and results.rowcount == 2 and results.first().keys() == ['id', 'name']
              and results.first().get('nope', 'x') == 'x'
              and (results.fetchone().id, results.fetchone().id, results.fetchone()) == (1, 2, None)
          - type: assert
            comment: rows stay readable after the connection went back to the pool
            expression: cheap.first().name == 'apple' and [r['id'] for r in cheap] == [1, 2]
          - type: sql
            provider: sql
            database_url: $db_url
            query: SELECT name FROM fruit WHERE price > 100
            assertion: results == [] and results.first() is None and results.scalar() is None and not results
    """)
    result.assert_outcomes(passed=1)


def test_writes_are_committed_and_rowcount_tells_how_many_rows_changed(run, pytester):
    result = run(f"""
        steps:{CREATE}
          - type: sql
            provider: sql
            database_url: $db_url
            query: UPDATE fruit SET price = price * 2 WHERE price < :limit
            parameters: {{limit: 1}}
            variable: changed
            variable_expression: results.rowcount
            assertion: results.rowcount == 2 and len(results) == 0
    """)
    result.assert_outcomes(passed=1)
    with sqlite3.connect(pytester.path / "data.sqlite") as connection:
        assert connection.execute("SELECT name, price FROM fruit ORDER BY id").fetchall() == [
            ("apple", 1.0), ("pear", 1.5), ("fig", 2.0)]


def test_the_command_returns_the_results_to_python_callers(pytester, tmp_path):
    pytester.makefile(".yml", vars=yaml.safe_dump({"db_url": f"sqlite:///{tmp_path / 'x.sqlite'}"}))
    pytester.makepyfile("""
        def test_call(play):
            results = play.execute_command(
                {"type": "sql", "database_url": "$db_url", "query": "SELECT 1 AS one, 'a' AS letter"})
            assert results.first().one == 1 and results.first()["letter"] == "a"
    """)
    pytester.runpytest(*PLAY).assert_outcomes(passed=1)


def test_a_false_assertion_shows_the_url_and_the_first_rows(run):
    result = run(f"""
        steps:{CREATE}
          - type: sql
            provider: sql
            comment: too many fruits
            database_url: $db_url
            query: >-
              WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 7)
              SELECT i, 'x' AS secret_code FROM n
            assertion: len(results) == $expected
    """, expected=3)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        "test_scenario.yml:12: step 3 (too many fruits) failed",
        '  step: {"type": "sql", "provider": "sql", "database_url": "sqlite:///*/data.sqlite", "query": *}',
        "  assertion is false: len(results) == 3",
        "  query on sqlite:///*/data.sqlite returned 7 rows:",
        "    Row(i=1, secret_code='*****')",
        "    Row(i=2, secret_code='*****')",
        "    Row(i=3, secret_code='*****')",
        "    Row(i=4, secret_code='*****')",
        "    Row(i=5, secret_code='*****')",
        "    ... 2 more",
    ])


def test_bad_sql_and_missing_bound_parameters_are_clear_failures(run):
    result = run({"test_no_table": """
        steps:
          - type: sql
            database_url: $db_url
            query: SELECT * FROM nowhere
    """, "test_no_value": """
        steps:
          - type: sql
            database_url: $db_url
            query: SELECT :name AS name
    """, "test_half_variable": """
        steps:
          - type: sql
            database_url: $db_url
            query: SELECT 1
            variable: x
    """})
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(["  'variable' needs 'variable_expression'"])
    result.stdout.fnmatch_lines(["  sqlite:///*/data.sqlite: OperationalError: no such table: nowhere"])
    result.stdout.fnmatch_lines(
        ["  sqlite:///*/data.sqlite: InvalidRequestError: A value is required for bind parameter 'name'"])


def test_unusable_urls_are_clear_failures_without_the_password(run, pytester):
    result = run("""
        test_data:
          - {case: unparsable, url: "not a url"}
          - {case: dialect, url: "nosuchdb://ann:Pw-dialect-1@db.invalid/x"}
          - {case: driver, url: "mysql://ann:Pw-driver-22@db.invalid/x"}
        steps:
          - type: sql
            database_url: $url
            query: SELECT 1
    """, "--junitxml=report.xml")
    result.assert_outcomes(failed=3)
    result.stdout.fnmatch_lines(["  not a url: ArgumentError: Could not parse SQLAlchemy URL from given URL string"])
    result.stdout.fnmatch_lines([
        '  step: {"type": "sql", "database_url": "nosuchdb://ann:*****@db.invalid/x", "query": "SELECT 1"}',
        "  nosuchdb://ann:*****@db.invalid/x: NoSuchModuleError: Can't load plugin: sqlalchemy.dialects:nosuchdb"])
    result.stdout.fnmatch_lines([
        "  can't load the database driver for mysql://ann:*****@db.invalid/x: No module named 'MySQLdb' "
        "(install it, or name an installed driver in the URL, e.g. postgresql+psycopg://)"])
    # Passwords are in the test ids, which name the test data row: only check the messages.
    failures = result.stdout.str().split("= FAILURES =")[1].split("short test summary")[0]
    failures = "\n".join(line for line in failures.splitlines() if not line.startswith("___"))
    assert "Pw-dialect-1" not in failures and "Pw-driver-22" not in failures


def test_an_unreachable_server_fails_fast_and_its_password_is_never_shown(run, pytester):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # bound, not listening: refused at once
        result = run("""
            steps:
              - type: sql
                database_url: postgresql+psycopg://ann:Unreachable-Pw7@127.0.0.1:$port/shop
                query: SELECT 1
        """, "--junitxml=report.xml", "-rA", port=port)
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines([
        f'  step: {{"type": "sql", "database_url": "postgresql+psycopg://ann:*****@127.0.0.1:{port}/shop", *',
        f"  postgresql+psycopg://ann:*****@127.0.0.1:{port}/shop: OperationalError: connection failed: *"
        "Connection refused",
    ])
    assert "Unreachable-Pw7" not in result.stdout.str()
    assert "Unreachable-Pw7" not in (pytester.path / "report.xml").read_text()


def test_engines_are_created_once_per_url_and_disposed_when_the_session_ends(pytester, tmp_path):
    events = tmp_path / "events.txt"
    pytester.makefile(".yml", vars=yaml.safe_dump({"db_url": f"sqlite:///{tmp_path / 'x.sqlite'}",
                                                   "other_url": "sqlite://"}))
    pytester.makepyfile(f"""
        from sqlalchemy import event
        from pytest_play.providers.sql import ENGINES

        def record(text):
            with open({str(events)!r}, "a") as out:
                out.write(text + "\\n")

        def test_1(play):
            play.execute_command({{"type": "sql", "database_url": "$db_url", "query": "SELECT 1"}})

        def test_2(play, request):
            play.execute_command({{"type": "sql", "database_url": "$db_url", "query": "SELECT 2"}})
            play.execute_command({{"type": "sql", "database_url": "$other_url", "query": "SELECT 3"}})
            engines = request.config.stash[ENGINES].engines
            record(f"{{len(engines)}} engines")
            for url, engine in engines.items():
                event.listen(engine, "engine_disposed", lambda engine, url=url: record("disposed " + url))
    """)
    pytester.runpytest(*PLAY).assert_outcomes(passed=2)
    lines = events.read_text().splitlines()
    assert lines[0] == "2 engines"
    assert sorted(lines[1:]) == sorted([f"disposed sqlite:///{tmp_path / 'x.sqlite'}", "disposed sqlite://"])


def test_a_real_postgresql_database_is_queried_and_its_password_is_masked(run, pytester, postgres_server):
    url = postgres_server.create_database("play_" + uuid.uuid4().hex[:10])
    # The server trusts local users: the password is never checked, only shown.
    url = url.replace("postgres@", "postgres:Pg-Secret-31@", 1)
    result = run({"test_queries": """
        steps:
          - type: sql
            database_url: $pg_url
            query: CREATE TABLE orders (id SERIAL PRIMARY KEY, item TEXT NOT NULL, qty INTEGER)
          - type: sql
            database_url: $pg_url
            query: INSERT INTO orders (item, qty) VALUES (:item, :qty) RETURNING id
            parameters: {item: pencil, qty: 3}
            variable: order_id
            variable_expression: results.scalar()
          - type: sql
            database_url: $pg_url
            query: SELECT item, qty, '7'::int AS seven FROM orders WHERE id = :id
            parameters: {id: $order_id}
            assertion: >-
              results.first().item == 'pencil'
              and dict(results.first()) == {'item': 'pencil', 'qty': 3, 'seven': 7}
    """, "test_wrong": """
        steps:
          - type: sql
            database_url: $pg_url
            query: SELECT nothing FROM orders
    """}, "--junitxml=report.xml", "-rA", pg_url=url)
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        '  postgresql+psycopg://postgres:*****@127.0.0.1:*/play_*: UndefinedColumn: column "nothing" does not exist',
        "  LINE 1: SELECT nothing FROM orders",
    ])
    assert "Pg-Secret-31" not in result.stdout.str()
    assert "Pg-Secret-31" not in (pytester.path / "report.xml").read_text()


def test_wait_until_sees_an_item_the_api_creates_asynchronously_in_the_database(run, demo_server):
    result = run("""
        steps:
          - type: POST
            provider: http
            url: $base_url/api/login
            parameters: {json: {username: editor, password: editor}}
            variable: token
            jmespath: token
          - type: POST
            provider: http
            url: $base_url/api/items
            parameters: {json: {name: slow pencil}, headers: {Authorization: Bearer $token}}
            expected_status: 202
            variable: item_id
            jmespath: id
          - type: sql
            database_url: $database_url
            query: SELECT count(*) FROM items WHERE id = :id
            parameters: {id: $item_id}
            assertion: results.scalar() == 0
          - type: wait_until
            expression: rows == 1
            timeout: 10
            poll: 0.1
            sub_commands:
              - type: sql
                database_url: $database_url
                query: SELECT count(*) FROM items WHERE id = :id
                parameters: {id: $item_id}
                variable: rows
                variable_expression: results.scalar()
    """, base_url=demo_server.url, database_url=demo_server.database_url)
    result.assert_outcomes(passed=1)


# --- rows and results as Python objects ------------------------------------------------


def test_a_row_reads_by_position_or_name_and_survives_copies():
    row = Row((1, "apple"), ("id", "name"))
    assert (row[0], row["name"], row.name, dict(row), row == (1, "apple")) == (1, "apple", "apple",
                                                                                {"id": 1, "name": "apple"}, True)
    assert copy.deepcopy(row).name == "apple" and pickle.loads(pickle.dumps(row))["id"] == 1
    with pytest.raises(KeyError, match=r"no column 'nme' \(columns: id, name\)"):
        row["nme"]
    with pytest.raises(AttributeError, match="no column 'nme'"):
        row.nme


def test_results_read_again_after_fetchone_and_describe_themselves():
    results = Results([Row((1,), ("n",)), Row((2,), ("n",))], ("n",), 2)
    assert results.fetchone() == (1,) and list(results) == [(1,), (2,)] and results.fetchall() == [(1,), (2,)]
    assert results.describe() == "2 rows" and Results(rowcount=1).describe() == "1 row changed"
    assert Results().describe() == "done"
