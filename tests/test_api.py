"""The JSON API through Flask's test client: results, history, top_k, sources, limits and headers."""
from __future__ import annotations

import json
import re

import pytest

from assistant import create_app
from assistant.engine.answer import answer
from assistant.engine.safety import DISCLAIMER
from assistant.errors import BadSetting

STRETCH = "How do I stretch my hip flexors?"
FOLLOW_UP = "How long should I hold it?"


def ask(client, **body):
    """POST a JSON body to /api/answer and return the response."""
    return client.post("/api/answer", json=body)


def engine(app, question, history=(), top_k=3):
    """Return what the engine itself answers, as JSON would carry it."""
    with app.app_context():
        index = app.extensions["assistant"].get()
    return json.loads(json.dumps(answer(index, question, list(history), top_k)))


def engine_part(response) -> dict:
    """Return an answer's body without the answer_id the API puts first (checked to be a fresh hex id)."""
    result = response.get_json()
    assert list(result)[0] == "answer_id" and re.fullmatch("[0-9a-f]{32}", result.pop("answer_id"))
    return result


def test_answer_returns_the_engines_result_unchanged(app, client):
    response = ask(client, question=STRETCH)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    result = engine_part(response)
    assert result == engine(app, STRETCH)
    assert list(result) == ["question", "found", "confidence", "answer", "passages", "urgent", "disclaimer"]
    assert result["found"] is True and result["urgent"] is False
    assert result["disclaimer"] == DISCLAIMER
    assert 1 <= len(result["passages"]) <= 3


def test_citations_point_into_the_source_text(client):
    for passage in ask(client, question=STRETCH).get_json()["passages"]:
        citation = passage["citation"]
        source = client.get(f"/api/sources/{citation['source']}").get_json()
        assert source["title"] == citation["title"]
        # The same letters in the same order: only spaces differ (run-together words are shown split).
        assert "".join(source["text"][citation["start"]:citation["end"]].split()) == "".join(passage["text"].split())
        assert source["body_start"] <= citation["start"] < citation["end"] <= len(source["text"])


def test_history_is_passed_to_the_engine(app, client):
    with_history = engine_part(ask(client, question=FOLLOW_UP, history=[STRETCH]))
    assert with_history == engine(app, FOLLOW_UP, [STRETCH])
    without = ask(client, question=FOLLOW_UP).get_json()
    assert [p["id"] for p in with_history["passages"]] != [p["id"] for p in without["passages"]]


def test_history_of_ten_questions_is_accepted(client):
    assert ask(client, question=FOLLOW_UP, history=[STRETCH] * 10).status_code == 200


@pytest.mark.parametrize("top_k", [1, 2, 5, 10])
def test_top_k_bounds_the_passages(app, client, top_k):
    result = engine_part(ask(client, question="hip flexor stretch", top_k=top_k))
    assert result == engine(app, "hip flexor stretch", top_k=top_k)
    assert 1 <= len(result["passages"]) <= top_k


def test_top_k_defaults_to_three(client):
    assert len(ask(client, question="hip flexor stretch psoas iliacus").get_json()["passages"]) == 3


def test_out_of_scope_question_is_not_found(client):
    result = ask(client, question="What is the capital of France?").get_json()
    assert result["found"] is False and result["passages"] == []
    assert result["disclaimer"] == DISCLAIMER


def test_red_flag_question_is_urgent(client):
    result = ask(client, question="I fell and now I cannot put any weight on my leg").get_json()
    assert result["urgent"] is True
    assert "broken hip" in result["answer"] and "emergency department" in result["answer"]  # the situation first
    assert result["passages"] == []


