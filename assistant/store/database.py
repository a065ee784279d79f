"""Open the feedback database by URL: SQLite (the default) or PostgreSQL, safe for several threads and processes."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import ArgumentError

from ..errors import BadSetting

POSTGRES_DRIVER = "postgresql+psycopg"
SQLITE_PRAGMAS = (
    "busy_timeout = 10000",  # ms another process's write may hold us up before "database is locked"
    "journal_mode = WAL",  # readers and the writer do not block each other; kept in the file once set
    "synchronous = NORMAL",  # safe with WAL: a power cut can lose the last commits, never corrupt the file
)
CONNECT_TIMEOUT_S = 5  # a PostgreSQL server that does not answer: libpq's own default is to wait forever


def make_engine(url: str) -> Engine:
    """Return an engine for a SQLAlchemy URL; nothing is connected yet.

    Raises BadSetting when the URL cannot be read, is an in-memory SQLite database, or needs a
    driver that is not installed.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):  # e.g. a port that is not a number; not echoed: it may hold a password
        raise BadSetting("ASSISTANT_DATABASE_URL is not a database URL; write it like sqlite:///path/to/feedback.db "
                         "or postgresql://user:password@host/dbname") from None
    if parsed.drivername == "postgresql":
        # SQLAlchemy 2.0 reads a plain postgresql:// as psycopg2; the driver we offer is psycopg 3.
        parsed = parsed.set(drivername=POSTGRES_DRIVER)
    backend, options = parsed.get_backend_name(), {}
    if backend == "sqlite" and parsed.database in (None, "", ":memory:"):
        raise BadSetting("ASSISTANT_DATABASE_URL must name a SQLite file, like sqlite:///path/to/feedback.db: an "
                         "in-memory database is one per connection, so answers and their ratings would not meet")
    if backend == "postgresql":
        options["pool_pre_ping"] = True  # a server restarted since the last use: reconnect instead of failing once
        if "connect_timeout" not in parsed.query:
            options["connect_args"] = {"connect_timeout": CONNECT_TIMEOUT_S}
    try:
        engine = create_engine(parsed, **options)
    except ModuleNotFoundError as error:
        raise BadSetting(f"ASSISTANT_DATABASE_URL needs the Python module {error.name!r}, which is not installed; "
                         "for PostgreSQL: pip install 'iliopsoas-assistant[postgresql]'") from None
    except ArgumentError as error:
        raise BadSetting(f"ASSISTANT_DATABASE_URL cannot be used: {error}") from None
    if backend == "sqlite":
        tune_sqlite(engine, parsed)
    return engine


def tune_sqlite(engine: Engine, url: URL) -> None:
    """Create the file's folder on first connect, set WAL mode, and begin every transaction IMMEDIATE."""

    @event.listens_for(engine, "do_connect")
    def make_folder(dialect, record, cargs, cparams):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, record):
        # Transactions are begun by us (below), not by Python's sqlite3, which begins them late and DEFERRED.
        dbapi_connection.isolation_level = None
        for pragma in SQLITE_PRAGMAS:
            dbapi_connection.execute(f"PRAGMA {pragma}")

    @event.listens_for(engine, "begin")
    def begin_immediate(connection):
        # Take the write lock up front: a transaction that reads and then writes (a migration) can then
        # not fail half way with "database is locked"; other processes wait up to busy_timeout instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
