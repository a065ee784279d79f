"""Adding and removing source texts: checks first, nothing lost, the corpus restored when a reindex fails."""
import hashlib
import shutil
import stat

import pytest
from click.testing import CliRunner

from assistant.cli import cli
from assistant.config import MAX_PASSAGES_PER_DOCUMENT, bundled_dir
from assistant.engine import chunking, documents
from assistant.engine import index as index_module
from assistant.engine.corpus import load_corpus
from assistant.engine.documents import add_documents, remove_document
from assistant.errors import BadDocument, DocumentExists, DocumentNotFound, LastDocument, NameTaken

NEW_FACT = b"Zumba Tuesday\n\nThe psoas enjoys zumba classes on Tuesdays, says our trainer.\n"


@pytest.fixture
def setup(tmp_path, built_index):
    corpus = tmp_path / "corpus"
    shutil.copytree(bundled_dir("corpus"), corpus)
    index_path = tmp_path / "index.npz"
    shutil.copy(built_index, index_path)  # the same articles' index: a copy, not a build (embedding takes seconds)
    return corpus, index_path


def snapshot(corpus, index_path):
    files = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in corpus.iterdir() if not p.name.startswith(".")}
    return files, index_path.read_bytes()


def invoke(corpus, index_path, *args):
    return CliRunner().invoke(cli, ["--corpus", str(corpus), "--index", str(index_path), *args])


def test_add_then_ask_finds_the_new_fact_with_its_citation(setup, tmp_path):
    corpus, index_path = setup
    source = tmp_path / "zumba.txt"
    source.write_bytes(NEW_FACT)
    result = invoke(corpus, index_path, "add", str(source))
    assert result.exit_code == 0, result.output
    assert "1 added" in result.output and "4 unchanged" in result.output
    answer = invoke(corpus, index_path, "ask", "Does the psoas like zumba?", "--json")
    assert '"source": "zumba.txt"' in answer.stdout and "zumba classes on Tuesdays" in answer.stdout


def test_add_says_what_became_of_each_file(setup, tmp_path):
    corpus, index_path = setup
    (tmp_path / "zumba.txt").write_bytes(NEW_FACT)
    shutil.copy(corpus / "the-iliopsoas-clinic-handout.txt", tmp_path)
    taken = invoke(corpus, index_path, "add", str(tmp_path / "the-iliopsoas-clinic-handout.txt"))
    assert taken.exit_code == 2 and "already in the corpus; use --replace to update it" in taken.output
    same = invoke(corpus, index_path, "add", "--replace", str(tmp_path / "the-iliopsoas-clinic-handout.txt"))
    assert same.output.startswith("Unchanged (the same text): the-iliopsoas-clinic-handout.txt. Indexed ")
    (tmp_path / "the-iliopsoas-clinic-handout.txt").write_bytes(NEW_FACT + b"More.\n")
    both = invoke(corpus, index_path, "add", "--replace", *(str(tmp_path / name) for name in
                                                             ("zumba.txt", "the-iliopsoas-clinic-handout.txt")))
    assert both.output.startswith("Added: zumba.txt. Updated: the-iliopsoas-clinic-handout.txt. Indexed ")


def test_replace_updates_and_remove_takes_out(setup):
    corpus, index_path = setup
    reindex = lambda: index_module.reindex(corpus, index_path)  # noqa: E731
    add_documents(corpus, [("zumba.txt", NEW_FACT)], reindex)
    with pytest.raises(NameTaken, match="already in the corpus"):
        add_documents(corpus, [("zumba.txt", NEW_FACT + b"More.\n")], reindex)
    report = add_documents(corpus, [("zumba.txt", NEW_FACT + b"More.\n")], reindex, replace=True)
    assert report.updated == ["zumba.txt"]
    report = remove_document(corpus, "zumba.txt", reindex)
    assert report.removed == ["zumba.txt"] and not (corpus / "zumba.txt").exists()
    with pytest.raises(DocumentNotFound, match="no document named 'zumba.txt'"):
        remove_document(corpus, "zumba.txt", reindex)


