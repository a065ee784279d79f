"""The result object as a Markdown chat reply: urgent-care advice, answer, quoted passages with citations, disclaimer.

No Flask here: the caller says how a citation links to the article (openai_compat links to the chat page).
"""
from __future__ import annotations

import re
from collections.abc import Callable

from .safety import LOW_CONFIDENCE_NOTE

# Markdown has no escaping function in the libraries we use (markdown-it-py and Python-Markdown
# render, they do not escape), and two patterns suffice. A backslash before any ASCII punctuation
# shows it as it is (CommonMark): these are the characters that mean formatting, HTML or an entity
# anywhere in a line, plus $ (chat clients such as Open WebUI render $...$ as maths).
INLINE = re.compile(r"([\\`*_\[\]<>|~&$])")
# ... and those that do only at the start of a line: a heading, a quote, a list item, a rule.
LINE_START = re.compile(r"^([ \t]*)(\d+(?=[.)])|)([#>+\-=.)])", re.MULTILINE)


def escape(text: str) -> str:
    """Return `text` as Markdown that shows it exactly, never as markup."""
    return LINE_START.sub(r"\1\2\\\3", INLINE.sub(r"\\\1", text))


def citation_label(citation: dict, separator: str = " › ") -> str:
    """Return a citation's article title and, when it has one of another name, its section: "Title › Section"."""
    section = citation.get("section")
    return citation["title"] + (f"{separator}{section}" if section and section != citation["title"] else "")


def reply_blocks(result: dict, link: Callable[[dict], str]) -> list[str]:
    """Return the reply's Markdown blocks, to be joined by blank lines; `link(citation)` opens the article at the passage.

    The order is the chat page's: urgent-care advice first (the result's answer when urgent), else the
    answer sentence (or the fallback), a short note when confidence is low, each passage quoted with its
    numbered citation, and the disclaimer.
    """
    blocks = [f"**{escape(result['answer'])}**" if result["urgent"] else escape(result["answer"])]
    if result["confidence"] == "low":
        blocks.append(f"_{escape(LOW_CONFIDENCE_NOTE)}_")
    for number, passage in enumerate(result["passages"], 1):
        citation = passage["citation"]
        # Parentheses would end a Markdown link's destination early.
        url = link(citation).replace("(", "%28").replace(")", "%29")
        blocks.append(f"> {escape(passage['text'])}\n>\n> [{number}] [{escape(citation_label(citation))}]({url})")
    blocks.append(escape(result["disclaimer"]))
    return blocks
