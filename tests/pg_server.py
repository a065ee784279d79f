"""A throwaway PostgreSQL server for the tests: initdb into a temporary folder, pg_ctl start on a free
loopback port (its socket in that folder too), pg_ctl stop and delete at the end.

PostgreSQL refuses to run as root, so as root the server runs as the `postgres` user that
Debian's package creates; otherwise as whoever runs the tests.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg

SUPERUSER = "postgres"
SETTINGS = ["-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
            "-c", "full_page_writes=off"]  # a test server: speed over durability


def find_bin_dir() -> Path | None:
    """Return the folder of PostgreSQL's server programs (initdb, pg_ctl): on PATH, else Debian's newest."""
    on_path = shutil.which("initdb")
    if on_path:
        return Path(on_path).parent
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(Path(path).parts[4]))
    return Path(found[-1]).parent if found else None


def run_as() -> str | None:
    """Return the user the server must run as when we are root ('postgres'), None when we are not root.

    Raises LookupError when we are root and there is no such user.
    """
    if os.geteuid() != 0:
        return None
    pwd.getpwnam(SUPERUSER)  # LookupError (KeyError) without it
    return SUPERUSER


def free_port() -> int:
    """Return a loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PostgresServer:
    """One PostgreSQL server on a temporary data folder; start() it, then url(), create_database(), stop()."""

    def __init__(self, bin_dir: Path):
        self.bin_dir = bin_dir
        self.user = run_as()
        self.root = Path(tempfile.mkdtemp(prefix="assistant-pg-"))
        self.data, self.sockets, self.log = self.root / "data", self.root / "sockets", self.root / "server.log"
        self.port = 0

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin_dir / program), *args]
        if self.user:
            command = ["runuser", "-u", self.user, "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "LC_ALL": "C"})
        if done.returncode:
            log = self.log.read_text() if self.log.exists() else ""
            raise RuntimeError(f"{program} failed ({done.returncode}): {done.stderr or done.stdout}{log}")

    def start(self) -> None:
        """Create the cluster and start the server; raises RuntimeError saying why when it cannot."""
        self.sockets.mkdir()
        if self.user:
            info = pwd.getpwnam(self.user)
            for path in (self.root, self.sockets):
                os.chown(path, info.pw_uid, info.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "--no-sync",
                  "-E", "UTF8", "--locale=C")
        for attempt in range(3):  # the free port may be taken between looking and listening
            self.port = free_port()
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o",
                          " ".join([*SETTINGS, "-p", str(self.port), "-k", str(self.sockets)]), "start")
                return
            except RuntimeError:
                if attempt == 2:
                    raise

    def stop(self) -> None:
        """Stop the server and delete its folder."""
        try:
            if self.port:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        """Return the SQLAlchemy URL of a database on this server, as a user would write it."""
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def _admin(self, sql: str) -> None:
        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER, dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(sql)

    def create_database(self, name: str) -> None:
        """Create an empty database."""
        self._admin(f'CREATE DATABASE "{name}"')

    def drop_database(self, name: str) -> None:
        """Drop a database, ending any connection a test left open to it."""
        self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
