"""Read the corpus directory into Documents: .txt, .md and .html files plus their titles."""
from __future__ import annotations

import hashlib
import logging
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from bs4 import BeautifulSoup

from ..errors import BadDocument, BadSynonyms, CorpusNotFound

TEXT_SUFFIXES = {".txt", ".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES
MANIFEST = "sources.toml"
METADATA_KEYS = ("title", "url", "author")
log = logging.getLogger(__name__)

# Simple "key: value" front matter between --- lines. A YAML parser would pull in
# PyYAML for three flat keys, so this small pattern reads them.
FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)---[ \t]*(?:\r?\n|\Z)", re.S)
FRONT_MATTER_LINE = re.compile(r"^\s*([A-Za-z_][\w-]*)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class Document:
    """One source file: `text` is what citations point into, `body_start` where indexing begins."""

    source: str
    title: str
    text: str
    sha256: str
    body_start: int = 0
    metadata: dict = field(default_factory=dict)


def decode_source(data: bytes, name: str) -> str:
    """Return the UTF-8 text of a source file's bytes.

    Raises BadDocument if the bytes are empty, binary or not UTF-8.
    """
    if not data.strip():
        raise BadDocument(f"{name}: the file is empty; give it some text or leave it out")
    if b"\x00" in data:
        raise BadDocument(f"{name}: looks like binary data, not text; only .txt, .md and .html text files can be used")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise BadDocument(
            f"{name}: not UTF-8 text (bad byte at position {error.start}); save it as UTF-8 and try again"
        ) from None
    if not text.strip():
        raise BadDocument(f"{name}: the file is empty; give it some text or leave it out")
    return text


def check_suffix(name: str) -> None:
    """Raise BadDocument unless `name` has a supported suffix."""
    if Path(name).suffix.lower() not in SUFFIXES:
        allowed = ", ".join(sorted(SUFFIXES))
        raise BadDocument(f"{name}: unsupported file type; use one of {allowed}")


def parse_document(name: str, data: bytes, manifest: dict | None = None) -> Document:
    """Turn one file's bytes into a Document, taking metadata from the manifest, front matter or HTML head.

    Raises BadDocument for an unsupported type, binary, empty or non-UTF-8 data.
    """
    check_suffix(name)
    raw = decode_source(data, name)
    metadata: dict = {}
    body_start = 0
    if Path(name).suffix.lower() in HTML_SUFFIXES:
        text, metadata = html_to_text(raw)
    else:
        text = raw
        match = FRONT_MATTER.match(text)
        if match:
            metadata = parse_front_matter(match.group(1))
            body_start = match.end()
    if not text[body_start:].strip():
        raise BadDocument(f"{name}: holds no text once markup and front matter are removed")
    entry = (manifest or {}).get(name, {})
    metadata.update({key: str(entry[key]) for key in METADATA_KEYS if entry.get(key)})
    if "url" in metadata and not is_web_url(metadata["url"]):
        log.warning("%s: dropping the url %r: only http and https links are kept", name, metadata.pop("url"))
    title = metadata.pop("title", "") or first_line(text[body_start:]) or name
    return Document(
        source=name,
        title=title,
        text=text,
        sha256=hashlib.sha256(data).hexdigest(),
        body_start=body_start,
        metadata=metadata,
    )


def is_web_url(url: str) -> bool:
    """Return whether `url` is an absolute http(s) link, the only kind a citation may carry (not javascript:)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # an unclosed IPv6 bracket, say
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.netloc)


def parse_front_matter(block: str) -> dict:
    """Return the title/url/author keys of a front matter block."""
    found = {}
    for line in block.splitlines():
        match = FRONT_MATTER_LINE.match(line)
        if match and match.group(1).lower() in METADATA_KEYS:
            found[match.group(1).lower()] = match.group(2).strip("\"'")
    return {key: value for key, value in found.items() if value}


def html_to_text(html: str) -> tuple[str, dict]:
    """Return the readable text of an HTML page (one block per line) and its title/url/author."""
    soup = BeautifulSoup(html, "html.parser")
    metadata = {}
    if soup.title and soup.title.get_text(strip=True):
        metadata["title"] = soup.title.get_text(" ", strip=True)
    author = soup.find("meta", attrs={"name": "author"})
    if author and author.get("content"):
        metadata["author"] = author["content"].strip()
    url = soup.find("link", attrs={"rel": "canonical"}) or soup.find("meta", attrs={"property": "og:url"})
    if url and (url.get("href") or url.get("content")):
        metadata["url"] = (url.get("href") or url.get("content")).strip()
    # Page furniture and captions are not article text.
    for tag in soup(["script", "style", "noscript", "template", "head", "nav", "header", "footer", "aside", "figure", "form", "button"]):
        tag.decompose()
    lines = (line.strip() for line in soup.get_text("\n").splitlines())
    return "\n\n".join(line for line in lines if line), metadata


def first_line(text: str) -> str:
    """Return the first non-blank line, shortened to a title's length."""
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line if len(line) <= 120 else line[:117].rsplit(" ", 1)[0] + "..."
    return ""


def read_manifest(corpus_dir: Path) -> dict:
    """Return the sources manifest (file name -> metadata), or {} when there is none.

    Raises BadSynonyms when the file is not valid TOML.
    """
    path = Path(corpus_dir) / MANIFEST
    if not path.is_file():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise BadSynonyms(f"{path}: not valid TOML ({error}); fix it or remove it") from None


def document_paths(corpus_dir: Path) -> list[Path]:
    """Return the corpus's document files, sorted by name.

    Raises CorpusNotFound if the directory does not exist or holds no document.
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusNotFound(
            f"corpus directory '{corpus_dir}' does not exist; pass --corpus DIR or set ASSISTANT_CORPUS"
        )
    paths = sorted(
        path for path in corpus_dir.iterdir()
        if path.is_file() and not path.name.startswith(".") and path.suffix.lower() in SUFFIXES and utf8_name(path)
    )
    if not paths:
        raise CorpusNotFound(
            f"corpus directory '{corpus_dir}' holds no .txt, .md or .html document; add one with `assistant add FILE`"
        )
    return paths


def utf8_name(path: Path) -> bool:
    """Return whether a file's name is UTF-8; if not, log that the file is skipped."""
    try:
        path.name.encode("utf-8")
    except UnicodeEncodeError:  # Python reads a name's bytes that are not UTF-8 as lone surrogates
        shown = os.fsencode(path.name).decode("utf-8", "backslashreplace")
        log.warning("skipping %s: its file name is not UTF-8; rename it to use it", shown)
        return False
    return True


def load_corpus(corpus_dir: Path) -> list[Document]:
    """Read every document of the corpus directory.

    Raises CorpusNotFound or BadDocument (naming the file) when something cannot be read.
    """
    manifest = read_manifest(corpus_dir)
    return [parse_document(path.name, path.read_bytes(), manifest) for path in document_paths(corpus_dir)]
