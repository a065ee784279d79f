"""The admin API: token checks, adding and removing documents over HTTP, nothing lost, no failed request."""
from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time
import urllib.request

import pytest

from assistant import create_app
from assistant.config import bundled_dir
from assistant.web import server

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
NEW_FACT = "Zumba Tuesday\n\nThe psoas enjoys zumba classes on Tuesdays, says our trainer.\n"


@pytest.fixture
def admin_app(writable_corpus, built_index, tmp_path):
    """An app with the admin API over a private copy of the corpus and of its index (a copy, not a build)."""
    shutil.copy(built_index, tmp_path / "index.npz")
    return create_app({"TESTING": True, "CORPUS": str(writable_corpus), "INDEX": str(tmp_path / "index.npz"),
                       "ADMIN_TOKEN": TOKEN, "RATELIMIT_ENABLED": False})


@pytest.fixture
def admin(admin_app):
    admin_app.extensions["assistant"].get()  # load the index first, as `serve` does
    return admin_app.test_client()


def snapshot(app):
    holder = app.extensions["assistant"]
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in holder.corpus_dir.iterdir()
             if not p.name.startswith(".")}
    return files, holder.index_path.read_bytes()


def ask(client, question):
    return client.post("/api/answer", json={"question": question}).get_json()


@pytest.mark.parametrize("method, path", [("post", "/api/documents"), ("delete", "/api/documents/a.txt"),
                                          ("post", "/api/reindex")])
def test_switched_off_without_the_variable(client, method, path):
    response = getattr(client, method)(path, json={"name": "a.txt", "text": "x"}, headers=AUTH)
    assert response.status_code == 403
    assert "ASSISTANT_ADMIN_TOKEN" in response.get_json()["error"]


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Basic {TOKEN}"},
                                     {"Authorization": TOKEN}])
def test_a_missing_or_wrong_token_gets_401(admin, admin_app, headers):
    before = snapshot(admin_app)
    for method, path in [("post", "/api/documents"), ("delete", "/api/documents/the-iliopsoas-clinic-handout.txt"),
                         ("post", "/api/reindex")]:
        response = getattr(admin, method)(path, json={"name": "zumba.txt", "text": NEW_FACT}, headers=headers)
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].lower().startswith("bearer")
        assert "Authorization: Bearer" in response.get_json()["error"]
    assert snapshot(admin_app) == before


