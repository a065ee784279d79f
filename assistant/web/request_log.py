"""One line per request on stderr: method, path, status and milliseconds (off with ASSISTANT_REQUEST_LOG=false).

Never a body; the query string only with ASSISTANT_LOG_QUESTIONS (on by default): a query string can hold
a question.
"""
from __future__ import annotations

import logging
import time

from flask import Flask, g, request
from flask.logging import has_level_handler, wsgi_errors_stream

from .api import switch

log = logging.getLogger("assistant.requests")
# stderr as it is when a line is written (wsgi_errors_stream looks it up each time), with the time first.
HANDLER = logging.StreamHandler(wsgi_errors_stream)
HANDLER.setFormatter(logging.Formatter("%(asctime)s %(message)s"))


def init_app(app: Flask) -> None:
    """Log every request of `app`, unless REQUEST_LOG is false.

    Raises BadSetting unless REQUEST_LOG and LOG_QUESTIONS are true or false.
    """
    with_query = switch(app.config, "LOG_QUESTIONS")
    if not switch(app.config, "REQUEST_LOG"):
        return
    # As Flask does for app.logger: logging set up by the operator wins; without it, stderr.
    if not log.level:
        log.setLevel(logging.INFO)
    if not has_level_handler(log):
        log.addHandler(HANDLER)
        log.propagate = False  # Flask's own handler on "assistant" would print each line twice

    @app.before_request
    def start_clock():
        g.request_started = time.perf_counter()

    @app.after_request
    def log_request(response):
        milliseconds = (time.perf_counter() - g.get("request_started", time.perf_counter())) * 1000
        path = request.full_path.rstrip("?") if with_query else request.path
        log.info("%s %s %s %.1f ms", request.method, path, response.status_code, milliseconds)
        return response
