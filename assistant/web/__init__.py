"""The web app: create_app() builds the chat page, the JSON API, the OpenAI-compatible API and the OpenAPI description.

Flask is imported inside create_app, so importing the package (`assistant.create_app`) stays cheap.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

MAX_BODY_BYTES = 16 * 1024


def create_app(config: Mapping | None = None):
    """Create the web app (chat page, JSON API, OpenAI-compatible API, OpenAPI description) from defaults, ASSISTANT_* variables, then `config`.

    Raises BadSetting when a setting cannot be used.
    """
    from flask import Flask

    from ..config import DEFAULT_RETENTION_DAYS, bundled_dir, default_corpus_dir, default_index_path, verbatim_from_env
    from . import admin, api, console, feedback, openai_compat, openapi, request_log, site, widget
    from .holder import IndexHolder

    app = Flask(__name__, static_folder=str(bundled_dir("web")), static_url_path="/static",
                template_folder=str(bundled_dir("web")))  # index.html: the chat page, and /embed's
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
        CORPUS_CHECK_SECONDS=5,  # how often a corpus changed under the server is looked for (0: never)
        API_KEY=None,  # without one, /v1/ takes any bearer key or none
        PUBLIC_URL=None,  # the chat page's address in /v1/ replies' links (default: the address asked)
        CONTACT=None,  # the owner's line after the urgent-care and fallback texts ("Call us on ...")
        REQUEST_LOG=True,  # one line per request on stderr: method, path, status, milliseconds
        LOG_QUESTIONS=True,  # false keeps anything that may hold a question (query strings) out of the logs
        DATABASE_URL=None,  # default: a SQLite file in the per-user data folder (config.default_database_url)
        RECORD_QUESTIONS=True,  # record every answer, so it can be rated and the unanswered ones reported
        RETENTION_DAYS=DEFAULT_RETENTION_DAYS,  # recorded answers older than this are deleted
        EMBED_ORIGINS=None,  # websites that may embed the chat with /widget.js ("https://a.example https://b.example")
        TRUSTED_PROXY=None,  # the address of a proxy in front (nginx), whose X-Forwarded-For/-Proto waitress believes
    )
    app.config.from_prefixed_env("ASSISTANT")
    app.config.from_mapping(verbatim_from_env())
    if config:
        app.config.from_mapping(config)
    corpus = Path(str(app.config["CORPUS"]))
    index_path = Path(str(app.config["INDEX"])) if app.config["INDEX"] else default_index_path(corpus)
    check_seconds = api.amount(app.config, "CORPUS_CHECK_SECONDS", (int, float))
    if app.config["MAX_CONTENT_LENGTH"] is not None:  # the server refuses bodies from it before Flask sees them
        api.amount(app.config, "MAX_CONTENT_LENGTH")
    app.extensions["assistant"] = IndexHolder(corpus, index_path, check_seconds)
    app.json.sort_keys = False  # the engine's result object goes out as the engine built it
    request_log.init_app(app)
    api.init_app(app)
    feedback.init_app(app)
    admin.init_app(app)
    console.init_app(app)
    openai_compat.init_app(app)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(site.bp)
    widget.init_app(app)
    return app
