"""Hip-flexor (iliopsoas) question answering: cited passages from our articles.

engine/ answers questions (no Flask), web/ serves them, store/ keeps ratings and the question log;
cli.py and config.py sit at the top. create_app() builds the web app: it is looked up in assistant.web
only when asked for, so the command line's `ask` does not pay for loading Flask.
"""
from __future__ import annotations

__all__ = ["create_app"]


def __getattr__(name: str):
    """Return assistant.web.create_app as assistant.create_app, importing the web package on first use."""
    if name == "create_app":
        from .web import create_app
        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
