"""Passages: whole sentences, within one section, offsets that point at the source text."""
import pytest
from nltk.tokenize.punkt import PunktSentenceTokenizer

from assistant.config import MAX_PASSAGE_CHARS, bundled_dir
from assistant.engine.chunking import chunk, classify_lines, headings, sentence_splitter
from assistant.engine.corpus import load_corpus, parse_document


@pytest.fixture(scope="module")
def documents():
    return load_corpus(bundled_dir("corpus"))


def tidy(text):
    return " ".join(text.split())


def test_passages_are_verbatim_slices_of_at_most_600_characters(documents):
    for document in documents:
        passages = chunk(document)
        assert passages
        for passage in passages:
            assert 0 < passage.end - passage.start <= MAX_PASSAGE_CHARS
            text = document.text[passage.start:passage.end]
            assert text == text.strip()
            assert passage.sentences[0][0] == passage.start and passage.sentences[-1][1] == passage.end


def test_every_sentence_of_the_body_is_in_some_passage(documents):
    document = next(d for d in documents if d.source.startswith("ultimate"))
    covered = " ".join(tidy(document.text[p.start:p.end]) for p in chunk(document))
    assert "The lunge stretch is highly recommended" in covered
    assert "Short answer: it's the glue that holds your hip joint" in covered


def test_passages_never_cross_a_section():
    text = "Intro sentence one. Intro sentence two.\n\nAnatomy of the Psoas\n\nThe psoas is deep. It flexes the hip.\n"
    passages = chunk(parse_document("a.txt", text.encode()))
    assert {p.section for p in passages} == {None, "Anatomy of the Psoas"}
    for passage in passages:
        body = text[passage.start:passage.end]
        assert "Anatomy of the Psoas" not in body
        assert ("Intro" in body) != ("psoas" in body)


def test_page_furniture_is_left_out(documents):
    furniture = ["top of page", "bottom of page", "Getty Images", "Woman stretching her hip flexor",
                 "doi:10.1179", "Bordoni B", "2017;12(7)", "Staugaard-Jones."]
    for document in documents:
        for passage in chunk(document):
            text = document.text[passage.start:passage.end]
            for line in furniture:
                assert line not in text, (document.source, line)


def test_headings_are_detected(documents):
    document = next(d for d in documents if d.source.startswith("ultimate"))
    headings = [document.text[s:e] for kind, s, e in classify_lines(document.text) if kind == "heading"]
    assert "How to stretch the iliopsoas" in headings
    assert "What does the iliacus do?" in headings
    assert not any(h.startswith("Short answer") for h in headings)


def test_a_list_keeps_its_introduction():
    text = "Symptoms\n\nSome of the symptoms of a tight psoas:\n\n  • hip pain\n\n  • low back pain\n"
    document = parse_document("a.txt", text.encode())
    passages = chunk(document)
    assert passages[0].section == "Symptoms"
    assert tidy(text[passages[0].start:passages[0].end]).startswith("Some of the symptoms of a tight psoas: • hip pain")


def test_an_overlong_sentence_is_cut_at_a_clause_break():
    sentence = "The psoas " + ", and it flexes the hip".join(["x" * 40] * 30) + "."
    passages = chunk(parse_document("a.txt", sentence.encode()))
    assert all(p.end - p.start <= MAX_PASSAGE_CHARS for p in passages)
    assert passages[0].start == 0 and passages[-1].end == len(sentence)


def test_front_matter_is_not_a_passage():
    document = parse_document("a.md", b"---\ntitle: T\n---\nThe psoas flexes the hip.\n")
    assert [document.text[p.start:p.end] for p in chunk(document)] == ["The psoas flexes the hip."]


def test_the_remembering_splitter_splits_as_punkt_does(documents):
    splitter = sentence_splitter()
    plain = PunktSentenceTokenizer(splitter._params)
    text = "\n\n".join(document.text for document in documents) + " Dr. Smith met Mr. Jones at 5 p.m. today. He left."
    expected = list(plain.span_tokenize(text))
    assert len(expected) > 100
    assert list(splitter.span_tokenize(text)) == expected
    assert list(splitter.span_tokenize(text)) == expected  # again, now from what it remembered


def test_markdown_headings_are_sections_that_no_passage_crosses():
    text = ("# Psoas guide\n\nThe psoas is a deep muscle. It joins the spine to the thigh.\n\n"
            "## nerve supply ##\nThe lumbar plexus supplies the psoas. Its branches enter the muscle.\n"
            "### how to stretch it\nkneel and lunge forward gently. hold it for thirty seconds.\n")
    document = parse_document("guide.md", text.encode(), {})
    passages = chunk(document)
    assert {p.section for p in passages} == {"Psoas guide", "nerve supply", "how to stretch it"}
    for p in passages:
        body = text[p.start:p.end]
        assert "#" not in body and "nerve supply" not in body and "how to stretch it" not in body
    found = headings(document)  # the lines the article reader shows as headings, named as the sections are
    assert [name for _, _, name in found] == ["Psoas guide", "nerve supply", "how to stretch it"]
    assert [text[start:end] for start, end, _ in found] == ["# Psoas guide", "## nerve supply ##", "### how to stretch it"]


def test_a_hash_line_in_plain_text_is_not_a_markdown_heading():
    text = "Intro line for the article.\n\n# not a heading in a .txt file, just text.\nThe psoas is deep.\n"
    passages = chunk(parse_document("notes.txt", text.encode(), {}))
    assert all(p.section is None for p in passages)