@pytest.mark.parametrize("name, data, error, message", [
    ("../escape.txt", NEW_FACT, BadDocument, "not a path"),
    ("/etc/passwd.txt", NEW_FACT, BadDocument, "not a path"),
    ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", BadDocument, "binary"),
    ("empty.txt", b"", BadDocument, "empty"),
    ("latin.txt", b"caf\xe9 au lait, psoas", BadDocument, "not UTF-8"),
    ("program.exe", b"MZ this is not a document", BadDocument, "unsupported file type"),
    (".hidden.txt", NEW_FACT, BadDocument, "must not start with '.'"),
    ("copy.txt", (bundled_dir("corpus") / "the-iliopsoas-clinic-handout.txt").read_bytes(), DocumentExists,
     "already in the corpus as 'the-iliopsoas-clinic-handout.txt'"),
])
def test_refused_input_leaves_corpus_and_index_byte_for_byte(setup, name, data, error, message):
    corpus, index_path = setup
    before = snapshot(corpus, index_path)
    with pytest.raises(error, match=message):
        add_documents(corpus, [(name, data)], lambda: index_module.reindex(corpus, index_path))
    assert snapshot(corpus, index_path) == before


def test_a_file_over_the_size_limit_is_refused(setup, monkeypatch):
    corpus, index_path = setup
    monkeypatch.setenv("ASSISTANT_MAX_FILE_BYTES", "100")
    before = snapshot(corpus, index_path)
    with pytest.raises(BadDocument, match="over the 100-byte limit"):
        add_documents(corpus, [("big.txt", b"psoas " * 50)], lambda: index_module.reindex(corpus, index_path))
    assert snapshot(corpus, index_path) == before


# One sentence a line: about one passage each, a few more than the cap (the 5 MB upload of issue 11 made 238,712).
SHORT_LINES = b"".join(b"Psoas note %d.\n" % n for n in range(MAX_PASSAGES_PER_DOCUMENT + 100))


def test_a_document_of_too_many_passages_is_refused_before_anything_is_written(setup, tmp_path):
    corpus, index_path = setup
    before = snapshot(corpus, index_path)
    with pytest.raises(BadDocument, match=f"lines.txt: it would make [0-9,]+ passages; a document may make at most "
                                          f"{MAX_PASSAGES_PER_DOCUMENT:,} .*split it"):
        add_documents(corpus, [("lines.txt", SHORT_LINES)], lambda: pytest.fail("nothing is indexed"))
    (tmp_path / "lines.txt").write_bytes(SHORT_LINES)
    result = invoke(corpus, index_path, "add", str(tmp_path / "lines.txt"))
    assert result.exit_code == 2 and "passages; a document may make at most" in result.output
    assert snapshot(corpus, index_path) == before


def test_no_bundled_article_comes_near_the_passage_cap():
    most = max(len(chunking.chunk(document)) for document in load_corpus(bundled_dir("corpus")))
    assert most * 20 < MAX_PASSAGES_PER_DOCUMENT


def test_one_bad_file_among_several_adds_none(setup):
    corpus, index_path = setup
    before = snapshot(corpus, index_path)
    with pytest.raises(BadDocument, match="empty.txt"):
        add_documents(corpus, [("good.txt", NEW_FACT), ("empty.txt", b"")], lambda: index_module.reindex(corpus, index_path))
    assert snapshot(corpus, index_path) == before


