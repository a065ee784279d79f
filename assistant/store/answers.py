"""Recorded answers and their ratings: write them, rate them, read them back, forget the old ones."""
from __future__ import annotations

import re
import threading
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, delete, insert, not_, or_, select, update
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from ..config import DEFAULT_RETENTION_DAYS
from ..errors import StoreUnavailable
from .database import make_engine
from .schema import answers, migrate

RATINGS = ("up", "down")
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def utc_now() -> datetime:
    """Return the time now in UTC, without a time zone: how the database keeps times (SQLite has no time zones)."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_answer_id() -> str:
    """Return a fresh answer id: random, so one person cannot rate another's answers by guessing."""
    return uuid.uuid4().hex


def storable(text: str) -> str:
    """Return text that every database takes: NUL characters (which PostgreSQL refuses) and lone surrogates
    (which are not UTF-8) replaced. A question may hold both; one such row would fail its whole batch."""
    return UNSTORABLE.sub("\ufffd", text)


def answer_row(answer_id: str, question: str, history: list[str], result: dict) -> dict:
    """Return what is recorded of one answer: the question, its history and what the engine returned."""
    return {"answer_id": answer_id, "asked_at": utc_now(), "question": storable(question),
            "history": [storable(earlier) for earlier in history], "answer": storable(result["answer"]),
            "passage_ids": [passage["id"] for passage in result["passages"]],
            "found": result["found"], "confidence": result["confidence"], "urgent": result["urgent"]}


class Store:
    """The database of answers and ratings at one URL, keeping answers `retention_days` days; the schema is
    created or migrated on first use.

    Every method raises StoreUnavailable when the database cannot be reached or used.
    """

    def __init__(self, url: str, retention_days: int = DEFAULT_RETENTION_DAYS):
        """Raises BadSetting when the URL cannot be used (see database.make_engine)."""
        self.engine = make_engine(url)
        self.retention_days = retention_days
        self.where = self.engine.url.render_as_string(hide_password=True)
        self._ready = False
        self._lock = threading.Lock()

    @contextmanager
    def transaction(self):
        """Yield a connection in a transaction on an up-to-date schema; commit at the end."""
        try:
            self._migrate_once()
            with self.engine.begin() as connection:
                yield connection
        except (SQLAlchemyError, OSError) as error:
            reason = error.orig if isinstance(error, DBAPIError) else error
            first_line = (str(reason).strip().splitlines() or [type(reason).__name__])[0]
            raise StoreUnavailable(f"the database {self.where} cannot be used: {first_line}") from error

    def _migrate_once(self) -> None:
        if self._ready:
            return
        with self._lock, self.engine.begin() as connection:
            if not self._ready:
                migrate(connection)
                self._ready = True

    def add(self, rows: list[dict]) -> None:
        """Record answers (rows from answer_row)."""
        if rows:
            with self.transaction() as connection:
                connection.execute(insert(answers), rows)

    def rate(self, answer_id: str, rating: str, comment: str | None = None) -> bool:
        """Write a rating (and comment) into a recorded answer, replacing an earlier one; False if there is no such answer."""
        with self.transaction() as connection:
            done = connection.execute(update(answers).where(answers.c.answer_id == answer_id)
                                      .values(rating=rating, comment=comment and storable(comment),
                                              rated_at=utc_now()))
            return done.rowcount == 1

    def purge(self) -> int:
        """Delete the answers asked more than retention_days days ago; return how many went."""
        oldest = utc_now() - timedelta(days=self.retention_days)
        with self.transaction() as connection:
            return connection.execute(delete(answers).where(answers.c.asked_at < oldest)).rowcount

    def rated(self, since_days: int | None = None) -> list[dict]:
        """Return the rated answers (asked within `since_days` days, if given), latest first."""
        query = select(answers).where(answers.c.rating.is_not(None)).order_by(answers.c.rated_at.desc())
        with self.transaction() as connection:
            return rows(connection, since(query, since_days))

    def unanswered(self, since_days: int | None = None) -> list[dict]:
        """Return the questions the articles did not answer, or answered with low confidence, and the urgent ones
        (answered with the urgent-care advice), latest first."""
        query = (select(answers.c.question, answers.c.found, answers.c.urgent, answers.c.asked_at)
                 .where(or_(not_(answers.c.found), answers.c.confidence == "low", answers.c.urgent))
                 .order_by(answers.c.asked_at.desc()))
        with self.transaction() as connection:
            return rows(connection, since(query, since_days))

    def close(self) -> None:
        """Close the pooled connections (the store opens new ones if used again)."""
        self.engine.dispose()


def since(query, days: int | None):
    """Return the query limited to answers asked within the last `days` days (all when None)."""
    return query if days is None else query.where(answers.c.asked_at >= utc_now() - timedelta(days=days))


def rows(connection: Connection, query) -> list[dict]:
    """Return a query's rows as dicts."""
    return [dict(row._mapping) for row in connection.execute(query)]
