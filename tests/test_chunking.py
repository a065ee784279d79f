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


def passage_texts(document):
    return [document.text[p.start:p.end] for p in chunk(document)]


def test_the_title_line_is_not_text_of_the_first_passage(documents):
    guide = next(d for d in documents if d.source.startswith("ultimate"))
    first = passage_texts(guide)[0]
    assert not first.startswith("Ultimate Guide")
    assert first.startswith("The iliopsoas is composed of two muscles")
    assert "Ultimate Guide to the Iliopsoas: What it does" not in " ".join(passage_texts(guide))


def test_a_first_line_that_is_a_sentence_stays_text_though_it_names_the_document():
    text = "The psoas flexes the hip and it is the deepest of all the muscles that flex the hip joint.\nIt is deep.\n"
    document = parse_document("a.txt", text.encode())  # no manifest: the title is the first line
    assert document.text[chunk(document)[0].start:].startswith("The psoas flexes the hip")


def test_a_picture_caption_ending_in_a_colon_is_text_not_a_heading(documents):
    month = next(d for d in documents if d.source.startswith("muscle-of-the-month"))
    caption = "Example of toe raises strengthening exercise- engaging the core and the psoas:"
    assert caption not in [name for _, _, name in headings(month)]
    assert any(caption in text for text in passage_texts(month))
    assert "Reaching the psoas:" in [name for _, _, name in headings(month)]  # a heading with a colon still is one


def test_table_rows_share_a_passage_with_the_heading_that_names_their_muscle(documents):
    month = next(d for d in documents if d.source.startswith("muscle-of-the-month"))
    rows = {"1. Psoas Major": "ORIGIN: Transverse processes", "2. Psoas Minor:": "ORIGIN: body and transverse",
            "3. Iliacus:": "ORIGIN: iliac fossa"}
    for heading, row in rows.items():
        holding = [text for text in passage_texts(month) if row in text]
        assert holding and all(text.startswith(heading) and "NERVE INNERVATION" in text for text in holding)


def test_a_list_stays_whole_with_its_introduction_in_one_passage(documents):
    month = next(d for d in documents if d.source.startswith("muscle-of-the-month"))
    texts = passage_texts(month)
    for intro, items in [("Some satellite muscles include:", ["• quadratus lumborum", "• thoracolumbar paraspinalis"]),
                         ("Some of the Pain Symptoms", ["• hip pain", "piriformis syndrome"])]:
        holding = [text for text in texts if any(item in text for item in items)]
        assert len(holding) == 1, intro  # not window after window of the same items
        assert holding[0].startswith(intro) and all(item in holding[0] for item in items)


def test_a_long_list_falls_back_to_windows_of_sentences():
    items = "".join(f"  • item number {i} of a list far too long to be one passage of text\n" for i in range(20))
    text = "Symptoms\n\nThe signs include:\n" + items
    passages = chunk(parse_document("a.txt", text.encode()))
    assert len(passages) > 1 and all(p.end - p.start <= MAX_PASSAGE_CHARS for p in passages)
    assert passages[-1].end == len(text.rstrip())


def test_an_unfinished_last_sentence_is_no_sentence_of_its_own(documents):
    guide = next(d for d in documents if d.source.startswith("ultimate"))
    fragment = "But it is most effective when followed by releasing the iliopsoas"
    assert guide.text.rstrip().endswith(fragment)
    sentences = {guide.text[s:e] for p in chunk(guide) for s, e in p.sentences}
    assert fragment not in sentences
    assert any(s.startswith("A kneeling hip flexor stretch") and s.endswith(fragment) for s in sentences)


def test_a_finished_last_sentence_and_a_last_list_item_stay_apart():
    for last in ["It heals in weeks.", "  • knee pain"]:
        text = f"Recovery\n\nRest the hip for a few days.\n{last}\n"
        passages = chunk(parse_document("a.txt", text.encode()))
        assert [text[s:e] for s, e in passages[0].sentences][-1] == last.strip()


def test_a_sentence_holds_no_letterless_piece_of_its_own(documents):
    for document in documents:
        for passage in chunk(document):
            for start, end in passage.sentences:
                assert any(c.isalpha() for c in document.text[start:end]), (document.source, document.text[start:end])
