"""An OpenAI-compatible API under /v1/: chat completions (whole or streamed) and the model list.

Tools that speak OpenAI's chat-completions API (the openai package, Open WebUI ...) can ask the
articles: the last user message is the question, the earlier ones its history; other roles
are ignored. Answers take the same path as POST /api/answer (rate limit, checks, answer cache);
only the shapes differ. The reply is Markdown (reply.py) and the result object rides along as
`result`. Every error under /v1/ is OpenAI's {"error": {"message", "type", "param", "code"}}.
"""
from __future__ import annotations

import hmac
import json
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import urlencode

from flask import Blueprint, Flask, current_app, jsonify, request, url_for
from werkzeug.datastructures import WWWAuthenticate
from werkzeug.exceptions import BadRequest, NotFound, Unauthorized

from ..config import DEFAULT_TOP_K, MAX_HISTORY
from ..engine.reply import reply_blocks
from .api import answer_json, count_request, current_index, json_object

MODEL = "iliopsoas-assistant"
CHAT_PATH = "/v1/chat/completions"
ROLES = ("system", "developer", "user", "assistant", "tool", "function")
EXAMPLE = f'{{"model": "{MODEL}", "messages": [{{"role": "user", "content": "How do I stretch my hip flexors?"}}]}}'
# A chat client sends the whole conversation each time, our long replies included, so this
# route takes this many times MAX_CONTENT_LENGTH (16 KiB: about 80 exchanges).
CHAT_BODY_FACTOR = 16
# OpenAI's error type and code by status; any other is an invalid_request_error without a code.
# "requests" is OpenAI's type for a limit on the number of requests (its other is "tokens").
ERROR_TYPES = {401: ("invalid_request_error", "invalid_api_key"), 429: ("requests", "rate_limit_exceeded"),
               500: ("server_error", None), 503: ("server_error", None)}

bp = Blueprint("openai", __name__, url_prefix="/v1")


class ModelNotFound(NotFound):
    """The request names a model this server does not have."""


def init_app(app: Flask) -> None:
    """Register the /v1/ routes on an app, with OpenAI's error shape for them (after api.init_app)."""
    app.register_blueprint(bp)
    app.extensions["error_shapes"]["/v1"] = openai_error


def openai_error(status: int, message: str, error: Exception | None = None) -> dict:
    """Return the body of a /v1/ error in OpenAI's shape."""
    kind, code = ERROR_TYPES.get(status, ("invalid_request_error", None))
    model = isinstance(error, ModelNotFound)
    return {"error": {"message": message, "type": kind, "param": "model" if model else None,
                      "code": "model_not_found" if model else code}}


def chat_body_limit(app: Flask) -> int | None:
    """Return the largest body the chat completions route takes (None: no limit of ours)."""
    limit = app.config["MAX_CONTENT_LENGTH"]
    return limit * CHAT_BODY_FACTOR if limit else None


def require_key() -> None:
    """Refuse the request unless it carries the API key, when the server has one (ASSISTANT_API_KEY).

    Raises Unauthorized (401).
    """
    expected = str(current_app.config.get("API_KEY") or "")
    if not expected:
        return  # any key, or none, will do
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), expected.encode()):
        raise Unauthorized("this server needs its API key: send 'Authorization: Bearer <key>' "
                           "(the openai package's api_key)", www_authenticate=WWWAuthenticate("bearer"))


def check_model(model) -> None:
    """Raise BadRequest (400) unless `model` is a string, ModelNotFound (404) unless it is ours."""
    if not isinstance(model, str):
        raise BadRequest(f"model is missing or not a string; send \"model\": \"{MODEL}\"")
    if model != MODEL:
        raise ModelNotFound(f"the model {model!r} does not exist; this server has one: {MODEL!r}")


def model_card() -> dict:
    """Return the model object: ours, created when the index was built."""
    built = datetime.fromisoformat(current_index().meta["built_at"])  # "2026-01-31T12:00:00Z", UTC
    return {"id": MODEL, "object": "model", "created": int(built.timestamp()), "owned_by": "iliopsoas-assistant"}


@bp.get("/models")
def models():
    """List the models: this server's one."""
    require_key()
    return jsonify(object="list", data=[model_card()])


