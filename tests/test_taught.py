"""Taught questions: a visitor's wording attached to the passage that answers it, by the command line and the API."""
import importlib.util
import json
from pathlib import Path

import pytest

from assistant import create_app
from assistant.cli import cli
from assistant.engine import index as index_module
from assistant.engine.answer import answer
from assistant.engine.evaluate import load_questions
from assistant.engine.taught import TAUGHT_FILE, Taught, check_taught, read_taught
from assistant.errors import BadTaught

HERE = Path(__file__).resolve().parent
SHARED = HERE.parents[1] / "shared" / "eval"
# A wording the engine gets wrong untaught, and the article text that answers it.
WORDING = "what's the thing that makes your leg go up when u march on the spot"
SOURCE, QUOTE = "the-iliopsoas-clinic-handout.txt", "the main flexor of the hip joint"


def untaught_corpus(corpus: Path) -> Path:
    """Return the corpus with no taught question at all."""
    (corpus / TAUGHT_FILE).unlink(missing_ok=True)
    return corpus


def run(runner, corpus: Path, index: Path, *args):
    return runner.invoke(cli, ["--corpus", str(corpus), "--index", str(index), *args])


def test_a_taught_wording_brings_its_passage_first(runner, writable_corpus, tmp_path):
    corpus, index_path = untaught_corpus(writable_corpus), tmp_path / "index.npz"
    before = answer(index_module.load_or_build(corpus, index_path)[0], WORDING)
    assert not before["passages"] or QUOTE not in before["passages"][0]["text"]
    result = run(runner, corpus, index_path, "teach", WORDING, "--source", SOURCE, "--quote", QUOTE)
    assert result.exit_code == 0, result.output
    after = answer(index_module.load(index_path), WORDING)
    assert after["found"] and QUOTE in after["passages"][0]["text"]
    assert QUOTE in after["answer"]  # the quote's sentence answers, not one that repeats the question's words
    listing = json.loads(run(runner, corpus, index_path, "teach", "--list", "--json").output)
    assert [(row["question"], row["quote"]) for row in listing] == [(WORDING, QUOTE)]
    assert listing[0]["passages"]
    removed = run(runner, corpus, index_path, "untaught", listing[0]["id"])
    assert removed.exit_code == 0 and read_taught(corpus) == []


def test_teach_by_passage_id_and_a_follow_up_wording(runner, writable_corpus, tmp_path):
    corpus, index_path = untaught_corpus(writable_corpus), tmp_path / "index.npz"
    index = index_module.load_or_build(corpus, index_path)[0]
    passage = answer(index, "How long should I hold a hip flexor stretch?")["passages"][0]["id"]
    result = run(runner, corpus, index_path, "teach", "and for how many secs?", "-H", "how do I stretch my psoas",
                 "--passage", passage)
    assert result.exit_code == 0, result.output
    [taught] = read_taught(corpus)
    assert taught.history == ("how do I stretch my psoas",) and taught.source == passage.split(":")[0]
    assert passage in json.loads(run(runner, corpus, index_path, "teach", "--list", "--json").output)[0]["passages"]


def test_a_question_taught_as_not_answered_is_refused_and_its_neighbours_are_not(runner, writable_corpus, tmp_path):
    corpus, index_path = untaught_corpus(writable_corpus), tmp_path / "index.npz"
    assert run(runner, corpus, index_path, "teach", WORDING, "--source", SOURCE, "--quote", QUOTE).exit_code == 0
    asked, near = "how do I stretch my hamstrings properly?", "best stretch for tight hamstrings"
    index = index_module.load(index_path)
    assert answer(index, asked)["found"] and answer(index, near)["found"]  # the gate alone cannot tell
    result = run(runner, corpus, index_path, "teach", "how do I stretch my hamstrings?", "--not-answered")
    assert result.exit_code == 0 and "as not answered" in result.output, result.output
    index = index_module.load(index_path)
    assert not answer(index, asked)["found"] and not answer(index, near)["found"]
    assert answer(index, "how do I stretch my hip flexors?")["found"]
    assert answer(index, WORDING)["found"]
    listing = json.loads(run(runner, corpus, index_path, "teach", "--list", "--json").output)
    assert [(row["not_answered"], row["source"], row["passages"] == []) for row in listing] == [
        (False, SOURCE, False), (True, None, True)]
    assert "not answered by the articles" in run(runner, corpus, index_path, "teach", "--list").output
    assert "attached to no passage" not in run(runner, corpus, index_path, "reindex").output


