"""The command line through click's CliRunner: ask, --json, --jsonl, reindex, eval, and errors."""
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.config import bundled_dir
from assistant.engine.safety import DISCLAIMER


@pytest.fixture
def run(tmp_path, built_index):
    corpus = tmp_path / "corpus"
    shutil.copytree(bundled_dir("corpus"), corpus)
    index = tmp_path / "index.npz"
    shutil.copy(built_index, index)  # the same articles' index: a copy, not a build (embedding takes seconds)

    def invoke(*args, input=None):
        return CliRunner().invoke(cli, ["--corpus", str(corpus), "--index", str(index), *args], input=input)

    invoke.corpus, invoke.index = corpus, index
    return invoke


def test_ask_prints_answer_numbered_citations_and_disclaimer(run):
    result = run("ask", "How do I stretch my hip flexors?")
    assert result.exit_code == 0, result.output
    assert "[1] " in result.stdout and "[3] " in result.stdout
    assert "characters " in result.stdout and ".txt" in result.stdout
    assert DISCLAIMER in result.stdout


def test_ask_names_an_article_once_when_its_first_section_repeats_the_title(corpus_dir, built_index):
    result = CliRunner().invoke(cli, ["--corpus", str(corpus_dir), "--index", str(built_index),
                                      "ask", "Which nerve supplies the iliacus?"])
    assert result.exit_code == 0, result.output
    assert "    Anatomy of the Iliopsoas Muscle (iliopsoas-muscle-anatomy-and-treatment.txt, characters" in result.stdout
    assert "Anatomy of the Iliopsoas Muscle > Anatomy" not in result.stdout


def test_ask_json_prints_the_result_object(run):
    result = run("ask", "Which nerve supplies the iliacus?", "--json", "--top-k", "2")
    data = json.loads(result.stdout)
    assert data["found"] is True and len(data["passages"]) == 2


def test_ask_joins_the_words_of_an_unquoted_question(run):
    result = run("ask", "psoas", "pain", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["question"] == "psoas pain"


def test_ask_adds_the_owners_contact_line_to_the_fallback(run, monkeypatch):
    monkeypatch.setenv("ASSISTANT_CONTACT", "Call the clinic on 0123 456 789.")
    result = run("ask", "What is the capital of France?")
    assert "do not answer that" in result.stdout and "\nCall the clinic on 0123 456 789.\n" in result.stdout


def test_ask_with_history(run):
    result = run("ask", "How long do I hold it?", "--history",
                 "How can I strengthen my iliopsoas while standing with a resistance loop?", "--json")
    assert "three seconds" in json.loads(result.stdout)["passages"][0]["text"]


def test_ask_urgent_comes_first(run):
    result = run("ask", "I fell and now I can't put weight on my leg")
    assert result.stdout.startswith("URGENT: ")


def test_ask_jsonl_answers_one_line_per_request_in_one_process(run):
    lines = "\n".join([
        json.dumps({"question": "What is fascia?"}),
        json.dumps({"question": "How long do I hold it?", "history": ["How do I stretch the iliopsoas?"]}),
        "not json",
        json.dumps({"question": ""}),
    ])
    result = run("ask", "--jsonl", "-", "--top-k", "1", input=lines)
    outputs = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(outputs) == 4
    assert outputs[0]["found"] and len(outputs[0]["passages"]) == 1
    assert outputs[2]["error"].startswith("line 3:") and "blank" in outputs[3]["error"]
    assert result.exit_code == 2
    assert "line 3: not JSON" in result.stderr and "and 1 more" in result.stderr


def test_ask_jsonl_says_which_line_is_broken_and_how_to_write_it(run, tmp_path):
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({"question": "What is fascia?"}) + '\n{"question": "psoas",\n')
    result = run("ask", "--jsonl", str(questions))
    assert result.exit_code == 2
    message = result.stderr.splitlines()[-1]  # after "Index built: ..."
    assert message.startswith(f"Error: {questions}, line 2: not JSON (Expecting property name")
    assert re.findall(r"\bline \d+", message) == ["line 2"]  # one line number: the file's
    assert message.endswith('each line must be a JSON object like {"question": "How do I stretch my hip flexors?", '
                            '"history": []}')


def test_ask_jsonl_with_plain_questions_says_each_line_must_be_json(run, tmp_path):
    questions = tmp_path / "questions.txt"
    questions.write_text("How do I stretch my hip flexors?\nWhat is fascia?\n")
    result = run("ask", "--jsonl", str(questions))
    errors = [json.loads(line)["error"] for line in result.stdout.splitlines()]
    assert [error.split(":")[0] for error in errors] == ["line 1", "line 2"]
    assert all('each line must be a JSON object like {"question": ' in error for error in errors)
    assert result.exit_code == 2 and "and 1 more" in result.stderr


def test_reindex_prints_a_one_line_summary(run):
    run.index.unlink()  # from nothing
    result = run("reindex")
    assert result.exit_code == 0
    assert "4 documents" in result.stdout and "passages in" in result.stdout and "4 added" in result.stdout
    assert run.index.is_file()
    again = run("reindex")
    assert "4 unchanged" in again.stdout
    full = run("reindex", "--full")
    assert "0 added, 0 updated, 0 removed, 4 unchanged" in full.stdout  # re-read, yet nothing was added


