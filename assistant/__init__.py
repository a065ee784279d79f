"""Hip-flexor (iliopsoas) question answering: cited passages from our articles.

create_app() builds the web app. Flask is imported inside it, so the command line's
`ask` does not pay for loading Flask.
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

MAX_BODY_BYTES = 16 * 1024


def create_app(config: Mapping | None = None):
    """Create the web app (chat page, JSON API, OpenAPI description) from defaults, ASSISTANT_* variables, then `config`.

    Raises BadSetting when a setting cannot be used.
    """
    from flask import Flask

    from . import admin, api, feedback, openapi, site
    from .config import DEFAULT_RETENTION_DAYS, bundled_dir, default_corpus_dir, default_index_path
    from .holder import IndexHolder

    app = Flask(__name__, static_folder=str(bundled_dir("web")), static_url_path="/static")
    app.config.from_mapping(
        CORPUS=str(default_corpus_dir()),
        INDEX=None,  # default: per-user data file named after the corpus (config.default_index_path)
        RATE_LIMIT="120 per minute",
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_HEADERS_ENABLED=True,
        MAX_CONTENT_LENGTH=MAX_BODY_BYTES,
        ANSWER_CACHE_SIZE=1024,  # distinct answers remembered per index (0: none)
        ADMIN_TOKEN=None,  # the admin API (add/remove documents, reindex) is off without one
        ADMIN_FAILURE_LIMIT="10 per minute",  # wrong admin tokens from one address before it gets 429
        DATABASE_URL=None,  # default: a SQLite file in the per-user data folder (config.default_database_url)
        RECORD_QUESTIONS=True,  # record every answer, so it can be rated and the unanswered ones reported
        RETENTION_DAYS=DEFAULT_RETENTION_DAYS,  # recorded answers older than this are deleted
    )
    app.config.from_prefixed_env("ASSISTANT")
    if os.environ.get("ASSISTANT_ADMIN_TOKEN"):
        # from_prefixed_env reads values as JSON: keep the token exactly as written ("123", "true").
        app.config["ADMIN_TOKEN"] = os.environ["ASSISTANT_ADMIN_TOKEN"]
    if config:
        app.config.from_mapping(config)
    corpus = Path(str(app.config["CORPUS"]))
    index_path = Path(str(app.config["INDEX"])) if app.config["INDEX"] else default_index_path(corpus)
    app.extensions["assistant"] = IndexHolder(corpus, index_path)
    app.json.sort_keys = False  # the engine's result object goes out as the engine built it
    api.init_app(app)
    feedback.init_app(app)
    admin.init_app(app)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(site.bp)
    return app