@pytest.mark.parametrize("args, message", [
    (["teach", WORDING, "--not-answered", "--passage", "x.txt:1-2"], "--not-answered takes no --passage"),
    (["teach", WORDING, "--source", SOURCE, "--quote", "words the article never says"], "holds the quote"),
    (["teach", WORDING, "--passage", "no-such-file.txt:1-2"], "no passage has the id"),
    (["teach", WORDING], "say which passage answers it"),
    (["teach", "--passage", "x.txt:1-2"], "give the visitor's QUESTION"),
    (["untaught", "0123456789"], "no taught question has the id"),
])
def test_teaching_mistakes_get_one_line_and_change_nothing(runner, writable_corpus, tmp_path, args, message):
    corpus = untaught_corpus(writable_corpus)
    result = run(runner, corpus, tmp_path / "index.npz", *args)
    assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output
    assert read_taught(corpus) == []


def test_a_quote_that_is_gone_is_reported_not_dropped(runner, writable_corpus, tmp_path):
    corpus = untaught_corpus(writable_corpus)
    lost = Taught("where is the quokka muscle", SOURCE, "a sentence that was edited away")
    (corpus / TAUGHT_FILE).write_text(json.dumps(lost.to_dict()) + "\n")
    result = run(runner, corpus, tmp_path / "index.npz", "reindex")
    assert result.exit_code == 0 and f"taught question {lost.id}" in result.output and "no passage" in result.output
    listing = json.loads(run(runner, corpus, tmp_path / "index.npz", "teach", "--list", "--json").output)
    assert listing[0]["id"] == lost.id and listing[0]["passages"] == []
    evaluated = run(runner, corpus, tmp_path / "index.npz", "eval", "--questions", str(SHARED / "iliopsoas-dev.jsonl"))
    assert f"taught question {lost.id}" in evaluated.output


@pytest.mark.parametrize("line, message", [
    ("not json", "not JSON"),
    ('{"question": "x", "source": "a.txt"}', '"quote" must be'),
    ('{"question": " ", "source": "a.txt", "quote": "y"}', '"question" must be'),
    ('{"question": "x", "source": "a.txt", "quote": "y", "history": "z"}', '"history" must be'),
    ('{"question": "x", "not_answered": "yes"}', '"not_answered" must be true or false'),
    ('{"question": "x", "not_answered": true, "quote": "y"}', "has no source or quote"),
])
def test_a_malformed_taught_file_names_its_line(writable_corpus, line, message):
    (writable_corpus / TAUGHT_FILE).write_text(line + "\n")
    with pytest.raises(BadTaught, match=message) as raised:
        read_taught(writable_corpus)
    assert "line 1" in str(raised.value)


