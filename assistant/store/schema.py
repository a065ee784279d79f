"""The feedback database's tables, and the migrations that bring an older database up to them.

A new database gets the tables below and a version row of SCHEMA_VERSION. A change of
schema raises SCHEMA_VERSION and adds a step to MIGRATIONS that turns the previous
version into it (ALTER TABLE ... through the connection); the tables below always show
the latest version. Alembic would do the same with a folder of scripts and its own tool.
"""
from __future__ import annotations

from typing import Callable

from sqlalchemy import (JSON, Boolean, Column, Connection, DateTime, Integer, MetaData, String, Table, Text,
                        insert, inspect, select, text, update)

from ..errors import StoreUnavailable

SCHEMA_VERSION = 1

metadata = MetaData()

schema_version = Table("assistant_schema_version", metadata, Column("version", Integer, nullable=False))

# One row per answer given while recording is on; a rating, when one comes, is written into its row.
answers = Table(
    "assistant_answers", metadata,
    Column("answer_id", String(32), primary_key=True),
    Column("asked_at", DateTime, nullable=False, index=True),  # UTC, without a time zone
    Column("question", Text, nullable=False),
    Column("history", JSON, nullable=False),  # the chat's earlier questions, oldest first
    Column("answer", Text, nullable=False),  # the best sentence, the urgent-care advice or the fallback
    Column("passage_ids", JSON, nullable=False),
    Column("found", Boolean, nullable=False),
    Column("confidence", String(8)),  # high, low or NULL when not found
    Column("urgent", Boolean, nullable=False),
    Column("rating", String(4), index=True),  # up, down or NULL when not rated
    Column("comment", Text),
    Column("rated_at", DateTime),
)

# version -> the step from version - 1 to it. None yet: version 1 is the first schema.
MIGRATIONS: dict[int, Callable[[Connection], None]] = {}


def migrate(connection: Connection) -> None:
    """Create the tables in a new database, or bring an older one up to SCHEMA_VERSION, in the open transaction.

    Raises StoreUnavailable when the database was made by a newer version of the assistant.
    """
    lock(connection)
    found = None
    if inspect(connection).has_table(schema_version.name):
        found = connection.scalar(select(schema_version.c.version))
    if found is None:
        metadata.create_all(connection)
        connection.execute(insert(schema_version).values(version=SCHEMA_VERSION))
        return
    if found > SCHEMA_VERSION:
        raise StoreUnavailable(f"the database's schema is version {found}, made by a newer assistant than this one "
                               f"(version {SCHEMA_VERSION}); upgrade it, or set ASSISTANT_DATABASE_URL to another database")
    for version in range(found + 1, SCHEMA_VERSION + 1):
        MIGRATIONS[version](connection)
    if found != SCHEMA_VERSION:
        connection.execute(update(schema_version).values(version=SCHEMA_VERSION))


def lock(connection: Connection) -> None:
    """Hold off other processes migrating the same database until this transaction ends."""
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('assistant_schema_version'))"))
    # SQLite: every transaction already began IMMEDIATE, holding the write lock (database.tune_sqlite).
