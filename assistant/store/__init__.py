"""The feedback store: every answer given (when recording is on), its rating, and reports over them.

SQLAlchemy Core over SQLite by default, or any database by URL (PostgreSQL is tested).
No Flask here: the web layer (feedback.py, api.py, admin.py) and the command line use it.
"""
from .answers import RATINGS, Store, answer_row, new_answer_id
from .recorder import Recorder
from .reports import feedback_report, question_key, unanswered_report

__all__ = ["RATINGS", "Recorder", "Store", "answer_row", "feedback_report", "new_answer_id", "question_key",
           "unanswered_report"]
