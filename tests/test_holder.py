"""A serving process switches to a new index when a reindex replaces the file, and survives a broken one."""
import shutil
import threading

import pytest

from assistant import index as index_module
from assistant.answer import answer
from assistant.config import bundled_dir
from assistant.documents import add_documents
from assistant.holder import IndexHolder


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
