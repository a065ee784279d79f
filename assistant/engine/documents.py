"""Add and remove source files in the corpus directory, safely.

Every file is checked before anything is written; files are written atomically;
a reindex that fails puts the corpus back exactly as it was. One lock file
serialises writers (command line and HTTP) on the same corpus.
"""
from __future__ import annotations

import fcntl
import hashlib
import stat
import unicodedata
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from ..config import MAX_PASSAGES_PER_DOCUMENT, max_file_bytes
from ..errors import (BadDocument, CorpusNotFound, DocumentExists, DocumentNotFound, LastDocument, NameTaken,
                      NotWritten)
from . import chunking
from .corpus import SUFFIXES, document_paths, parse_document
from .files import write_atomically

LOCK_FILE = ".assistant.lock"
MAX_NAME_CHARS = 200
# Characters a name must not hold, by Unicode category: they hide what the name says (U+202E
# shows "invoice\u202etxt.exe" as "invoiceexe.txt"), break the lines it is printed on, or
# cannot be written as UTF-8.
REFUSED_IN_NAMES = {
    "Cc": "a control character",
    "Cf": "an invisible formatting character",
    "Zl": "a line or paragraph separator",
    "Zp": "a line or paragraph separator",
    "Cs": "a character that is not valid Unicode (a lone surrogate, or a byte that is not UTF-8)",
}