def test_eval_prints_the_figures(run, tmp_path):
    questions = tmp_path / "q.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in [
        {"id": "a", "question": "Which nerve supplies the iliacus?", "expect": "answer", "evidence": ["femoral"]},
        {"id": "b", "question": "What is the capital of France?", "expect": "none", "evidence": []},
        {"id": "c", "question": "I fell and can't bear weight", "expect": "urgent", "evidence": []},
    ]))
    result = run("eval", "--questions", str(questions), "--json")
    figures = json.loads(result.stdout)
    assert figures["hit@1"] == 1.0 and figures["out_of_scope_accuracy"] == 1.0 and figures["red_flag_recall"] == 1.0
    text = run("eval", "--questions", str(questions)).stdout
    for name in ("hit@1", "hit@3", "mrr", "out_of_scope_accuracy", "red_flag_recall", "false_alarms"):
        assert name in text


@pytest.mark.parametrize("args, message", [
    (["ask", ""], "question is blank"),
    (["ask", "\u0000\u0007"], "question is blank"),
    (["ask", "x" * 1001], "the limit is 1000"),
    (["ask"], "give a QUESTION or --jsonl FILE"),
    (["ask", "--top-k", "0", "psoas"], "--top-k"),
    (["eval", "--questions", "/no/such/file.jsonl"], "cannot read questions file"),
    (["unanswered", "--since", "3000000"], "1<=x<=36500"),
])
def test_usage_errors_exit_2_with_one_line_and_no_traceback(run, args, message):
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_missing_corpus_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["--corpus", str(tmp_path / "nope"), "--index", str(tmp_path / "i.npz"),
                                      "ask", "psoas?"])
    assert result.exit_code == 2
    assert "does not exist; pass --corpus DIR or set ASSISTANT_CORPUS" in result.output


def test_a_bad_file_fails_reindex_and_keeps_the_old_index(run):
    assert run("reindex").exit_code == 0
    before = run.index.read_bytes()
    (run.corpus / "photo.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = run("reindex")
    assert result.exit_code == 2 and "photo.txt" in result.output and "binary" in result.output
    assert run.index.read_bytes() == before


def test_environment_variables_set_corpus_and_index(tmp_path, monkeypatch):
    corpus = tmp_path / "c"
    corpus.mkdir()
    for name in ("a", "b", "c"):
        (corpus / f"{name}.txt").write_text(f"The psoas fact {name} is about the hip flexor.\n")
    monkeypatch.setenv("ASSISTANT_CORPUS", str(corpus))
    monkeypatch.setenv("ASSISTANT_INDEX", str(tmp_path / "env.npz"))
    result = CliRunner().invoke(cli, ["reindex"])
    assert "3 documents" in result.stdout and (tmp_path / "env.npz").is_file()


def test_python_m_assistant_without_its_dependencies_says_how_to_run_it():
    # As a Python outside .venv (the system's) does: a dependency cannot be imported.
    code = "import runpy, sys; sys.modules['rank_bm25'] = None; runpy.run_module('assistant', run_name='__main__')"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and "`make run`" in result.stderr and ".venv/bin/assistant" in result.stderr


def test_help_explains_the_commands():
    result = CliRunner().invoke(cli, ["--help"])
    for command in ("ask", "reindex", "eval", "serve"):
        assert command in result.output
    assert "ASSISTANT_CORPUS" in result.output


def test_a_corpus_file_whose_name_is_not_utf8_is_skipped_not_a_traceback(run):
    shutil.copy(run.corpus / "the-iliopsoas-clinic-handout.txt", run.corpus / os.fsdecode(b"bad\xff.txt"))
    for args in (["reindex"], ["ask", "How do I stretch my hip flexors?"]):
        result = run(*args)
        assert result.exit_code == 0, result.output
        assert "Traceback" not in result.output
    assert "4 documents" in run("reindex", "--full").output


def test_add_refuses_two_files_of_the_same_name(run, tmp_path):
    for folder, text in [("a", "Psoas text one."), ("b", "Psoas text two.")]:
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "x.md").write_text(text)
    result = run("add", str(tmp_path / "a" / "x.md"), str(tmp_path / "b" / "x.md"))
    assert result.exit_code == 2 and "another file named x.md" in result.output
    assert not (run.corpus / "x.md").exists()


def test_ask_jsonl_that_is_not_utf8_says_so(run, tmp_path):
    (tmp_path / "latin1.jsonl").write_bytes('{"question": "psoas caf\u00e9"}\n'.encode("latin-1"))
    result = run("ask", "--jsonl", str(tmp_path / "latin1.jsonl"))
    assert result.exit_code == 2 and "is not UTF-8 text" in result.output and "Traceback" not in result.output


def test_a_retention_beyond_a_century_is_a_setting_error(run, monkeypatch, tmp_path):
    monkeypatch.setenv("ASSISTANT_RETENTION_DAYS", "1000000")
    result = run("feedback", "--database", f"sqlite:///{tmp_path / 'f.db'}")
    assert result.exit_code == 2 and "from 1 to 36500" in result.output and "Traceback" not in result.output