def test_a_reindex_that_fails_midway_restores_the_corpus_and_keeps_the_old_index(setup, monkeypatch):
    corpus, index_path = setup
    before = snapshot(corpus, index_path)

    def exploding_chunk(document, target=None):
        raise RuntimeError("injected failure halfway through the build")

    monkeypatch.setattr(index_module.chunking, "chunk", exploding_chunk)
    with pytest.raises(RuntimeError):
        add_documents(corpus, [("zumba.txt", NEW_FACT)], lambda: index_module.reindex(corpus, index_path))
    with pytest.raises(RuntimeError):
        remove_document(corpus, "the-iliopsoas-clinic-handout.txt", lambda: index_module.reindex(corpus, index_path, full=True))
    assert snapshot(corpus, index_path) == before
    assert index_module.load(index_path).passage_count > 0


def test_cli_refusals_exit_2_with_a_message(setup, tmp_path):
    corpus, index_path = setup
    png = tmp_path / "photo.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    for args, message in [(["add", str(png)], "binary"), (["add", str(tmp_path / "missing.txt")], "no such file"),
                          (["remove", "nope.txt"], "no document named")]:
        result = invoke(corpus, index_path, *args)
        assert result.exit_code == 2 and message in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("failing, args, message", [
    (documents, ["add", "{new}"], "could not store the document 'zumba.txt' in the corpus folder (No space left"),
    (documents, ["add", "--replace", "{handout}"], "could not store the document 'the-iliopsoas-clinic-handout.txt'"),
    (index_module, ["add", "{new}"], "the reindex failed: could not write the index file '{index}' (No space left"),
    (index_module, ["remove", "the-iliopsoas-clinic-handout.txt"], "the reindex failed: could not write the index"),
    (index_module, ["reindex", "--full"], "the reindex failed: could not write the index"),
])
def test_a_full_disk_changes_nothing_and_says_what_could_not_be_written(setup, tmp_path, full_disk, failing, args,
                                                                      message):
    corpus, index_path = setup
    (tmp_path / "zumba.txt").write_bytes(NEW_FACT)
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "the-iliopsoas-clinic-handout.txt").write_bytes(NEW_FACT)
    paths = {"new": tmp_path / "zumba.txt", "handout": tmp_path / "new" / "the-iliopsoas-clinic-handout.txt",
             "index": index_path}
    before = snapshot(corpus, index_path)
    full_disk(failing)
    result = invoke(corpus, index_path, *[arg.format(**paths) for arg in args])
    assert result.exit_code == 1 and message.format(**paths) in result.output, result.output
    assert "nothing changed: the corpus and the index are as they were" in result.output
    assert "Traceback" not in result.output
    assert snapshot(corpus, index_path) == before
    assert not [p.name for folder in (corpus, index_path.parent) for p in folder.iterdir() if p.name.endswith(".tmp")]


def test_reindex_says_what_changed(setup):
    corpus, index_path = setup
    (corpus / "zumba.txt").write_bytes(NEW_FACT)
    (corpus / "the-iliopsoas-clinic-handout.txt").unlink()
    result = invoke(corpus, index_path, "reindex")
    assert "1 added, 0 updated, 1 removed, 3 unchanged" in result.output


def test_the_last_document_cannot_be_removed(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "only.txt").write_bytes(NEW_FACT)
    calls = []
    with pytest.raises(LastDocument, match="the corpus must keep at least one document"):
        remove_document(corpus, "only.txt", lambda: calls.append("reindex"))
    assert (corpus / "only.txt").read_bytes() == NEW_FACT and calls == []


def test_cli_refuses_to_remove_the_last_document(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "only.txt").write_bytes(NEW_FACT)
    result = invoke(corpus, tmp_path / "index.npz", "remove", "only.txt")
    assert result.exit_code == 2 and "at least one document" in result.output and "Traceback" not in result.output
    assert (corpus / "only.txt").exists()


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_added_files_and_the_index_get_the_umask_mode(setup, umask_022):
    corpus, index_path = setup
    add_documents(corpus, [("zumba.txt", NEW_FACT)], lambda: index_module.reindex(corpus, index_path))
    assert mode(corpus / "zumba.txt") == 0o644 and mode(index_path) == 0o644


