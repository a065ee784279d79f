"""Atomic writes: a new file gets the umask's usual mode, a replaced one keeps its own."""
import stat

import pytest

from assistant.engine.files import write_atomically


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_new_file_gets_the_mode_the_umask_gives(tmp_path, umask_022):
    write_atomically(tmp_path / "new.txt", lambda file: file.write(b"text"))
    assert (tmp_path / "new.txt").read_bytes() == b"text"
    assert mode(tmp_path / "new.txt") == 0o644  # not mkstemp's 0600


def test_a_replaced_file_keeps_its_mode(tmp_path, umask_022):
    path = tmp_path / "old.txt"
    path.write_bytes(b"old")
    path.chmod(0o640)
    write_atomically(path, lambda file: file.write(b"new"))
    assert path.read_bytes() == b"new" and mode(path) == 0o640


def test_a_mode_can_be_given(tmp_path, umask_022):
    write_atomically(tmp_path / "given.txt", lambda file: file.write(b"x"), mode=0o600)
    assert mode(tmp_path / "given.txt") == 0o600


def test_a_failed_write_leaves_nothing_behind(tmp_path):
    def fail(file):
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_atomically(tmp_path / "x.txt", fail)
    assert list(tmp_path.iterdir()) == []