def test_token_from_the_environment(writable_corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("ASSISTANT_ADMIN_TOKEN", "12345")
    app = create_app({"TESTING": True, "CORPUS": str(writable_corpus), "INDEX": str(tmp_path / "i.npz")})
    response = app.test_client().post("/api/reindex", headers={"Authorization": "Bearer 12345"})
    assert response.status_code == 200 and response.get_json()["report"]["documents"] == 4


def test_add_as_json_then_ask_gets_it_with_its_citation(admin):
    response = admin.post("/api/documents", json={"name": "zumba.txt", "text": NEW_FACT}, headers=AUTH)
    assert response.status_code == 201
    assert response.get_json()["report"]["added"] == ["zumba.txt"]
    passage = ask(admin, "Does the psoas like zumba?")["passages"][0]
    assert passage["citation"]["source"] == "zumba.txt" and "zumba classes on Tuesdays" in passage["text"]


def test_a_question_asked_before_an_add_is_answered_afresh_after_it(admin):
    before = ask(admin, "Does the psoas like zumba?")  # now in the answer cache, for the old index
    assert all(p["citation"]["source"] != "zumba.txt" for p in before["passages"])
    assert admin.post("/api/documents", json={"name": "zumba.txt", "text": NEW_FACT}, headers=AUTH).status_code == 201
    assert ask(admin, "Does the psoas like zumba?")["passages"][0]["citation"]["source"] == "zumba.txt"


def test_add_as_multipart_upload_replace_and_delete(admin):
    from io import BytesIO

    upload = {"file": (BytesIO(NEW_FACT.encode()), "zumba.md")}
    assert admin.post("/api/documents", data=upload, headers=AUTH).status_code == 201
    again = {"file": (BytesIO((NEW_FACT + "Also on Fridays.\n").encode()), "zumba.md")}
    assert admin.post("/api/documents", data=again, headers=AUTH).status_code == 409
    again = {"file": (BytesIO((NEW_FACT + "Also on Fridays.\n").encode()), "zumba.md"), "replace": "true"}
    response = admin.post("/api/documents", data=again, headers=AUTH)
    assert response.status_code == 201 and response.get_json()["report"]["updated"] == ["zumba.md"]
    assert admin.delete("/api/documents/zumba.md", headers=AUTH).get_json()["report"]["removed"] == ["zumba.md"]
    assert all(p["citation"]["source"] != "zumba.md" for p in ask(admin, "Does the psoas like zumba?")["passages"])
    missing = admin.delete("/api/documents/zumba.md", headers=AUTH)
    assert missing.status_code == 404 and "no document named" in missing.get_json()["error"]


HANDOUT = (bundled_dir("corpus") / "the-iliopsoas-clinic-handout.txt").read_bytes()


@pytest.mark.parametrize("name, data, status, message", [
    ("../escape.txt", NEW_FACT.encode(), 400, "not a path"),
    ("/tmp/absolute.txt", NEW_FACT.encode(), 400, "not a path"),
    ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01", 400, "binary"),
    ("empty.txt", b"", 400, "empty"),
    ("latin.txt", b"caf\xe9 au lait for the psoas", 400, "not UTF-8"),
    ("tool.exe", b"MZ\x90 not a document", 400, "unsupported file type"),
    ("copy.txt", HANDOUT, 409, "same text is already in the corpus"),
    ("the-iliopsoas-clinic-handout.txt", NEW_FACT.encode(), 409, "send replace=true"),
])
def test_refused_uploads_leave_corpus_and_index_byte_for_byte(admin, admin_app, name, data, status, message):
    from io import BytesIO

    before = snapshot(admin_app)
    response = admin.post("/api/documents", data={"file": (BytesIO(data), name)}, headers=AUTH)
    assert response.status_code == status, response.get_json()
    assert message in response.get_json()["error"]
    assert snapshot(admin_app) == before


def test_a_file_over_the_limit_is_refused(admin, admin_app, monkeypatch):
    monkeypatch.setenv("ASSISTANT_MAX_FILE_BYTES", "1000")
    before = snapshot(admin_app)
    over = admin.post("/api/documents", json={"name": "big.txt", "text": "psoas " * 300}, headers=AUTH)
    assert over.status_code == 400 and "over the 1,000-byte limit" in over.get_json()["error"]
    huge = admin.post("/api/documents", json={"name": "huge.txt", "text": "psoas " * 20000}, headers=AUTH)
    assert huge.status_code == 413 and "larger than" in huge.get_json()["error"]
    assert snapshot(admin_app) == before


def test_a_document_of_too_many_passages_is_refused_with_400(admin, admin_app):
    before = snapshot(admin_app)
    lines = "".join(f"Psoas note {n}.\n" for n in range(3100))
    response = admin.post("/api/documents", json={"name": "lines.txt", "text": lines}, headers=AUTH)
    assert response.status_code == 400
    assert "passages; a document may make at most 3,000" in response.get_json()["error"]
    assert snapshot(admin_app) == before


@pytest.mark.parametrize("body, message", [
    ({"name": "a.txt"}, 'text is missing; send {"name": "psoas-notes.md", "text": "..."}'),
    ({"text": "x"}, 'name is missing; send {"name"'),
    ({"name": 3, "text": "x"}, "name must be a string, not 3"),
    ([1, 2], 'the body must be a JSON object, like {"name"'),
])
def test_malformed_json_bodies_get_400(admin, body, message):
    response = admin.post("/api/documents", json=body, headers=AUTH)
    assert response.status_code == 400 and message in response.get_json()["error"]


def test_a_reindex_that_fails_midway_keeps_the_old_index_answering(admin, admin_app, monkeypatch):
    from assistant.engine import index as index_module

    before = snapshot(admin_app)

    def exploding_chunk(document, target=None):
        raise RuntimeError("injected failure after part of the work")

    monkeypatch.setattr(index_module.chunking, "chunk", exploding_chunk)
    response = admin.post("/api/documents", json={"name": "zumba.txt", "text": NEW_FACT}, headers=AUTH)
    assert response.status_code == 500 and "Traceback" not in response.get_data(as_text=True)
    assert "injected failure" in response.get_json()["error"] and "corpus is unchanged" in response.get_json()["error"]
    assert snapshot(admin_app) == before
    assert ask(admin, "How do I stretch my hip flexors?")["found"] is True


@pytest.mark.parametrize("failing, message", [
    ("documents", "could not store the document 'zumba.txt' in the corpus folder (No space left on device)"),
    ("index", "the reindex failed: could not write the index file"),
])
def test_a_full_disk_names_the_step_that_failed_and_changes_nothing(admin, admin_app, full_disk, failing, message):
    from assistant.engine import documents, index

    before = snapshot(admin_app)
    full_disk({"documents": documents, "index": index}[failing])
    response = admin.post("/api/documents", json={"name": "zumba.txt", "text": NEW_FACT}, headers=AUTH)
    assert response.status_code == 500, response.get_json()
    assert message in response.get_json()["error"]
    assert "the corpus is unchanged and the previous index is still serving" in response.get_json()["error"]
    assert snapshot(admin_app) == before
    assert ask(admin, "How do I stretch my hip flexors?")["found"] is True


def test_a_bad_file_on_disk_makes_reindex_say_why(admin, admin_app):
    holder = admin_app.extensions["assistant"]
    (holder.corpus_dir / "broken.txt").write_bytes(b"\xff\xfe\x00")
    response = admin.post("/api/reindex", headers=AUTH)
    assert response.status_code == 409 and "broken.txt" in response.get_json()["error"]
    assert ask(admin, "How do I stretch my hip flexors?")["found"] is True


def test_reindex_catches_up_with_what_a_killed_add_or_remove_left(make_app, writable_corpus):
    """A killed `add` leaves its file in the folder and a killed `remove` its file gone, both unindexed."""
    client = make_app(CORPUS=str(writable_corpus), ADMIN_TOKEN=TOKEN, CORPUS_CHECK_SECONDS=0).test_client()
    client.get("/api/health")
    (writable_corpus / "zumba.txt").write_text(NEW_FACT)
    (writable_corpus / "muscle-of-the-month-iliopsoas.txt").unlink()
    report = client.post("/api/reindex", headers=AUTH).get_json()["report"]
    assert report["added"] == ["zumba.txt"] and report["removed"] == ["muscle-of-the-month-iliopsoas.txt"]
    assert ask(client, "Does the psoas like zumba?")["passages"][0]["citation"]["source"] == "zumba.txt"
    assert client.get("/api/health").get_json()["stale"] is False


def post_json(url, body, headers=None):
    request = urllib.request.Request(url, data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.status, json.loads(response.read())


def test_questions_keep_being_answered_while_documents_are_added(admin_app):
    """Threads ask questions over real HTTP while documents are added and indexed: every answer is a 200 with passages."""
    admin_app.extensions["assistant"].get()
    results, stop = [], threading.Event()

    def keep_asking(url):
        while not stop.is_set():
            results.append(post_json(url + "api/answer", {"question": "How do I stretch my hip flexors?"}))

    with server.serve_in_thread(admin_app, threads=8) as url:
        askers = [threading.Thread(target=keep_asking, args=(url,)) for _ in range(4)]
        for thread in askers:
            thread.start()
        for n in range(3):
            status, _ = post_json(url + "api/documents", {"name": f"fact-{n}.txt",
                                                          "text": f"Fact {n}: the psoas likes dance number {n}.\n"},
                                  AUTH)
            assert status == 201
        started = time.monotonic()
        while True:  # the new fact is answered as soon as the reindex has landed
            status, result = post_json(url + "api/answer", {"question": "Does the psoas like dance number 2?"})
            if result["passages"] and result["passages"][0]["citation"]["source"] == "fact-2.txt":
                break
            assert time.monotonic() - started < 5
        stop.set()
        for thread in askers:
            thread.join()
    assert len(results) > 20
    assert all(status == 200 and result["passages"] for status, result in results)


def test_a_document_added_on_the_command_line_is_answered_by_the_running_server(admin_app, tmp_path):
    from click.testing import CliRunner

    from assistant.cli import cli

    holder = admin_app.extensions["assistant"]
    holder.get()
    source = tmp_path / "zumba.txt"
    source.write_text(NEW_FACT)
    with server.serve_in_thread(admin_app) as url:
        result = CliRunner().invoke(cli, ["--corpus", str(holder.corpus_dir), "--index", str(holder.index_path),
                                          "add", str(source)])
        assert result.exit_code == 0, result.output
        status, answer = post_json(url + "api/answer", {"question": "Does the psoas like zumba?"})
    assert status == 200 and answer["passages"][0]["citation"]["source"] == "zumba.txt"


def test_deleting_the_last_document_is_refused_up_front(tmp_path, caplog):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "only.txt").write_text(NEW_FACT)
    app = create_app({"TESTING": True, "CORPUS": str(corpus), "INDEX": str(tmp_path / "index.npz"),
                      "ADMIN_TOKEN": TOKEN})
    app.extensions["assistant"].get()
    before = snapshot(app)
    response = app.test_client().delete("/api/documents/only.txt", headers=AUTH)
    assert response.status_code == 409
    assert "the corpus must keep at least one document" in response.get_json()["error"]
    assert snapshot(app) == before
    assert not [record for record in caplog.records if record.levelname == "ERROR"]


@pytest.mark.parametrize("body, message", [
    ({"name": "a.txt", "text": "The psoas \ud800 text."}, "not valid Unicode"),
    ({"name": "\ud800.txt", "text": NEW_FACT}, "not valid Unicode"),
    ({"name": "new\nline.txt", "text": NEW_FACT}, "control character"),
    ({"name": "rtl\u202etxt.exe.txt", "text": NEW_FACT}, "invisible formatting character"),
    ({"name": " space.txt", "text": NEW_FACT}, "space"),
    ({"name": "THE-ILIOPSOAS-CLINIC-HANDOUT.txt", "text": NEW_FACT}, "differ only in case"),
    ({"name": "zumba.txt", "text": NEW_FACT, "replace": "no"}, "replace must be true or false, not 'no'"),
    ({"name": "zumba.txt", "text": NEW_FACT, "replace": {}}, "replace must be true or false"),
    ({"name": "zumba.txt", "text": NEW_FACT, "tags": []}, "unknown field(s) 'tags'; the body takes name, text, replace"),
])
def test_bad_names_and_text_get_400_with_the_reason(admin, admin_app, body, message):
    before = snapshot(admin_app)
    response = admin.post("/api/documents", json=body, headers=AUTH)
    assert response.status_code == 400 and message in response.get_json()["error"]
    assert snapshot(admin_app) == before


def test_wrong_tokens_are_throttled_per_client(admin):
    wrong = {"Authorization": "Bearer guess"}
    attacker, other = {"REMOTE_ADDR": "10.0.0.66"}, {"REMOTE_ADDR": "10.0.0.7"}
    statuses = [admin.post("/api/reindex", headers=wrong, environ_base=attacker).status_code for _ in range(10)]
    assert statuses == [401] * 10
    for headers in (wrong, AUTH, {}):  # once used up, even the right token is refused: no guess is checked
        refused = admin.post("/api/reindex", headers=headers, environ_base=attacker)
        assert refused.status_code == 429, refused.get_json()
        assert 1 <= int(refused.headers["Retry-After"]) <= 61
        assert "10 wrong admin tokens per 1 minute" in refused.get_json()["error"]
    assert admin.post("/api/reindex", headers=wrong, environ_base=other).status_code == 401
    assert admin.post("/api/reindex", headers=AUTH, environ_base=other).status_code == 200
    answer = admin.post("/api/answer", json={"question": "psoas"}, environ_base=attacker)
    assert answer.status_code == 200  # only the admin API is closed to that client


def test_requests_without_a_token_are_not_counted_as_guesses(admin):
    assert {admin.post("/api/reindex").status_code for _ in range(15)} == {401}
    assert admin.post("/api/reindex", headers=AUTH).status_code == 200


def test_the_throttle_on_wrong_tokens_can_be_set(writable_corpus, tmp_path):
    app = create_app({"TESTING": True, "CORPUS": str(writable_corpus), "INDEX": str(tmp_path / "index.npz"),
                      "ADMIN_TOKEN": TOKEN, "ADMIN_FAILURE_LIMIT": "2 per hour"})
    client = app.test_client()
    wrong = {"Authorization": "Bearer guess"}
    assert [client.post("/api/reindex", headers=wrong).status_code for _ in range(3)] == [401, 401, 429]
