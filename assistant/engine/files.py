"""Write files atomically: a temporary file in the same folder, flushed to disk, then renamed over the old one."""
from __future__ import annotations

import json
import os
import secrets
import stat
from pathlib import Path
from typing import BinaryIO, Callable, Iterator


def write_atomically(path: Path, write: Callable[[BinaryIO], object], mode: int | None = None) -> None:
    """Call `write` with a temporary file, then rename it to `path`: readers see the old file or the new, never half.

    The file gets `mode` if given, else the mode of the file it replaces, else the mode the umask
    gives a new file (0644 under umask 022). On any failure the temporary file is removed and
    `path` is left as it was.
    """
    path = Path(path)
    if mode is None and path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
    temporary = path.parent / f".{path.name}.{secrets.token_hex(8)}.tmp"
    # Not tempfile.mkstemp: its files are 0600 whatever the umask, and would stay so once renamed.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as file:
            if mode is not None:
                os.fchmod(file.fileno(), mode)
            write(file)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def json_lines(path: Path, error: type[Exception], what: str) -> Iterator[tuple[str, object]]:
    """Yield (where, item) for each non-blank line of a JSON Lines file, `where` naming the file and the line.

    Raises `error` when the file cannot be read (saying it is `what`) or a line is not JSON.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as problem:
        raise error(f"cannot read {what} '{path}': {problem}") from None
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as problem:
            raise error(f"{path}, line {number}: not JSON ({problem.msg}); fix or delete the line") from None
        yield f"{path}, line {number}", item
