"""Reading source files: text, front matter, HTML, titles, and every kind of bad file."""
import os

import pytest

from assistant.engine.corpus import load_corpus, parse_document
from assistant.errors import BadDocument, CorpusNotFound


def test_txt_keeps_its_text_verbatim():
    data = "Title line\n\nSome text.\n".encode()
    document = parse_document("a.txt", data)
    assert document.text == data.decode()
    assert document.title == "Title line"


def test_front_matter_gives_metadata_and_is_not_indexed():
    data = b"---\ntitle: Hip Basics\nurl: https://example.org/hip\nauthor: A. Writer\n---\nThe body.\n"
    document = parse_document("a.md", data)
    assert document.title == "Hip Basics"
    assert document.metadata == {"url": "https://example.org/hip", "author": "A. Writer"}
    assert document.text[document.body_start:] == "The body.\n"


def test_manifest_title_wins():
    document = parse_document("a.txt", b"first line\n", {"a.txt": {"title": "From the manifest"}})
    assert document.title == "From the manifest"


def test_html_is_converted_to_text_without_furniture():
    html = b"""<html><head><title>Psoas page</title><meta name="author" content="Dr X">
    <link rel="canonical" href="https://example.org/psoas"><script>alert(1)</script></head>
    <body><nav>Home | About</nav><h1>The psoas</h1><p>The psoas flexes the hip.</p>
    <figure><img src="a.png"><figcaption>A photo</figcaption></figure><footer>Copyright</footer></body></html>"""
    document = parse_document("p.html", html)
    assert document.title == "Psoas page"
    assert document.metadata == {"author": "Dr X", "url": "https://example.org/psoas"}
    assert "The psoas flexes the hip." in document.text
    for furniture in ("alert", "Home | About", "A photo", "Copyright"):
        assert furniture not in document.text


@pytest.mark.parametrize("name, data, message", [
    ("empty.txt", b"", "empty"),
    ("blank.txt", b"  \n\n ", "empty"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ("latin1.txt", "caf\u00e9 na\u00efve".encode("latin-1"), "not UTF-8"),
    ("program.exe", b"MZ text", "unsupported file type"),
    ("front-only.md", b"---\ntitle: x\n---\n", "no text"),
])
def test_bad_files_are_refused_with_a_clear_message(name, data, message):
    with pytest.raises(BadDocument, match=message) as error:
        parse_document(name, data)
    assert name in str(error.value)


def test_missing_corpus_directory_says_how_to_fix_it(tmp_path):
    with pytest.raises(CorpusNotFound, match="does not exist; pass --corpus DIR or set ASSISTANT_CORPUS"):
        load_corpus(tmp_path / "nowhere")


def test_corpus_without_documents_is_refused(tmp_path):
    (tmp_path / "notes.csv").write_text("a,b\n")
    with pytest.raises(CorpusNotFound, match="holds no .txt, .md or .html document"):
        load_corpus(tmp_path)


def test_bundled_corpus_has_the_four_articles_with_titles():
    from assistant.config import bundled_dir

    documents = load_corpus(bundled_dir("corpus"))
    assert len(documents) == 4
    assert all(d.title and d.title != d.source for d in documents)


def test_a_file_whose_name_is_not_utf8_is_skipped_with_a_warning(tmp_path, caplog):
    for name in ("a.txt", "b.txt", "c.txt"):
        (tmp_path / name).write_text(f"Article {name}: the psoas flexes the hip.\n")
    (tmp_path / os.fsdecode(b"bad\xff.txt")).write_text("The psoas, in a file named in Latin-1.\n")
    assert [document.source for document in load_corpus(tmp_path)] == ["a.txt", "b.txt", "c.txt"]
    assert "bad\\xff.txt" in caplog.text and "not UTF-8" in caplog.text


def test_a_nul_byte_anywhere_makes_a_file_binary():
    with pytest.raises(BadDocument, match="binary"):
        parse_document("late.txt", b"The psoas flexes the hip.\n" * 1000 + b"\x00 and more")


HOSTILE_URLS = ["javascript:alert(1)", " JavaScript:alert(document.cookie)", "data:text/html,<script>alert(1)</script>",
                "vbscript:msgbox(1)", "file:///etc/passwd", "//evil.example/page", "http://[::1", "https:no-host"]


@pytest.mark.parametrize("url", HOSTILE_URLS)
def test_only_http_and_https_urls_are_kept(url, caplog):
    front_matter = parse_document("a.md", f"---\nurl: {url}\n---\nThe psoas.\n".encode())
    manifest = parse_document("b.txt", b"The psoas.\n", {"b.txt": {"url": url}})
    html = parse_document("c.html", f'<link rel="canonical" href="{url}"><p>The psoas.</p>'.encode())
    assert "url" not in front_matter.metadata | manifest.metadata | html.metadata
    assert caplog.text.count("only http and https") == 3


@pytest.mark.parametrize("url", ["https://example.org/psoas", "HTTP://example.org/a?b=c#d"])
def test_http_and_https_urls_are_kept(url):
    assert parse_document("b.txt", b"The psoas.\n", {"b.txt": {"url": url}}).metadata["url"] == url