def test_the_owners_contact_line_follows_the_urgent_and_fallback_texts(make_app, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CONTACT", "0123 456 789")  # all digits: must stay text, not become a number
    client = make_app().test_client()
    for question in ("What is the capital of France?", "I fell and now I cannot put any weight on my leg"):
        assert ask(client, question=question).get_json()["answer"].endswith("\n0123 456 789")
    assert "0123" not in ask(client, question=STRETCH).get_json()["answer"]  # not after an answer from the articles
    monkeypatch.delenv("ASSISTANT_CONTACT")
    assert "\n" not in ask(make_app().test_client(), question="What is the capital of France?").get_json()["answer"]
    monkeypatch.setenv("ASSISTANT_CONTACT", "   ")  # a line of spaces adds nothing, as in `assistant ask`
    assert "\n" not in ask(make_app().test_client(), question="What is the capital of France?").get_json()["answer"]


TOO_BIG = json.dumps({"question": "hip " * 5000})


@pytest.mark.parametrize("request_kwargs, status, says", [
    (dict(data="{not json", content_type="application/json"), 400, "not valid JSON"),
    (dict(data=b"\xff\xfe\xfa", content_type="application/json"), 400, "JSON"),
    (dict(data="[" * 5000, content_type="application/json"), 400, "nested too deeply"),
    (dict(data="{\"top_k\": " + "9" * 5000 + "}", content_type="application/json"), 400, "number too long"),
    (dict(json=["How do I stretch?"]), 400, "JSON object"),
    (dict(json="How do I stretch?"), 400, "JSON object"),
    (dict(data="null", content_type="application/json"), 400, "JSON object"),
    (dict(json={}), 400, "question is missing"),
    (dict(json={"question": ""}), 400, "blank"),
    (dict(json={"question": "  \n\t "}), 400, "blank"),
    (dict(json={"question": "\u0000"}), 400, "no letter or digit"),
    (dict(json={"question": "\u0007\u001b\u200b\u202e ?!"}), 400, "no letter or digit"),
    (dict(data='{"question": "psoas \\ud800"}', content_type="application/json"), 400, "surrogate"),
    (dict(data='{"question": "psoas", "history": ["\\udc00 stretch"]}', content_type="application/json"), 400,
     "surrogate"),
    (dict(json={"question": None}), 400, "must be a string"),
    (dict(json={"question": 42}), 400, "must be a string"),
    (dict(json={"question": ["a"]}), 400, "must be a string"),
    (dict(json={"question": "a" * 1001}), 400, "1001 characters"),
    (dict(json={"question": "psoas", "history": "psoas"}), 400, "history must be a list"),
    (dict(json={"question": "psoas", "history": None}), 400, "history must be a list"),
    (dict(json={"question": "psoas", "history": [1, 2]}), 400, "history[0] must be a string, not 1"),
    (dict(json={"question": "psoas", "history": ["a" * 1001]}), 400, "history[0] is 1001 characters long"),
    (dict(json={"question": "psoas", "history": ["psoas"] * 11}), 400, "at most 10"),
    (dict(json={"question": "psoas", "top_k": 0}), 400, "top_k"),
    (dict(json={"question": "psoas", "top_k": 11}), 400, "top_k"),
    (dict(json={"question": "psoas", "top_k": "3"}), 400, "top_k"),
    (dict(json={"question": "psoas", "top_k": 2.5}), 400, "top_k"),
    (dict(json={"question": "psoas", "top_k": True}), 400, "top_k"),
    (dict(json={"question": "psoas", "topk": 3}), 400, "unknown field"),
    (dict(data=TOO_BIG, content_type="application/json"), 413, "larger than 16384 bytes"),
    (dict(data=json.dumps({"question": "psoas"}), content_type="text/plain"), 415, "Content-Type: application/json"),
    (dict(data="question=psoas", content_type="application/x-www-form-urlencoded"), 415, "application/json"),
    (dict(), 415, "application/json"),
])
def test_bad_requests_get_a_4xx_json_error(client, request_kwargs, status, says):
    response = client.post("/api/answer", **request_kwargs)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert list(body) == ["error"]
    assert says in body["error"]


def test_health_reports_the_index(client):
    body = client.get("/api/health").get_json()
    assert body["status"] == "ok"
    assert body["documents"] == 4
    assert body["passages"] > 4
    assert body["built_at"].endswith("Z")
    assert body["stale"] is False


def test_sources_lists_every_article(client):
    sources = client.get("/api/sources").get_json()["sources"]
    assert len(sources) == 4
    for source in sources:
        assert source["id"] == source["source"] and source["id"].endswith(".txt")
        assert source["title"]
    assert "Ultimate Guide to the Iliopsoas" in {s["title"].split(":")[0] for s in sources}


def test_source_returns_title_and_text(client):
    body = client.get("/api/sources/the-iliopsoas-clinic-handout.txt").get_json()
    assert body["id"] == "the-iliopsoas-clinic-handout.txt"
    assert body["title"] == "The Iliopsoas"
    assert "iliopsoas" in body["text"].lower()


def test_source_gives_the_section_headings_that_citations_name(client):
    guide = "ultimate-guide-to-the-iliopsoas.txt"
    body = client.get(f"/api/sources/{guide}").get_json()
    names = [heading["text"] for heading in body["headings"]]
    assert "What does the psoas do?" in names
    for heading in body["headings"]:
        assert body["text"][heading["start"]:heading["end"]].strip() == heading["text"]
    passages = ask(client, question="What does the psoas do?", top_k=10).get_json()["passages"]
    sections = {p["citation"]["section"] for p in passages if p["citation"]["source"] == guide}
    assert sections and sections <= set(names)


def test_unknown_source_is_a_json_404(client):
    response = client.get("/api/sources/no-such-article.txt")
    assert response.status_code == 404
    assert "no-such-article.txt" in response.get_json()["error"]


def test_security_headers_on_every_response(client):
    for path in ["/", "/api/health", "/static/chat.js", "/api/nope", "/openapi.json"]:
        with client.get(path) as response:
            headers = response.headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        assert "frame-ancestors 'self'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"


def test_rate_limit_answers_429_json(make_app):
    client = make_app(RATE_LIMIT="2 per minute").test_client()
    assert [ask(client, question="psoas").status_code for _ in range(2)] == [200, 200]
    response = ask(client, question="psoas")
    assert response.status_code == 429
    assert "2 per 1 minute" in response.get_json()["error"]
    assert int(response.headers["Retry-After"]) > 0
    assert client.get("/api/health").status_code == 200  # only /api/answer is limited


def test_rate_limit_can_be_turned_off(make_app):
    client = make_app(RATE_LIMIT="1 per minute", RATELIMIT_ENABLED=False).test_client()
    assert {ask(client, question="psoas").status_code for _ in range(3)} == {200}


def test_rate_limit_from_environment(make_app, monkeypatch):
    monkeypatch.setenv("ASSISTANT_RATE_LIMIT", "1 per hour")
    client = make_app().test_client()
    assert [ask(client, question="psoas").status_code for _ in range(2)] == [200, 429]


def test_bad_rate_limit_is_refused_at_start(make_app):
    with pytest.raises(BadSetting, match="120 per minute"):
        make_app(RATE_LIMIT="lots")


def test_unusable_rate_limit_storage_is_refused_at_start(make_app):
    with pytest.raises(BadSetting, match="memory://"):
        make_app(RATELIMIT_STORAGE_URI="bogus://nowhere")


def test_corpus_and_index_from_environment(corpus_dir, built_index, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CORPUS", str(corpus_dir))
    monkeypatch.setenv("ASSISTANT_INDEX", str(built_index))
    holder = create_app().extensions["assistant"]
    assert (holder.corpus_dir, holder.index_path) == (corpus_dir, built_index)


def test_chat_page_is_served(client):
    with client.get("/") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/html"
        page = response.get_data(as_text=True)
    assert '<script src="/static/chat.js" defer></script>' in page
    for name, mimetype in [("chat.js", "text/javascript"), ("chat.css", "text/css"), ("favicon.svg", "image/svg+xml")]:
        with client.get(f"/static/{name}") as static:
            assert static.status_code == 200 and static.mimetype == mimetype


@pytest.mark.parametrize("value", ["abc", -5])
def test_a_body_limit_that_is_not_a_size_is_refused_at_start(make_app, value):
    # The server checks bodies against it before Flask sees them: a bad value would drop every request.
    with pytest.raises(BadSetting, match="MAX_CONTENT_LENGTH must be a whole number"):
        make_app(MAX_CONTENT_LENGTH=value)


@pytest.mark.parametrize("name", ["RATELIMIT_ENABLED", "RATELIMIT_HEADERS_ENABLED"])
def test_an_on_off_setting_that_is_not_true_or_false_is_refused(make_app, name):
    with pytest.raises(BadSetting, match=f"{name} must be true or false"):
        make_app(**{name: "no"})


def test_a_javascript_url_in_the_manifest_reaches_neither_sources_nor_citations(writable_corpus, tmp_path):
    manifest = writable_corpus / "sources.toml"
    manifest.write_text(manifest.read_text().replace(
        'title = "The Iliopsoas"', 'title = "The Iliopsoas"\nurl = "javascript:alert(document.cookie)"'))
    client = create_app({"TESTING": True, "CORPUS": str(writable_corpus), "INDEX": str(tmp_path / "index.npz"),
                         "RATELIMIT_ENABLED": False}).test_client()
    sources = client.get("/api/sources").get_data(as_text=True)
    passages = [ask(client, question=question).get_json()["passages"]
                for question in ("What is the iliopsoas?", "How do I stretch my hip flexors?")]
    assert any(p["citation"]["source"] == "the-iliopsoas-clinic-handout.txt" for found in passages for p in found)
    assert "javascript:" not in sources and "javascript:" not in json.dumps(passages)


def test_top_k_written_with_a_zero_fraction_is_a_whole_number(client):
    # JSON Schema, and so /openapi.json, counts 2.0 as an integer: the server takes it too.
    response = client.post("/api/answer", json={"question": "How do I stretch my hip flexors?", "top_k": 2.0})
    assert response.status_code == 200 and len(response.get_json()["passages"]) <= 2
