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

    from . import admin, api, openapi, request_log, site
    from .config import bundled_dir, default_corpus_dir, default_index_path
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
        CONTACT=None,  # the owner's line after the urgent-care and fallback texts ("Call us on ...")
        REQUEST_LOG=True,  # one line per request on stderr: method, path, status, milliseconds
        LOG_QUESTIONS=True,  # false keeps anything that may hold a question (query strings) out of the logs
    )
    app.config.from_prefixed_env("ASSISTANT")
    for name in ("ADMIN_TOKEN", "CONTACT"):
        if os.environ.get(f"ASSISTANT_{name}"):
            # from_prefixed_env reads values as JSON: keep these exactly as written ("123", "true").
            app.config[name] = os.environ[f"ASSISTANT_{name}"]
    if config:
        app.config.from_mapping(config)
    corpus = Path(str(app.config["CORPUS"]))
    index_path = Path(str(app.config["INDEX"])) if app.config["INDEX"] else default_index_path(corpus)
    app.extensions["assistant"] = IndexHolder(corpus, index_path)
    app.json.sort_keys = False  # the engine's result object goes out as the engine built it
    request_log.init_app(app)
    api.init_app(app)
    admin.init_app(app)
    app.register_blueprint(openapi.bp)
    app.register_blueprint(site.bp)
    return app