@contextmanager
def corpus_lock(corpus_dir: Path):
    """Hold an exclusive lock on the corpus directory while changing it."""
    with open(Path(corpus_dir) / LOCK_FILE, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_name(corpus_dir: Path, name: str) -> str:
    """Return `name` if it is a plain file name that stays inside the corpus directory.

    Raises BadDocument for a path, a hidden name, an unsupported type, or a name with control,
    invisible or invalid characters or spaces at either end.
    """
    if not isinstance(name, str) or not name.strip():
        raise BadDocument("the document needs a file name, such as 'psoas-notes.txt'")
    for char in name:
        what = REFUSED_IN_NAMES.get(unicodedata.category(char))
        if what:
            raise BadDocument(f"{name!r}: a file name must not hold {what} (U+{ord(char):04X}); rename the file")
    if name != name.strip():
        raise BadDocument(f"{name!r}: a file name must not start or end with a space; rename the file")
    if "/" in name or "\\" in name or name in {".", ".."}:
        raise BadDocument(f"'{name}': give a plain file name, not a path; documents go straight into the corpus folder")
    if name.startswith(".") or len(name) > MAX_NAME_CHARS:
        raise BadDocument(f"'{name}': a file name must not start with '.' and must be at most {MAX_NAME_CHARS} characters")
    if Path(name).suffix.lower() not in SUFFIXES:
        raise BadDocument(f"'{name}': unsupported file type; use one of {', '.join(sorted(SUFFIXES))}")
    target = (Path(corpus_dir) / name).resolve()
    if target.parent != Path(corpus_dir).resolve():
        raise BadDocument(f"'{name}' would land outside the corpus folder; give a plain file name")
    return name


def check_new_documents(corpus_dir: Path, items: list[tuple[str, bytes]], replace: bool = False) -> None:
    """Check names, size, text, passage count and duplicates of documents to add, before anything is written.

    Raises BadDocument or DocumentExists saying which file and why.
    """
    corpus_dir = Path(corpus_dir)
    if not corpus_dir.is_dir():
        raise CorpusNotFound(f"corpus directory '{corpus_dir}' does not exist; pass --corpus DIR or set ASSISTANT_CORPUS")
    limit = max_file_bytes()
    existing = {path.name: hashlib.sha256(path.read_bytes()).hexdigest() for path in _documents(corpus_dir)}
    seen: dict[str, str] = {}
    names = {name_key(name): name for name in existing}
    for name, data in items:
        check_name(corpus_dir, name)
        twin = names.setdefault(name_key(name), name)
        if twin != name:
            raise BadDocument(f"{name!r} and {twin!r} are names that differ only in case or Unicode form, the same "
                              f"file on many systems; use {twin!r} (with replace to update it) or another name")
        if len(data) > limit:
            raise BadDocument(f"{name}: {len(data):,} bytes is over the {limit:,}-byte limit (ASSISTANT_MAX_FILE_BYTES)")
        document = parse_document(name, data)
        if name in existing and not replace:
            raise NameTaken(f"{name}: a document of that name is already in the corpus")
        digest = hashlib.sha256(data).hexdigest()
        same = [other for other, known in {**existing, **seen}.items() if known == digest and other != name]
        if same:
            raise DocumentExists(f"{name}: the same text is already in the corpus as '{same[0]}'")
        passages = len(chunking.chunk(document))  # last: the slowest check
        if passages > MAX_PASSAGES_PER_DOCUMENT:
            raise BadDocument(f"{name}: it would make {passages:,} passages; a document may make at most "
                              f"{MAX_PASSAGES_PER_DOCUMENT:,} (about one a sentence); split it into smaller documents")
        seen[name] = digest


def name_key(name: str) -> str:
    """Return what two names share when they differ only in case or Unicode form (Case.txt and case.txt)."""
    return unicodedata.normalize("NFC", unicodedata.normalize("NFC", name).casefold())


def add_documents(corpus_dir: Path, items: list[tuple[str, bytes]], reindex: Callable[[], object],
                  replace: bool = False):
    """Check and write documents into the corpus, then call `reindex`; undo the writes if it fails.

    Returns what reindex returned. Raises BadDocument or DocumentExists (nothing written),
    NotWritten when a document cannot be stored, or whatever reindex raised (corpus restored either way).
    """
    corpus_dir = Path(corpus_dir)
    with corpus_lock(corpus_dir):
        check_new_documents(corpus_dir, items, replace)
        before = {name: _saved(corpus_dir / name) for name, _ in items}
        try:
            for name, data in items:
                try:
                    write_atomically(corpus_dir / name, lambda file, data=data: file.write(data))
                except OSError as error:
                    raise NotWritten(f"could not store the document '{name}' in the corpus folder "
                                     f"({error.strerror or error})") from error
            return reindex()
        except BaseException:
            _restore(corpus_dir, before)
            raise


def remove_document(corpus_dir: Path, name: str, reindex: Callable[[], object]):
    """Take a document out of the corpus, then call `reindex`; put it back if that fails.

    Raises DocumentNotFound if no document has that name, LastDocument if it is the only one.
    """
    corpus_dir = Path(corpus_dir)
    with corpus_lock(corpus_dir):
        names = {path.name for path in _documents(corpus_dir)}
        if name not in names:
            known = ", ".join(sorted(names)) or "none"
            raise DocumentNotFound(f"no document named '{name}' in the corpus (documents: {known})")
        if names == {name}:  # an empty corpus cannot be indexed: the reindex would fail and put it back
            raise LastDocument(f"'{name}' is the only document; the corpus must keep at least one document "
                               "(add another first)")
        before = {name: _saved(corpus_dir / name)}
        try:
            (corpus_dir / name).unlink()
            return reindex()
        except BaseException:
            _restore(corpus_dir, before)
            raise


def _documents(corpus_dir: Path) -> list[Path]:
    try:
        return document_paths(corpus_dir)
    except CorpusNotFound:
        return []  # an empty corpus folder is fine to add to


def _saved(path: Path) -> tuple[bytes, int] | None:
    """Return a file's bytes and mode, to put it back with; None if there is no such file."""
    return (path.read_bytes(), stat.S_IMODE(path.stat().st_mode)) if path.is_file() else None


def _restore(corpus_dir: Path, before: dict[str, tuple[bytes, int] | None]) -> None:
    """Put files back as they were: rewrite old contents with their modes, delete files that did not exist."""
    for name, saved in before.items():
        if saved is None:
            (corpus_dir / name).unlink(missing_ok=True)
        elif _saved(corpus_dir / name) != saved:  # not when its own write failed: rewriting could fail too
            data, mode = saved
            write_atomically(corpus_dir / name, lambda file, data=data: file.write(data), mode=mode)

