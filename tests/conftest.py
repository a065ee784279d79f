"""Shared fixtures: an app over a copy of the bundled articles, its test client, and a CLI runner."""
from __future__ import annotations

import errno
import os
import shutil
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant import create_app
from assistant.engine import files
from assistant.engine import index as index_module
from assistant.engine.embeddings import Embedder
from assistant.web import server
from embedding_memo import EmbeddingMemo
from pg_server import PostgresServer, find_bin_dir, run_as

BUNDLED_CORPUS = Path(__file__).resolve().parents[1] / "corpus"


def copy_corpus(target: Path) -> Path:
    """Copy the bundled articles, manifest and synonyms into `target` and return it."""
    target.mkdir(parents=True, exist_ok=True)
    for path in BUNDLED_CORPUS.iterdir():
        if path.is_file():
            shutil.copy(path, target / path.name)
    return target


@pytest.fixture(scope="session", autouse=True)
def session_database(tmp_path_factory) -> str:
    """Point every app and command of the session at a throwaway SQLite file, never the user's data folder."""
    url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'feedback.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("ASSISTANT_DATABASE_URL", url)
        yield url


@pytest.fixture(scope="session", autouse=True)
def embed_each_text_once(tmp_path_factory):
    """Run the model once per distinct text in the test run, however many indexes the tests build.

    The model is still loaded and its file checked, and every new text is embedded (tests/embedding_memo.py).
    tests/test_embeddings.py puts the real embed_many back (inspect.unwrap): it tests the model itself.
    """
    shared = None
    if os.environ.get("PYTEST_XDIST_WORKER"):  # the workers of a run have their temporary folders side by side
        shared = tmp_path_factory.getbasetemp().parent / "embeddings.npz"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Embedder, "embed_many", EmbeddingMemo(shared).wrap(Embedder.embed_many))
        yield


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory) -> Path:
    """A copy of the bundled corpus, shared by the session: treat it as read-only (copy_corpus to change one)."""
    return copy_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="session")
def built_index(corpus_dir, tmp_path_factory) -> Path:
    """The index of corpus_dir, built once per session (tests copy it rather than rebuild)."""
    path = tmp_path_factory.mktemp("index") / "index.npz"
    index_module.load_or_build(corpus_dir, path)
    return path


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of our own for the session (Debian's postgresql package, a temporary data folder).

    Skipped without PostgreSQL's programs; ASSISTANT_REQUIRE_POSTGRES=1 (set by .ci/run) makes that a failure.
    """
    bin_dir, reason = find_bin_dir(), None
    if bin_dir is None:
        reason = "no PostgreSQL: initdb is not installed (apt-get install postgresql)"
    else:
        try:
            run_as()
        except LookupError:
            reason = "no PostgreSQL: running as root, and there is no 'postgres' user to run the server as"
    if reason:
        if os.environ.get("ASSISTANT_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{reason}, and ASSISTANT_REQUIRE_POSTGRES=1 makes the PostgreSQL tests mandatory")
        pytest.skip(reason)
    server = PostgresServer(bin_dir)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def database_url(request, tmp_path) -> str:
    """A new, empty database: a SQLite file, then (the second run) a database on the session's PostgreSQL server."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'feedback.db'}"
        return
    server = request.getfixturevalue("postgres_server")
    name = f"test_{uuid.uuid4().hex[:12]}"
    server.create_database(name)
    yield server.url(name)
    server.drop_database(name)


def close_store(app) -> None:
    """Write what an app's recorder holds, then close its database connections."""
    if app.extensions.get("recorder"):
        app.extensions["recorder"].flush()
    app.extensions["store"].close()


@pytest.fixture
def make_app(corpus_dir, built_index, tmp_path):
    """Return a factory of test apps over corpus_dir with their own copy of the index; keyword args are config.

    Each app's database connections are closed at the end of the test.
    """
    apps = []

    def make(**config):
        index_path = tmp_path / "index.npz"
        if not index_path.exists():
            shutil.copy(built_index, index_path)
        apps.append(create_app({"TESTING": True, "CORPUS": str(corpus_dir), "INDEX": str(index_path), **config}))
        return apps[-1]
    yield make
    for app in apps:
        close_store(app)


@pytest.fixture
def app(make_app):
    """The web app with the default settings."""
    return make_app()


@pytest.fixture
def client(app):
    """A test client of `app`."""
    return app.test_client()


@pytest.fixture
def runner():
    """A runner for the `assistant` command line (assistant.cli.cli)."""
    return CliRunner()


@pytest.fixture(scope="module")
def scratch_app(built_index, tmp_path_factory):
    """An app with the admin API on (its token in config ADMIN_TOKEN), over the module's own copy of the corpus and
    index, which the module's attacks may change; no rate limit, and room for many wrong tokens."""
    corpus = copy_corpus(tmp_path_factory.mktemp("scratch-corpus"))
    index = tmp_path_factory.mktemp("scratch-index") / "index.npz"
    shutil.copy(built_index, index)
    return create_app({"TESTING": True, "CORPUS": str(corpus), "INDEX": str(index), "RATELIMIT_ENABLED": False,
                       "ADMIN_TOKEN": "token-of-the-scratch-app", "ADMIN_FAILURE_LIMIT": "1000000 per minute"})


@pytest.fixture(scope="module")
def scratch_url(scratch_app):
    """The scratch app served by waitress on a loopback port, as `assistant serve` does (no trailing slash)."""
    with server.serve_in_thread(scratch_app) as url:
        yield url.rstrip("/")


@pytest.fixture
def writable_corpus(tmp_path) -> Path:
    """A private copy of the bundled corpus that the test may change."""
    return copy_corpus(tmp_path / "corpus")


@pytest.fixture
def umask_022():
    """Run the test under the usual umask, 022, whatever the shell's."""
    old = os.umask(0o022)
    yield
    os.umask(old)


@pytest.fixture
def full_disk(monkeypatch):
    """Return a function that makes a module's atomic writes fail as on a full disk, part of the file written."""
    def fill(module):
        def write_atomically(path, write, mode=None):
            def write_until_full(file):
                file.write(b"the first bytes fit")
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            files.write_atomically(path, write_until_full, mode)
        monkeypatch.setattr(module, "write_atomically", write_atomically)
    return fill