@bp.get("/models/<model>")
def model(model: str):
    """Describe a model, if it is ours."""
    require_key()
    check_model(model)
    return jsonify(model_card())


@bp.post("/chat/completions")
def chat_completions():
    """Answer the conversation's last user message as a chat completion (server-sent events when stream is true)."""
    headers = count_request()  # before the key check, so guessing keys is limited too
    require_key()
    request.max_content_length = chat_body_limit(current_app)
    body = json_object(EXAMPLE)
    check_model(body.get("model"))
    question, history = conversation(body.get("messages"))
    stream = body.get("stream")
    if stream is None:  # OpenAI's default
        stream = False
    if not isinstance(stream, bool):
        raise BadRequest("stream must be true or false")
    # n, temperature, max_tokens, top_p ... are accepted and ignored: the answer is verbatim text
    # from the articles, one choice, never sampled nor cut short (that would drop the disclaimer).
    result = json.loads(answer_json(question, history, DEFAULT_TOP_K))
    blocks = reply_blocks(result, article_link)
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if stream:
        return current_app.response_class(
            events(completion_id, created, blocks, result), mimetype="text/event-stream",
            headers={**headers, "Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    message = {"role": "assistant", "content": "\n\n".join(blocks), "refusal": None}
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
    return jsonify({"id": completion_id, "object": "chat.completion", "created": created, "model": MODEL,
                    "choices": [choice], "result": result}), 200, headers


def conversation(messages) -> tuple[str, list[str]]:
    """Return the question (the last user message's text) and its history (the earlier ones', the latest MAX_HISTORY).

    Raises BadRequest saying which message is wrong, or that there is no user message.
    """
    if not isinstance(messages, list) or not messages:
        raise BadRequest(f"messages must be a list of at least one message, like {EXAMPLE}")
    said = []
    for number, message in enumerate(messages):
        if not isinstance(message, dict):
            raise BadRequest(f"messages[{number}] must be an object with a role and content")
        if message.get("role") not in ROLES:
            raise BadRequest(f"messages[{number}].role must be one of {', '.join(ROLES)}, "
                             f"not {json.dumps(message.get('role'))}")
        if message["role"] == "user":
            said.append(text_of(message.get("content"), number))
    if not said:
        raise BadRequest(f"messages holds no user message; the last one is the question, like {EXAMPLE}")
    return said[-1], said[:-1][-MAX_HISTORY:]


def text_of(content, number: int) -> str:
    """Return a user message's text: its content string, or its text parts joined by line breaks.

    Other parts (images, audio, files) are left out: the articles can only answer words.
    Raises BadRequest when the content is neither a string nor a list of content parts.
    """
    if isinstance(content, str):
        return content
    wrong = BadRequest(f"messages[{number}].content must be a string or a list of content parts "
                       '(like {"type": "text", "text": "..."})')
    if not isinstance(content, list) or not all(isinstance(part, dict) for part in content):
        raise wrong
    texts = [part.get("text") for part in content if part.get("type") == "text"]
    if not all(isinstance(text, str) for text in texts):
        raise wrong
    return "\n".join(texts)


def article_link(citation: dict) -> str:
    """Return the chat page's address that opens the cited article at the passage.

    The page is where PUBLIC_URL says, else at the address this request came to: a chat client
    that calls us from a container or behind a proxy reaches us at an address its users' browsers may not.
    """
    page = str(current_app.config.get("PUBLIC_URL") or "") or url_for("site.chat_page", _external=True)
    return page + "?" + urlencode({"source": citation["source"], "start": citation["start"], "end": citation["end"]})


def events(completion_id: str, created: int, blocks: list[str], result: dict) -> Iterator[str]:
    """Yield the reply as server-sent events of OpenAI's chunks: the role, one Markdown block each, the end, [DONE].

    The last chunk, with finish_reason, carries the result object.
    """
    def chunk(delta: dict, finish_reason: str | None = None, **extra) -> str:
        choice = {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}
        body = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": MODEL,
                "choices": [choice], **extra}
        return f"data: {json.dumps(body)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for number, block in enumerate(blocks):
        yield chunk({"content": block if number == len(blocks) - 1 else block + "\n\n"})
    yield chunk({}, "stop", result=result)
    yield "data: [DONE]\n\n"
