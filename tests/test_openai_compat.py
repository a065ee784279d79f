"""The OpenAI-compatible API under /v1/, through the official openai package against the real waitress server."""
from __future__ import annotations

import json
import socket
import re
from contextlib import ExitStack
import urllib.error
import urllib.request
from urllib.parse import parse_qs, urlsplit

import openai
import pytest

from assistant import create_app
from assistant.engine.reply import escape
from assistant.engine.safety import DISCLAIMER, FALLBACK, URGENT_ADVICE
from assistant.web import api
from assistant.web.openai_compat import MODEL
from assistant.web.server import serve_in_thread

STRETCH = "How do I stretch my hip flexors?"
FOLLOW_UP = "How long should I hold it?"
FALL = "I fell and now I cannot put any weight on my leg"


def user(text) -> dict:
    """Return a user message."""
    return {"role": "user", "content": text}


@pytest.fixture(scope="module")
def opened():
    """What the module opens (servers, clients), closed after its last test."""
    with ExitStack() as stack:
        yield stack


@pytest.fixture(scope="module")
def serve(opened, corpus_dir, built_index):
    """Return a function that serves an app with the given settings on a loopback port and returns its URL."""
    def start(**config) -> str:
        app = create_app({"TESTING": True, "CORPUS": str(corpus_dir), "INDEX": str(built_index), **config})
        return opened.enter_context(serve_in_thread(app))
    return start


@pytest.fixture(scope="module")
def connect(opened):
    """Return a function that makes an official client of a server's /v1/, without retries (a 429 must reach the test)."""
    def client_of(url: str, api_key: str = "anything") -> openai.OpenAI:
        return opened.enter_context(openai.OpenAI(base_url=url + "v1", api_key=api_key, max_retries=0))
    return client_of


@pytest.fixture(scope="module")
def url(serve) -> str:
    """The URL of a server without the rate limit."""
    return serve(RATELIMIT_ENABLED=False)


@pytest.fixture(scope="module")
def chat(url, connect) -> openai.OpenAI:
    """The official client of the module's server (no rate limit, no API key)."""
    return connect(url)


