"""The result object as a Markdown reply: order of the parts, citations, and escaping checked by a CommonMark parser."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from assistant.engine.reply import citation_label, escape, reply_blocks
from assistant.engine.safety import DISCLAIMER, FALLBACK, LOW_CONFIDENCE_NOTE, URGENT_ADVICE

MARKDOWN = MarkdownIt("commonmark")
MARKUP = "#>*_-+=.)(0123456789 <&;[]`\\!|~$:/aA\t"  # what Markdown could read as something else
CITATION = {"source": "a (1).txt", "title": "Psoas *guide*", "section": "How to stretch", "start": 10, "end": 42}


def result(**changes) -> dict:
    """Return a result object of one passage, with `changes`."""
    passage = {"id": "a (1).txt:10-42", "text": "Kneel, then lunge.", "score": 1.0, "citation": CITATION}
    return {"question": "How?", "found": True, "confidence": "high", "answer": "Kneel, then lunge.",
            "passages": [passage], "urgent": False, "disclaimer": DISCLAIMER, **changes}


def link(citation: dict) -> str:
    return f"http://host/?source={citation['source'].replace(' ', '%20')}&start={citation['start']}"


def rendered_text(markdown: str) -> str:
    """Return the text CommonMark shows for one paragraph of Markdown; fail if it holds any markup."""
    tokens = MARKDOWN.parse(markdown)
    assert [token.type for token in tokens] == ["paragraph_open", "inline", "paragraph_close"], markdown
    assert {child.type for child in tokens[1].children} <= {"text", "text_special"}, markdown
    return "".join(child.content for child in tokens[1].children)


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(st.characters(exclude_categories=("Cc", "Cs", "Co", "Zl", "Zp")), min_size=1),
                 st.text(alphabet=MARKUP, min_size=1)))
def test_escaped_text_shows_exactly_as_written(text):
    text = " ".join(text.split())  # as passages are: whitespace tidied
    if text:
        assert rendered_text(escape(text)) == text


def test_markup_in_an_article_stays_text():
    for text in ["# Heading", "1. item", "2) item", "- item", "+ item", "> quote", "---", "===", "*em* and _em_",
                 "`code`", "<script>alert(1)</script>", "[link](javascript:x)", "&amp; &copy;", "a | b", "~~x~~"]:
        assert rendered_text(escape(text)) == text
    assert escape("$5 to $10") == r"\$5 to \$10"  # not maths in chat clients that render $...$


def test_an_answer_is_the_sentence_then_quoted_passages_then_the_disclaimer():
    blocks = reply_blocks(result(), link)
    assert blocks[0] == "Kneel, then lunge."
    assert blocks[1] == ("> Kneel, then lunge.\n>\n"
                         r"> [1] [Psoas \*guide\* › How to stretch](http://host/?source=a%20%281%29.txt&start=10)")
    assert blocks[-1] == DISCLAIMER and len(blocks) == 3


def test_urgent_care_advice_comes_first():
    blocks = reply_blocks(result(urgent=True, answer=URGENT_ADVICE), link)
    assert blocks[0] == f"**{URGENT_ADVICE}**"
    assert blocks[1].startswith("> ") and blocks[-1] == DISCLAIMER


def test_low_confidence_says_so_after_the_answer():
    blocks = reply_blocks(result(confidence="low"), link)
    assert blocks[1] == f"_{LOW_CONFIDENCE_NOTE}_"


def test_no_match_is_the_fallback_and_the_disclaimer():
    assert reply_blocks(result(found=False, confidence=None, answer=FALLBACK, passages=[]), link) == [
        escape(FALLBACK), DISCLAIMER]


def test_a_citation_without_a_section_names_the_article_alone():
    passage = result()["passages"][0] | {"citation": CITATION | {"section": None}}
    assert r"[1] [Psoas \*guide\*](" in reply_blocks(result(passages=[passage]), link)[1]


def test_a_citation_names_its_section_unless_it_repeats_the_title():
    assert citation_label({"title": "Iliopsoas", "section": "Stretches"}) == "Iliopsoas › Stretches"
    assert citation_label({"title": "Iliopsoas", "section": "Iliopsoas"}) == "Iliopsoas"
    assert citation_label({"title": "Iliopsoas", "section": None}, " > ") == "Iliopsoas"
