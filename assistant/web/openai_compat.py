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
from werkzeug.exceptions import NotFound, Unauthorized

from ..config import DEFAULT_TOP_K, MAX_HISTORY
from ..engine.reply import reply_blocks
from .api import answer_json, count_request, current_index
from .contract import Api
from .openai_models import MODEL, ChatCompletion, ChatRequest, ModelCard, ModelList, OpenAIError, UserMessage

CHAT_PATH = "/v1/chat/completions"
# A chat client sends the whole conversation each time, our long replies included, so this
# route takes this many times MAX_CONTENT_LENGTH (16 KiB: about 80 exchanges).
CHAT_BODY_FACTOR = 16
# OpenAI's error type and code by status; any other is an invalid_request_error without a code.
# "requests" is OpenAI's type for a limit on the number of requests (its other is "tokens").
ERROR_TYPES = {401: ("invalid_request_error", "invalid_api_key"), 429: ("requests", "rate_limit_exceeded"),
               500: ("server_error", None), 503: ("server_error", None)}

bp = Blueprint("openai", __name__, url_prefix="/v1")
# Each event of a streamed reply (with stream true).
SERVER_SENT_EVENT = {"type": "object", "required": ["data"], "properties": {"data": {
    "type": "string", "description": "A chat.completion.chunk object as JSON (the last one carries result), then "
                                     "[DONE]."}}}
# The API key is needed only when the server has one.
openai_api = Api(bp, OpenAIError, "OpenAI-compatible", security=({}, {"apiKey": []}), errors={
    401: "The server has an API key and it was not sent."})


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


def check_model(model: str) -> None:
    """Raise ModelNotFound (404) unless `model` is ours."""
    if model != MODEL:
        raise ModelNotFound(f"the model {model!r} does not exist; this server has one: {MODEL!r}")


def model_card() -> dict:
    """Return the model object: ours, created when the index was built."""
    built = datetime.fromisoformat(current_index().meta["built_at"])  # "2026-01-31T12:00:00Z", UTC
    return {"id": MODEL, "object": "model", "created": int(built.timestamp()), "owned_by": "iliopsoas-assistant"}


@openai_api.route("GET", "/models", "List the models: this server's one", response=ModelList)
def models():
    """List the models: this server's one."""
    require_key()
    return jsonify(object="list", data=[model_card()])


@openai_api.route("GET", "/models/<model>", "Describe a model", response=ModelCard,
                  params={"model": "The model's id."}, errors={404: "Not this server's model."})
def model(model: str):
    """Describe a model, if it is ours."""
    require_key()
    check_model(model)
    return jsonify(model_card())


def before_chat() -> dict[str, str]:
    """Count the question, check the API key and allow the chat's larger bodies, before the body is read;
    return the rate limit's headers."""
    headers = count_request()  # before the key check, so guessing keys is limited too
    require_key()
    request.max_content_length = chat_body_limit(current_app)
    return headers


@openai_api.route("POST", "/chat/completions", "Answer the last user message, as OpenAI's chat completions do",
                  body=ChatRequest, response=ChatCompletion, first=before_chat,
                  response_content={"text/event-stream": SERVER_SENT_EVENT}, errors={
                      404: "The model is not this server's (code model_not_found).",
                      429: "Too many questions from this address (counted with /api/answer)."})
def chat_completions(body: ChatRequest):
    """Answer the conversation's last user message as a chat completion (server-sent events when stream is true).

    The completion, or with stream true its chunks as server-sent events ending with data: [DONE] (the last
    chunk carries result).
    """
    check_model(body.model)
    question, history = conversation(body.messages)
    # n, temperature, max_tokens, top_p ... are accepted and ignored: the answer is verbatim text
    # from the articles, one choice, never sampled nor cut short (that would drop the disclaimer).
    result = json.loads(answer_json(question, history, DEFAULT_TOP_K))
    blocks = reply_blocks(result, article_link)
    completion_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
    if body.stream:
        return current_app.response_class(
            events(completion_id, created, blocks, result), mimetype="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
    message = {"role": "assistant", "content": "\n\n".join(blocks), "refusal": None}
    choice = {"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}
    return jsonify({"id": completion_id, "object": "chat.completion", "created": created, "model": MODEL,
                    "choices": [choice], "result": result})


def conversation(messages: list) -> tuple[str, list[str]]:
    """Return the question (the last user message's text) and its history (the earlier ones', the latest MAX_HISTORY)."""
    said = [text_of(message.content) for message in messages if isinstance(message, UserMessage)]
    return said[-1], said[:-1][-MAX_HISTORY:]


def text_of(content) -> str:
    """Return a user message's text: its content string, or its text parts joined by line breaks.

    Other parts (images, audio, files) are left out: the articles can only answer words.
    """
    if isinstance(content, str):
        return content
    return "\n".join(part.text for part in content if part.type == "text")


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