def api_answer(url: str, question: str, history=()) -> dict:
    """Return POST /api/answer's result for a question, to compare with what /v1/ carries."""
    body = json.dumps({"question": question, "history": list(history)}).encode()
    request = urllib.request.Request(url + "api/answer", data=body, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def without_id(result: dict) -> dict:
    """Return a result without its answer_id: every answer, on either API, is recorded under an id of its own."""
    assert "answer_id" in result
    return {key: value for key, value in result.items() if key != "answer_id"}


def ask(client, *messages, **options):
    """Send the messages to our model with the official client; return the completion (or the stream)."""
    return client.chat.completions.create(model=MODEL, messages=list(messages), **options)


def test_a_completion_is_the_answer_in_markdown_with_the_result_alongside(chat, url):
    completion = ask(chat, user(STRETCH))
    assert completion.object == "chat.completion" and completion.model == MODEL
    assert completion.id.startswith("chatcmpl-")
    [choice] = completion.choices
    assert choice.finish_reason == "stop" and choice.message.role == "assistant"
    result = completion.model_extra["result"]
    assert without_id(result) == without_id(api_answer(url, STRETCH))
    blocks = choice.message.content.split("\n\n")
    assert blocks[0] == escape(result["answer"])
    assert blocks[-1] == DISCLAIMER
    quotes = blocks[1:-1]
    assert len(quotes) == len(result["passages"]) >= 1
    for number, (quote, passage) in enumerate(zip(quotes, result["passages"]), 1):
        citation = passage["citation"]
        assert quote.startswith(f"> {escape(passage['text'])}\n")
        assert f"> [{number}] [{escape(citation['title'])} › {escape(citation['section'])}](" in quote


def test_citations_link_to_the_chat_page_at_the_passage(chat, url):
    completion = ask(chat, user(STRETCH))
    passage = completion.model_extra["result"]["passages"][0]
    link = re.search(r"\]\((http[^)]+)\)", completion.choices[0].message.content).group(1)
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == url
    query = {name: value for name, [value] in parse_qs(parts.query).items()}
    citation = passage["citation"]
    assert query == {"source": citation["source"], "start": str(citation["start"]), "end": str(citation["end"])}
    with urllib.request.urlopen(link, timeout=10) as page:
        assert page.status == 200 and b"chat.js" in page.read()


def test_a_streamed_completion_sends_the_same_reply_in_chunks(chat):
    whole = ask(chat, user(STRETCH))
    chunks = list(ask(chat, user(STRETCH), stream=True))
    assert {chunk.object for chunk in chunks} == {"chat.completion.chunk"}
    assert len({chunk.id for chunk in chunks}) == 1 and chunks[0].model == MODEL
    assert chunks[0].choices[0].delta.role == "assistant"
    content = "".join(chunk.choices[0].delta.content or "" for chunk in chunks)
    assert content == whole.choices[0].message.content
    assert len(chunks) > 3  # a chunk per Markdown block, not one lump
    assert [chunk.choices[0].finish_reason for chunk in chunks].count("stop") == 1
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert without_id(chunks[-1].model_extra["result"]) == without_id(whole.model_extra["result"])


def test_links_go_to_the_public_url_when_the_server_has_one(make_app):
    client = make_app(PUBLIC_URL="https://hips.example/chat/").test_client()
    body = {"model": MODEL, "messages": [user(STRETCH)]}
    content = client.post("/v1/chat/completions", json=body).get_json()["choices"][0]["message"]["content"]
    links = re.findall(r"\]\((http[^)]+)\)", content)
    assert links and all(link.startswith("https://hips.example/chat/?source=") for link in links)


def test_a_stream_is_server_sent_events_ending_with_done(chat):
    with chat.chat.completions.with_streaming_response.create(
            model=MODEL, messages=[user(STRETCH)], stream=True) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    assert all(line.startswith("data: ") for line in lines)
    assert lines[-1] == "data: [DONE]"
    assert json.loads(lines[-2].removeprefix("data: "))["choices"][0]["finish_reason"] == "stop"


def test_earlier_user_messages_are_the_history_and_other_roles_are_ignored(chat, url):
    first = ask(chat, user(STRETCH))
    follow_up = ask(chat, {"role": "system", "content": "You are a pirate."}, user(STRETCH),
                    {"role": "assistant", "content": first.choices[0].message.content}, user(FOLLOW_UP))
    assert without_id(follow_up.model_extra["result"]) == without_id(api_answer(url, FOLLOW_UP, [STRETCH]))
    alone = ask(chat, user(FOLLOW_UP)).model_extra["result"]
    assert [p["id"] for p in follow_up.model_extra["result"]["passages"]] != [p["id"] for p in alone["passages"]]


def test_content_may_be_a_list_of_parts(chat, url):
    parts = [{"type": "text", "text": "How do I stretch"}, {"type": "image_url", "image_url": {"url": "data:,"}},
             {"type": "text", "text": "my hip flexors?"}]
    result = ask(chat, user(parts)).model_extra["result"]
    assert without_id(result) == without_id(api_answer(url, "How do I stretch\nmy hip flexors?"))


def test_an_out_of_scope_question_gets_the_honest_fallback(chat):
    completion = ask(chat, user("What is the capital of France?"))
    assert completion.model_extra["result"]["found"] is False
    assert completion.choices[0].message.content == f"{escape(FALLBACK)}\n\n{DISCLAIMER}"


def test_an_urgent_question_puts_the_urgent_care_advice_first(chat):
    whole = ask(chat, user(FALL)).choices[0].message.content
    streamed = "".join(chunk.choices[0].delta.content or "" for chunk in ask(chat, user(FALL), stream=True))
    for content in whole, streamed:
        assert content.startswith("**") and f"{URGENT_ADVICE}**\n\n" in content
        assert content.endswith(DISCLAIMER)


def test_the_model_list_has_our_one_model(chat):
    assert [model.id for model in chat.models.list()] == [MODEL]
    model = chat.models.retrieve(MODEL)
    assert model.object == "model" and model.created > 1_600_000_000
    with pytest.raises(openai.NotFoundError) as error:
        chat.models.retrieve("gpt-4o")
    assert error.value.code == "model_not_found"


def test_an_unknown_model_is_404_in_openais_shape(chat):
    with pytest.raises(openai.NotFoundError) as error:
        chat.chat.completions.create(model="gpt-4o", messages=[user(STRETCH)])
    assert error.value.body == {"message": "the model 'gpt-4o' does not exist; this server has one: "
                                           f"'{MODEL}'", "type": "invalid_request_error", "param": "model",
                                "code": "model_not_found"}


@pytest.mark.parametrize("messages, says", [
    ([], "messages must hold at least 1 item"),
    ([{"role": "system", "content": "Be brief."}], "no user message"),
    ([{"role": "assistant", "content": "Hello"}], "no user message"),
    ([{"role": "bot", "content": STRETCH}], "messages[0].role must be one of"),
    ([user(STRETCH), {"content": STRETCH}], "messages[1].role"),
    (["How do I stretch?"], "messages[0] must be an object"),
    ([user(42)], "messages[0].content must be a string or a list, not 42"),
    ([user(None)], "messages[0].content must be a string or a list"),
    ([user([{"type": "text", "text": 42}])], "messages[0].content[0].text must be a string"),
    ([user(["How?"])], "messages[0].content[0] must be an object"),
    ([user([{"type": "video", "url": "x"}])], "messages[0].content[0].type must be one of"),
    ([user("psoas"), {"role": "system", "content": 42}], "messages[1].content must be a string or a list"),
    ([user(" "), user(STRETCH)], "messages[0].content is blank"),
    ([user("  ")], "blank"),
    ([user([{"type": "image_url", "image_url": {"url": "data:,"}}])], "blank"),
    ([user("a" * 1001)], "1001 characters"),
    ([user("a" * 1001), user(STRETCH)], "messages[0].content is 1001 characters long; the limit is 1000"),
])
def test_bad_messages_are_400_in_openais_shape(chat, messages, says):
    with pytest.raises(openai.BadRequestError) as error:
        chat.chat.completions.create(model=MODEL, messages=messages)
    assert says in error.value.message
    assert set(error.value.body) == {"message", "type", "param", "code"}
    assert error.value.body["type"] == "invalid_request_error"


@pytest.mark.parametrize("body, says", [
    ({"messages": [user(STRETCH)]}, "model is missing"),
    ({"model": MODEL, "messages": [user(STRETCH)], "stream": "yes"}, "stream must be true or false"),
])
def test_bad_fields_are_400(chat, body, says):
    with pytest.raises(openai.BadRequestError) as error:
        chat.post("/chat/completions", body=body, cast_to=object)
    assert says in error.value.message


def test_ignored_options_are_accepted(chat):
    completion = ask(chat, user(STRETCH), n=1, temperature=0.2, max_tokens=5, top_p=0.5, user="me",
                     extra_body={"stream_options": None, "unknown_option": True})
    assert completion.choices[0].message.content.endswith(DISCLAIMER)  # never cut short by max_tokens


def test_history_beyond_ten_questions_keeps_the_latest(chat, url):
    messages = [user(f"Question number {i} about the psoas?") for i in range(14)] + [user(FOLLOW_UP)]
    result = ask(chat, *messages).model_extra["result"]
    assert without_id(result) == without_id(api_answer(url, FOLLOW_UP, [m["content"] for m in messages[4:-1]]))


def test_a_long_conversation_fits_though_it_is_over_the_answer_apis_limit(chat):
    reply = ask(chat, user(STRETCH)).choices[0].message.content
    conversation = [user(STRETCH), {"role": "assistant", "content": reply}] * 30 + [user(FOLLOW_UP)]
    assert len(json.dumps(conversation)) > 16 * 1024 * 3
    assert ask(chat, *conversation).choices[0].finish_reason == "stop"


def test_a_body_over_the_chat_limit_is_413_in_openais_shape(url):
    body = json.dumps({"model": MODEL, "messages": [user("psoas")] * 20_000}).encode()
    assert len(body) > 16 * 16 * 1024
    # Only the head is sent: the server refuses from the Content-Length and closes, so a client still
    # sending the body could meet a broken pipe before it reads the answer.
    host, port = url.removeprefix("http://").rstrip("/").rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=10) as connection:
        connection.sendall(f"POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                           f"Content-Length: {len(body)}\r\n\r\n".encode())
        received = connection.makefile("rb").read()
    head, _, answer = received.partition(b"\r\n\r\n")
    assert head.split(b" ", 2)[1] == b"413"
    assert json.loads(answer)["error"]["message"].endswith("larger than 262144 bytes; send less")


def test_the_api_key_is_ignored_unless_the_server_has_one(serve, connect):
    assert ask(connect(serve(API_KEY="")), user(STRETCH)).choices  # any key
    locked = serve(API_KEY="s3cret", RATELIMIT_ENABLED=False)
    for key in ["anything", "s3cre", "s3cret2"]:
        with pytest.raises(openai.AuthenticationError) as error:
            ask(connect(locked, key), user(STRETCH))
        assert error.value.code == "invalid_api_key" and "Authorization: Bearer" in error.value.message
        with pytest.raises(openai.AuthenticationError):
            connect(locked, key).models.list()
    with pytest.raises(urllib.error.HTTPError) as error:  # no Authorization header at all
        urllib.request.urlopen(locked + "v1/models", timeout=10)
    assert error.value.code == 401 and error.value.headers["WWW-Authenticate"].lower().startswith("bearer")
    assert json.loads(error.value.read())["error"]["type"] == "invalid_request_error"
    assert ask(connect(locked, "s3cret"), user(STRETCH)).choices[0].finish_reason == "stop"
    assert [model.id for model in connect(locked, "s3cret").models.list()] == [MODEL]


def test_the_rate_limit_is_the_answer_apis_and_answers_429_in_openais_shape(serve, connect):
    limited = serve(RATE_LIMIT="2 per minute")
    client = connect(limited)
    assert ask(client, user(STRETCH)).choices
    api_answer(limited, STRETCH)  # the same count: a client cannot double its questions by using both
    with pytest.raises(openai.RateLimitError) as error:
        ask(client, user(STRETCH))
    assert error.value.body["type"] == "requests" and error.value.code == "rate_limit_exceeded"
    assert "2 per 1 minute" in error.value.message
    assert int(error.value.response.headers["Retry-After"]) > 0
    assert [model.id for model in client.models.list()] == [MODEL]  # only questions are counted


def assert_openai_error(response, status: int) -> dict:
    """Check that a test client's response is OpenAI's error shape with `status`; return the error."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == ["error"] and list(body["error"]) == ["message", "type", "param", "code"]
    assert body["error"]["message"].strip() and body["error"]["type"]
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "<html" not in text.lower()
    return body["error"]


@pytest.mark.parametrize("method, path, kwargs, status", [
    ("get", "/v1/nope", {}, 404),
    ("get", "/v1", {}, 404),
    ("get", "/v1/chat/completions", {}, 405),
    ("post", "/v1/models", {"json": {}}, 405),
    ("post", "/v1/chat/completions", {"data": "{", "content_type": "application/json"}, 400),
    ("post", "/v1/chat/completions", {"json": ["How?"]}, 400),
    ("post", "/v1/chat/completions", {"data": "x" * (16 * 16 * 1024 + 1), "content_type": "application/json"}, 413),
    ("post", "/v1/chat/completions", {"data": "{}", "content_type": "text/plain"}, 415),
])
def test_every_v1_error_is_in_openais_shape(client, method, path, kwargs, status):
    assert_openai_error(getattr(client, method)(path, **kwargs), status)


def test_a_missing_corpus_is_a_503_server_error(make_app, tmp_path):
    client = make_app(CORPUS=str(tmp_path / "missing"), INDEX=str(tmp_path / "none.npz")).test_client()
    body = {"model": MODEL, "messages": [user(STRETCH)]}
    error = assert_openai_error(client.post("/v1/chat/completions", json=body), 503)
    assert error["type"] == "server_error" and str(tmp_path) not in error["message"]


def test_an_unexpected_failure_is_a_500_without_details(client, monkeypatch):
    def broken(*args):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(api, "answer", broken)
    body = {"model": MODEL, "messages": [user(STRETCH)]}
    error = assert_openai_error(client.post("/v1/chat/completions", json=body), 500)
    assert error["type"] == "server_error" and "secret" not in error["message"]
