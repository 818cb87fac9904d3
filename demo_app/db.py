"""Database layer of the demo application (SQLAlchemy Core).

Two tables: ``items`` (created asynchronously through the REST API) and
``readings`` (device values received over MQTT).  Works on SQLite (default, a
file in a temporary directory) and on PostgreSQL (``postgresql+psycopg://``).
"""

import datetime
import json
import math
import shutil
import tempfile
import threading
from pathlib import Path

from sqlalchemy import (
    Column, DateTime, Integer, MetaData, String, Table, create_engine, event,
    func, insert, select, text,
)

metadata = MetaData()

items = Table(
    "items", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("owner", String(100), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # AUTOINCREMENT keeps SQLite from reusing ids we reserved (see reserve_item_id)
    sqlite_autoincrement=True,
)

readings = Table(
    "readings", metadata,
    Column("id", Integer, primary_key=True),
    Column("device", String(100), nullable=False),
    Column("value", String(200), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
)


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def isoformat(moment):
    """ISO 8601 text of a timestamp; SQLite gives naive datetimes, stored as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment.isoformat()


def value_text(value):
    """Readings are stored as text: strings as they are, anything else as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def reading_value(raw):
    """Give numeric readings back as numbers, anything else as text."""
    for kind in (int, float):
        try:
            number = kind(raw)
        except (TypeError, ValueError):
            continue
        if math.isfinite(number):
            return number
    return raw


def _enable_sqlite_wal(dbapi_connection, _record):
    # WAL lets external readers (e.g. SQL steps of a test) query the file
    # while the app writes, without "database is locked" errors.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


class Database:
    """Engine, schema and the few queries the app needs."""

    def __init__(self, url=None):
        self._tempdir = None
        if url is None:
            self._tempdir = tempfile.mkdtemp(prefix="demo-app-db-")
            url = "sqlite:///" + str(Path(self._tempdir) / "demo.sqlite")
        self.url = url
        self.engine = self._create_engine(url)
        self._reserve_lock = threading.Lock()
        self._last_reserved = 0
        metadata.create_all(self.engine)

    @staticmethod
    def _create_engine(url):
        if url.startswith("sqlite"):
            # the app serves requests from many threads and timers
            engine = create_engine(url, connect_args={"check_same_thread": False})
            event.listen(engine, "connect", _enable_sqlite_wal)
            return engine
        return create_engine(url, pool_pre_ping=True)

    def close(self):
        self.engine.dispose()
        if self._tempdir:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None

    # -- items ---------------------------------------------------------------

    def reserve_item_id(self):
        """Give the id a not-yet-inserted item will get.

        The REST API answers 202 with the id before the row exists, so the id
        must be taken from the same source that plain SQL inserts use.
        """
        with self._reserve_lock, self.engine.begin() as conn:
            dialect = self.engine.dialect.name
            if dialect == "postgresql":
                return conn.execute(
                    text("SELECT nextval(pg_get_serial_sequence('items', 'id'))")
                ).scalar_one()
            top = conn.execute(select(func.max(items.c.id))).scalar() or 0
            if dialect == "sqlite":
                return self._reserve_sqlite(conn, top)
            self._last_reserved = max(self._last_reserved, top) + 1
            return self._last_reserved

    @staticmethod
    def _reserve_sqlite(conn, top):
        seq = conn.execute(
            text("SELECT seq FROM sqlite_sequence WHERE name = 'items'")
        ).scalar()
        new_id = max(seq or 0, top) + 1
        statement = (
            "INSERT INTO sqlite_sequence (name, seq) VALUES ('items', :seq)"
            if seq is None else
            "UPDATE sqlite_sequence SET seq = :seq WHERE name = 'items'"
        )
        conn.execute(text(statement), {"seq": new_id})
        return new_id

    def insert_item(self, item_id, name, owner):
        with self.engine.begin() as conn:
            conn.execute(insert(items).values(
                id=item_id, name=name, owner=owner, created_at=utcnow()))

    def list_items(self):
        with self.engine.connect() as conn:
            rows = conn.execute(select(items).order_by(items.c.id)).mappings()
            return [self._item(row) for row in rows]

    def get_item(self, item_id):
        with self.engine.connect() as conn:
            row = conn.execute(
                select(items).where(items.c.id == item_id)).mappings().first()
            return self._item(row) if row else None

    def delete_item(self, item_id):
        """Delete an item; tell whether it existed."""
        with self.engine.begin() as conn:
            result = conn.execute(items.delete().where(items.c.id == item_id))
            return result.rowcount > 0

    @staticmethod
    def _item(row):
        return {
            "id": row["id"], "name": row["name"], "owner": row["owner"],
            "created_at": isoformat(row["created_at"]),
        }

    # -- readings ------------------------------------------------------------

    def add_reading(self, device, value):
        """Store a reading and return it as the API shows it."""
        received_at = utcnow()
        with self.engine.begin() as conn:
            result = conn.execute(insert(readings).values(
                device=device, value=value_text(value), received_at=received_at))
            reading_id = result.inserted_primary_key[0]
        return {
            "id": reading_id, "device": device,
            "value": reading_value(value_text(value)),
            "received_at": isoformat(received_at),
        }

    def list_readings(self):
        with self.engine.connect() as conn:
            rows = conn.execute(select(readings).order_by(readings.c.id)).mappings()
            return [{
                "id": row["id"], "device": row["device"],
                "value": reading_value(row["value"]),
                "received_at": isoformat(row["received_at"]),
            } for row in rows]
