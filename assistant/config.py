"""Settings: where the corpus and the index live, and the limits.

Every setting can come from an environment variable ASSISTANT_<NAME>.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path

import platformdirs

from .errors import BadSetting

PACKAGE_DIR = Path(__file__).resolve().parent

MAX_QUESTION_CHARS = 1000
MAX_HISTORY = 10
MAX_TOP_K = 10
DEFAULT_TOP_K = 3
MAX_PASSAGE_CHARS = 600
DEFAULT_MAX_FILE_BYTES = 5 * 1024 * 1024
# Settings of free text (secrets, the contact line), read from ASSISTANT_<NAME> exactly as written: the
# app's from_prefixed_env reads values as JSON, which would turn "123" or "true" into a number or a bool.
VERBATIM = ("ADMIN_TOKEN", "API_KEY", "CONTACT")
# The bundled articles make 18 to 84 passages each (one per sentence or so): no article comes near
# this. It bounds what one upload costs: 5 MB of short lines made 238,712 passages, a 91 MB index
# and hours of embedding; 3,000 is about 450 KB of prose and a minute's reindex.
MAX_PASSAGES_PER_DOCUMENT = 3000
MAX_COMMENT_CHARS = 1000
DEFAULT_RETENTION_DAYS = 90
MAX_DAYS = 36_500  # the most days any setting or option counts back: a century (more overflows a date)
DEFAULT_REPORT_LIMIT = 20
MAX_REPORT_LIMIT = 1000


# The checkout's folder -> its name inside the wheel (pyproject.toml's force-include): the static files of web/
# go to assistant/static, since assistant/web is the web app's package.
WHEEL_NAMES = {"corpus": "corpus", "web": "static"}


def bundled_dir(name: str) -> Path:
    """Return the bundled folder `name` (corpus or web): inside the wheel, or beside the package in a checkout."""
    inside = PACKAGE_DIR / WHEEL_NAMES.get(name, name)
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


def default_corpus_dir() -> Path:
    """Return ASSISTANT_CORPUS if set, else the bundled corpus."""
    return Path(os.environ.get("ASSISTANT_CORPUS") or bundled_dir("corpus"))


def default_index_path(corpus_dir: Path) -> Path:
    """Return ASSISTANT_INDEX if set, else a per-user data file named after the corpus directory.

    One file per corpus directory, so switching corpora does not rebuild back and forth.
    """
    if os.environ.get("ASSISTANT_INDEX"):
        return Path(os.environ["ASSISTANT_INDEX"])
    key = hashlib.sha256(str(Path(corpus_dir).resolve()).encode()).hexdigest()[:12]
    return Path(platformdirs.user_data_dir("assistant")) / f"index-{key}.npz"


def verbatim_from_env() -> dict[str, str]:
    """Return the free-text settings set in the environment (ASSISTANT_ADMIN_TOKEN, _API_KEY, _CONTACT), as written."""
    return {name: os.environ[f"ASSISTANT_{name}"] for name in VERBATIM if os.environ.get(f"ASSISTANT_{name}")}


def max_file_bytes() -> int:
    """Return the largest source file `add` accepts (ASSISTANT_MAX_FILE_BYTES, default 5 MB)."""
    value = os.environ.get("ASSISTANT_MAX_FILE_BYTES", "")
    return int(value) if value.isdigit() else DEFAULT_MAX_FILE_BYTES


def contact() -> str | None:
    """Return ASSISTANT_CONTACT, the owner's line for the urgent-care and fallback texts ("Call us on ..."), or None."""
    return os.environ.get("ASSISTANT_CONTACT", "").strip() or None


def semantic_enabled() -> bool:
    """Return ASSISTANT_SEMANTIC (default true): false ranks with BM25 alone and never loads the model.

    Raises BadSetting unless it is true or false.
    """
    value = os.environ.get("ASSISTANT_SEMANTIC", "true").strip().lower()
    if value not in ("true", "false"):
        raise BadSetting(f"ASSISTANT_SEMANTIC must be true or false, not {value!r}")
    return value == "true"


def default_database_url() -> str:
    """Return ASSISTANT_DATABASE_URL if set, else a SQLite file in the per-user data folder (beside the index)."""
    if os.environ.get("ASSISTANT_DATABASE_URL"):
        return os.environ["ASSISTANT_DATABASE_URL"]
    return f"sqlite:///{Path(platformdirs.user_data_dir('assistant')) / 'feedback.db'}"


def retention_days(value=None) -> int:
    """Return how many days recorded answers are kept: `value`, else ASSISTANT_RETENTION_DAYS, else 90.

    Raises BadSetting unless it is a whole number of days, 1 or more.
    """
    if value is None:
        value = os.environ.get("ASSISTANT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        raise BadSetting(f"ASSISTANT_RETENTION_DAYS must be a whole number of days from 1 to {MAX_DAYS}, not {value!r}")
    return value
