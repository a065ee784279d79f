"""A serving process switches to a new index when a reindex replaces the file, survives a broken one, and catches
up with a corpus changed under it (by hand, or by an `add` or `remove` killed before its reindex)."""
import shutil
import threading
import time

import pytest

from assistant.config import bundled_dir
from assistant.engine import index as index_module
from assistant.engine.answer import answer
from assistant.engine.documents import add_documents
from assistant.errors import BadSetting
from assistant.web.holder import IndexHolder

ZUMBA = b"Zumba Tuesday\n\nThe psoas enjoys zumba classes on Tuesdays, says our trainer.\n"


@pytest.fixture
def holder(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(bundled_dir("corpus"), corpus)
    return IndexHolder(corpus, tmp_path / "index.npz")


def test_first_get_builds_then_the_same_index_is_shared(holder):
    first = holder.get()
    assert holder.index_path.is_file()
    assert holder.get() is first


def test_a_reindex_is_picked_up_without_a_restart(holder):
    old = holder.get()
    add_documents(holder.corpus_dir, [("zumba.txt", b"The psoas enjoys zumba classes on Tuesdays.\n")],
                  lambda: index_module.reindex(holder.corpus_dir, holder.index_path))
    new = holder.get()
    assert new is not old
    assert answer(new, "Does the psoas like zumba?")["passages"][0]["citation"]["source"] == "zumba.txt"
    assert answer(old, "Does the psoas like zumba?")["passages"][:1] != answer(new, "Does the psoas like zumba?")["passages"][:1]


def test_a_broken_index_file_keeps_the_old_index_serving(holder):
    old = holder.get()
    holder.index_path.write_bytes(b"broken")
    assert holder.get() is old


def test_concurrent_first_requests_load_once(holder):
    seen = []
    threads = [threading.Thread(target=lambda: seen.append(holder.get())) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({id(index) for index in seen}) == 1


def top_source(client, question):
    passages = client.post("/api/answer", json={"question": question}).get_json()["passages"]
    return passages[0]["citation"]["source"] if passages else None


def sources(client):
    return {source["id"] for source in client.get("/api/sources").get_json()["sources"]}


def stale(client):
    return client.get("/api/health").get_json()["stale"]


def eventually(condition, seconds=30):
    """Wait until condition() holds, failing after `seconds` (the bound the server must keep)."""
    started = time.monotonic()
    while not condition():
        assert time.monotonic() - started < seconds, "the server did not catch up with the corpus"
        time.sleep(0.05)


@pytest.fixture
def watched(make_app, writable_corpus):
    """A test client of an app over a private corpus that it checks every 0.1 s, once its index is loaded."""
    client = make_app(CORPUS=str(writable_corpus), CORPUS_CHECK_SECONDS=0.1).test_client()
    assert stale(client) is False
    return client


def test_a_file_written_into_the_corpus_by_hand_is_answered(watched, writable_corpus):
    (writable_corpus / "zumba.txt").write_bytes(ZUMBA)
    eventually(lambda: top_source(watched, "Does the psoas like zumba?") == "zumba.txt")
    assert stale(watched) is False


def test_a_file_removed_by_hand_stops_being_answered(watched, writable_corpus):
    gone = "ultimate-guide-to-the-iliopsoas.txt"
    assert gone in sources(watched)
    (writable_corpus / gone).unlink()
    eventually(lambda: gone not in sources(watched))
    assert top_source(watched, "How do I stretch my hip flexors?") not in (gone, None)


def test_health_says_stale_while_the_server_catches_up(make_app, writable_corpus, monkeypatch):
    client = make_app(CORPUS=str(writable_corpus), CORPUS_CHECK_SECONDS=0).test_client()  # catch_up called here
    holder = client.application.extensions["assistant"]
    assert stale(client) is False
    (writable_corpus / "zumba.txt").write_bytes(ZUMBA)
    seen, build = [], index_module.load_or_build

    def watching(corpus, path):
        seen.append((corpus, stale(client)))
        return build(corpus, path)

    monkeypatch.setattr(index_module, "load_or_build", watching)
    holder.catch_up()
    assert (writable_corpus, True) in seen  # (other tests' apps may still be checking their own corpora)
    assert stale(client) is False and top_source(client, "Does the psoas like zumba?") == "zumba.txt"


def test_a_bad_file_dropped_in_keeps_the_old_index_serving(watched, writable_corpus, caplog):
    holder = watched.application.extensions["assistant"]
    old = holder.get()
    # Renamed into place, so that no check sees it half written (which would be a second, different failure).
    (writable_corpus / ".broken").write_bytes(b"\xff\xfe\x00")
    (writable_corpus / ".broken").rename(writable_corpus / "broken.txt")
    eventually(lambda: stale(watched))
    time.sleep(1)  # ten more checks: the same corpus is not tried again
    assert holder.get() is old and top_source(watched, "How do I stretch my hip flexors?") is not None
    warnings = [record.getMessage() for record in caplog.records if str(writable_corpus) in record.getMessage()]
    assert len(warnings) == 1 and "broken.txt" in warnings[0] and "previous index keeps serving" in warnings[0]
    (writable_corpus / "broken.txt").unlink()
    eventually(lambda: not stale(watched))
    assert holder.get() is old  # nothing to rebuild: the corpus is the index's again


def test_servers_that_see_the_same_change_build_it_once(writable_corpus, built_index, tmp_path, monkeypatch):
    index_path = tmp_path / "index.npz"
    shutil.copy(built_index, index_path)
    holders = [IndexHolder(writable_corpus, index_path) for _ in range(3)]
    for holder in holders:
        holder.get()
    (writable_corpus / "zumba.txt").write_bytes(ZUMBA)
    builds, build = [], index_module.build
    monkeypatch.setattr(index_module, "build", lambda *args, **kwargs: builds.append(args[0]) or build(*args, **kwargs))
    threads = [threading.Thread(target=holder.catch_up) for holder in holders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert builds.count(writable_corpus) == 1
    assert all("zumba.txt" in {d.source for d in holder.get().documents} and not holder.stale() for holder in holders)


@pytest.mark.parametrize("value", [-1, "5", True, float("nan"), float("inf")])
def test_the_check_interval_is_a_number_of_seconds(make_app, value):
    with pytest.raises(BadSetting, match="CORPUS_CHECK_SECONDS must be a number, 0 or more"):
        make_app(CORPUS_CHECK_SECONDS=value)