def seed_taught_module():
    """tools/seed_taught.py, whose KEPT_OUT names the sets never taught."""
    spec = importlib.util.spec_from_file_location("seed_taught", HERE.parent / "tools" / "seed_taught.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_taught_file_holds_only_the_taught_sets_never_the_kept_out_ones():
    """The bundled taught questions come from our own question sets, and never from the sets kept out for good."""
    taught = {(t.question, t.history) for t in read_taught(HERE.parent / "corpus")}
    assert len(taught) > 500
    seeds = [SHARED / "iliopsoas-dev.jsonl", SHARED / "iliopsoas-dev2.jsonl"] + [
        HERE / f"{name}.jsonl" for name in ("questions", "questions-heldout", "questions-fresh", "questions-fresh2",
                                            "questions-teach", "questions-teach2", "out-of-scope", "out-of-scope-2",
                                            "questions-fresh4", "questions-fresh5", "questions-fresh6")]
    wording = lambda item: (item["question"].strip(), tuple(h.strip() for h in item.get("history") or []))  # noqa
    seeded = {wording(item) for path in seeds if path.exists() for item in load_questions(path)}
    kept_out = {wording(item) for name in seed_taught_module().KEPT_OUT if (HERE / name).exists()
                for item in load_questions(HERE / name)}
    assert len(kept_out) > 1000
    if SHARED.exists():
        assert taught <= seeded
    assert not taught & kept_out


def test_check_taught_tidies_and_refuses():
    taught = check_taught({"question": "  why  ", "source": "a.txt", "quote": "some\nwords ", "history": ["", "q"]})
    assert (taught.question, taught.quote, taught.history) == ("why", "some words", ("q",))
    not_answered = check_taught({"question": " cost? ", "not_answered": True, "history": ["hi"]})
    assert not not_answered.answered and check_taught(not_answered.to_dict()) == not_answered
    assert not_answered.to_dict() == {"question": "cost?", "not_answered": True, "history": ["hi"]}
    with pytest.raises(BadTaught, match="at most"):
        check_taught({"question": "x", "source": "a.txt", "quote": "w" * 400})


@pytest.fixture
def teaching_app(writable_corpus, tmp_path):
    app = create_app({"TESTING": True, "CORPUS": str(untaught_corpus(writable_corpus)),
                      "INDEX": str(tmp_path / "index.npz"), "ADMIN_TOKEN": "teach-token", "RECORD_QUESTIONS": False})
    return app


def test_the_admin_api_teaches_lists_edits_and_removes(teaching_app):
    client, auth = teaching_app.test_client(), {"Authorization": "Bearer teach-token"}
    assert client.get("/api/taught").status_code == 401
    found = client.get("/api/passages", query_string={"q": "which muscle flexes the hip", "k": 3}, headers=auth)
    assert found.status_code == 200 and len(found.json["passages"]) == 3 and "answer" in found.json
    taught = client.post("/api/taught", json={"question": WORDING, "source": SOURCE, "quote": QUOTE}, headers=auth)
    assert taught.status_code == 201 and taught.json["taught"]["passages"]
    chat = client.post("/api/answer", json={"question": WORDING}).json
    assert QUOTE in chat["passages"][0]["text"]  # the running server uses it with no restart
    old = taught.json["taught"]["id"]
    edited = client.put(f"/api/taught/{old}", json={"question": "what lifts my knee when I march",
                                                     "passage": found.json["passages"][0]["id"]}, headers=auth)
    assert edited.status_code == 200 and [row["id"] for row in client.get("/api/taught", headers=auth).json["taught"]
                                          ] == [edited.json["taught"]["id"]]
    assert client.delete(f"/api/taught/{old}", headers=auth).status_code == 404
    assert client.delete(f"/api/taught/{edited.json['taught']['id']}", headers=auth).status_code == 200
    assert client.get("/api/taught", headers=auth).json["taught"] == []
    refused = client.post("/api/taught", json={"question": "how much is a session?", "not_answered": True},
                          headers=auth)
    assert refused.status_code == 201 and refused.json["taught"]["not_answered"]
    assert refused.json["taught"]["source"] is None and refused.json["taught"]["passages"] == []
    assert read_taught(Path(teaching_app.config["CORPUS"])) == [Taught("how much is a session?")]


@pytest.mark.parametrize("body, message", [
    ({"question": WORDING, "not_answered": True, "passage": "x.txt:1-2"}, "has no \"passage\""),
    ({"question": WORDING}, "say which passage answers it"),
    ({"question": WORDING, "passage": 7}, "passage must be a string"),
    ({"question": WORDING, "passage": "nope.txt:1-2"}, "no passage has the id"),
    ({"question": WORDING, "source": SOURCE, "quote": "never said"}, "holds the quote"),
    ({"question": "", "source": SOURCE, "quote": QUOTE}, "question"),
    (["a list"], "JSON object"),
])
def test_the_admin_api_refuses_a_bad_taught_question_and_changes_nothing(teaching_app, body, message):
    client = teaching_app.test_client()
    response = client.post("/api/taught", json=body, headers={"Authorization": "Bearer teach-token"})
    assert response.status_code == 400 and message in response.json["error"]
    assert read_taught(Path(teaching_app.config["CORPUS"])) == []