def test_a_replaced_or_restored_file_keeps_its_mode(setup, umask_022, monkeypatch):
    corpus, index_path = setup
    handout = corpus / "the-iliopsoas-clinic-handout.txt"
    handout.chmod(0o640)
    reindex = lambda: index_module.reindex(corpus, index_path)  # noqa: E731
    add_documents(corpus, [(handout.name, NEW_FACT)], reindex, replace=True)
    assert mode(handout) == 0o640

    def exploding_chunk(document, target=None):
        raise RuntimeError("injected failure")

    monkeypatch.setattr(index_module.chunking, "chunk", exploding_chunk)
    with pytest.raises(RuntimeError):
        remove_document(corpus, handout.name, lambda: index_module.reindex(corpus, index_path, full=True))
    with pytest.raises(RuntimeError):
        add_documents(corpus, [(handout.name, NEW_FACT + b"More.\n")], lambda: index_module.reindex(corpus, index_path),
                      replace=True)
    assert handout.read_bytes() == NEW_FACT and mode(handout) == 0o640


@pytest.mark.parametrize("name, message", [
    ("line\nbreak.txt", "control character"),
    ("carriage\rreturn.txt", "control character"),
    ("tab\there.txt", "control character"),
    ("escape\x1b[31m.txt", "control character"),
    ("invoice\u202etxt.exe.txt", "invisible formatting character"),  # shows as invoiceexe.txt.txt
    ("zero\u200bwidth.txt", "invisible formatting character"),
    ("line\u2028separator.txt", "line or paragraph separator"),
    ("\ud800.txt", "not valid Unicode"),
    ("bad\udcff.txt", "not valid Unicode"),  # a file name byte that is not UTF-8, as Python reads it
    (" leading.txt", "must not start or end with a space"),
    ("trailing.txt ", "must not start or end with a space"),
])
def test_names_with_invisible_or_ambiguous_characters_are_refused(setup, name, message):
    corpus, index_path = setup
    before = snapshot(corpus, index_path)
    with pytest.raises(BadDocument, match=message) as refused:
        add_documents(corpus, [(name, NEW_FACT)], lambda: index_module.reindex(corpus, index_path))
    str(refused.value).encode("utf-8")  # the message can be printed and sent as it is
    assert repr(name) in str(refused.value)
    assert snapshot(corpus, index_path) == before


@pytest.mark.parametrize("existing, name", [
    ("Case.txt", "case.txt"),
    ("\u00e9t\u00e9.txt", "e\u0301te\u0301.txt"),  # the same name, composed and decomposed
    ("STRASSE.txt", "stra\u00dfe.txt"),
])
def test_a_name_equal_to_another_but_for_case_or_unicode_form_is_refused(setup, existing, name):
    corpus, index_path = setup
    reindex = lambda: index_module.reindex(corpus, index_path)  # noqa: E731
    (corpus / existing).write_bytes(NEW_FACT)
    before = snapshot(corpus, index_path)
    for replace in (False, True):
        with pytest.raises(BadDocument, match="differ only in case or Unicode form") as refused:
            add_documents(corpus, [(name, NEW_FACT + b"Other text.\n")], reindex, replace=replace)
        assert repr(existing) in str(refused.value)
    assert snapshot(corpus, index_path) == before
    with pytest.raises(BadDocument, match="differ only in case"):  # two of the same batch
        add_documents(corpus, [("New.txt", NEW_FACT + b"A.\n"), ("new.txt", NEW_FACT + b"B.\n")], reindex)


def test_cli_refuses_a_file_whose_name_is_not_utf8(setup, tmp_path):
    corpus, index_path = setup
    source = tmp_path / b"bad\xff.txt".decode("utf-8", "surrogateescape")
    source.write_bytes(NEW_FACT)
    result = invoke(corpus, index_path, "add", str(source))
    assert result.exit_code == 2 and "not valid Unicode" in result.output and "Traceback" not in result.output
