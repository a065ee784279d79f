"""The parts bench/cluster.py starts and stops: PostgreSQL, Redis, the app servers and nginx; and its table.

Each part runs in a session of its own (start_new_session), so Ctrl+C in a terminal reaches
bench/cluster.py alone, which then stops every part in turn. As root (in CI), Redis and nginx
run as an unprivileged user, and PostgreSQL as `postgres` (tests/pg_server.py).
"""
from __future__ import annotations

import json
import os
import pwd
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from pg_server import PostgresServer, find_bin_dir, free_port, run_as  # noqa: E402,F401 (find_bin_dir, run_as: for cluster.py)

SITE_CONFIG = Path(__file__).resolve().parents[1] / "deploy" / "nginx" / "assistant.conf"
SHIPPED_PORTS = (8001, 8002, 8003)  # the servers' ports in deploy/nginx/assistant.conf
SHIPPED_LISTEN = "listen 127.0.0.1:8080;"
SERVICE_USER = "nobody"  # Redis and nginx run as this user when we are root
START_TIMEOUT_S = 120
RELOAD_S = 1.0  # time given to nginx to start its new workers after a reload


class Table:
    """The checks and measures, printed as one table at the end; and the processes started, to prove them gone."""

    def __init__(self):
        self.rows: list[tuple[str, str, bool | None, str]] = []
        self.measures: list[tuple[str, dict]] = []
        self.started: list[int] = []  # pids
        self.ports: list[int] = []

    def check(self, part: str, what: str, passed: bool, detail: str) -> None:
        """Record a check, and say it at once on stderr (the table comes at the end)."""
        self.rows.append((part, what, bool(passed), detail))
        print(f"{'ok  ' if passed else 'FAIL'} {part}: {what}: {detail}", file=sys.stderr, flush=True)

    def measure(self, name: str, figures: dict) -> None:
        """Record wrk's figures, with the machine's load average over the last minute when they were taken."""
        self.measures.append((name, figures | {"load": os.getloadavg()[0]}))

    def passed(self) -> bool:
        return all(passed for _, _, passed, _ in self.rows)

    def stopped_all(self) -> bool:
        """Tell whether every process started has ended and nothing listens on any port used."""
        alive = [pid for pid in self.started if _alive(pid)]
        listening = [port for port in self.ports if _listening(port)]
        if alive or listening:
            print(f"left running: pids {alive}, ports {listening}", file=sys.stderr)
        return not alive and not listening

    def show(self, cpus: int | None) -> None:
        """Print the checks, then the answers/s measures."""
        width = max(len(what) for _, what, _, _ in self.rows)
        print(f"\n{'part':<8} {'check':<{width}}  {'result':<6}  figures")
        for part, what, passed, detail in self.rows:
            print(f"{part:<8} {what:<{width}}  {'pass' if passed else 'FAIL':<6}  {detail}")
        if self.measures:
            print(f"\nanswers through nginx (wrk, 16 connections, the same 32 questions in turn, so from each server's "
                  f"answer cache after the first; {cpus} CPUs shared by wrk, nginx, the servers, Redis, PostgreSQL)")
            print(f"{'servers':<10}{'answers/s':>11}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'load avg':>10}")
            for name, figures in self.measures:
                print(f"{name:<10}{figures['rps']:>11.0f}{figures['p50_ms']:>9.2f}{figures['p99_ms']:>9.2f}"
                      f"{figures['errors']:>8}{figures['load']:>10.1f}")
        print(f"\n{'all checks pass' if self.passed() else 'SOME CHECKS FAILED'}")


def unprivileged(folder: Path) -> dict:
    """Return Popen's arguments that run a program as SERVICE_USER when we are root (owning `folder`), else {}."""
    if os.geteuid() != 0:
        return {}
    user = pwd.getpwnam(SERVICE_USER)
    for path in [folder, *folder.rglob("*")]:
        os.chown(path, user.pw_uid, user.pw_gid)
    return {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}


class Process:
    """One program started in a session of its own, its output in a log file; stopped with a signal."""

    def __init__(self, command: list[str], log: Path, table: Table, stop_signal=signal.SIGTERM, **popen):
        self.log = log
        self.stop_signal = stop_signal
        with open(log, "ab") as out:
            self.popen = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                          start_new_session=True, **popen)
        table.started.append(self.popen.pid)

    def stop(self) -> None:
        """Ask it to stop; kill it after 15 s."""
        if self.popen.poll() is None:
            self.popen.send_signal(self.stop_signal)
            try:
                self.popen.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()

    def kill(self) -> None:
        """Kill it at once (SIGKILL), as a crash would."""
        self.popen.kill()
        self.popen.wait()

    def failed(self) -> str:
        """Return why it is not running: its exit status and the end of its log."""
        return f"exit status {self.popen.poll()}: {self.log.read_text(errors='replace')[-2000:]}"


@contextmanager
def postgres(table: Table):
    """Run a PostgreSQL server of its own (tests/pg_server.py) with a database `assistant`; yield its URL."""
    server = PostgresServer(find_bin_dir())
    try:
        server.start()
        pid_file = server.data / "postmaster.pid"
        table.started.append(int(pid_file.read_text().split()[0]))
        table.ports.append(server.port)
        server.create_database("assistant")
        yield server.url("assistant")
    finally:
        try:
            server.stop()
        except RuntimeError as error:  # already stopped (a Ctrl+C in its terminal): say so, go on stopping the rest
            print(f"stopping PostgreSQL: {error}", file=sys.stderr)


class Redis:
    """A Redis server on a free loopback port that keeps nothing on disk."""

    def __init__(self, folder: Path, table: Table):
        folder.mkdir(parents=True)
        self.port = free_port()
        self.uri = f"redis://127.0.0.1:{self.port}/0"
        table.ports.append(self.port)
        self.process = Process(["redis-server", "--bind", "127.0.0.1", "--port", str(self.port), "--save", "",
                                "--appendonly", "no", "--dir", str(folder)], folder / "redis.log", table,
                               **unprivileged(folder))
        wait_for(lambda: _listening(self.port), self.process, "redis-server")

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.process.stop()


class AppServers:
    """`assistant serve` processes on free loopback ports, sharing a corpus folder, an index file and `env`."""

    def __init__(self, corpus: Path, index: Path, env: dict, logs: Path, table: Table, count: int = 3):
        self.corpus, self.index, self.env, self.logs, self.table = corpus, index, env, logs, table
        logs.mkdir(parents=True)
        self.ports = [free_port() for _ in range(count)]
        table.ports.extend(self.ports)
        self.urls = [f"http://127.0.0.1:{port}/" for port in self.ports]
        self.processes: list[Process | None] = [None] * count

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop_all()

    def start_all(self) -> None:
        """Start every server: the first alone (it builds the index if there is none), then the others together."""
        self.start(0)
        for number in range(1, len(self.ports)):
            self.launch(number)
        for number in range(1, len(self.ports)):
            self.wait_up(number)

    def start(self, number: int) -> None:
        self.launch(number)
        self.wait_up(number)

    def launch(self, number: int) -> None:
        command = [sys.executable, "-m", "assistant", "--corpus", str(self.corpus), "--index", str(self.index),
                   "serve", "--host", "127.0.0.1", "--port", str(self.ports[number])]
        # Every setting is in the environment, never in the user's data folder; the log lines go to a file.
        env = os.environ | self.env | {"PYTHONUNBUFFERED": "1"}
        self.processes[number] = Process(command, self.logs / f"server-{number + 1}.log", self.table,
                                         stop_signal=signal.SIGINT, env=env)

    def wait_up(self, number: int) -> None:
        wait_for(lambda: _health(self.urls[number]) is not None, self.processes[number], f"server {number + 1}")

    def kill(self, number: int) -> None:
        self.processes[number].kill()

    def restart(self, number: int) -> None:
        self.processes[number].stop()
        self.start(number)

    def stop_all(self) -> None:
        for process in self.processes:
            if process:
                process.stop()

    def same_index(self) -> bool:
        """Tell whether every server serves an index built at the same moment."""
        built = {(_health(url) or {}).get("built_at") for url in self.urls}
        return len(built) == 1 and None not in built

    def wait_all(self, condition, seconds: float) -> float | None:
        """Return how long it took until condition(url) held for every server, or None if not within `seconds`."""
        started = time.monotonic()
        waiting = set(self.urls)
        while waiting:
            waiting = {url for url in waiting if not condition(url)}
            if time.monotonic() - started > seconds:
                return None
            if waiting:
                time.sleep(0.1)
        return time.monotonic() - started


class Nginx:
    """nginx with deploy/nginx/assistant.conf, its own ports put in, everything else (pid, logs, temp) in `folder`."""

    def __init__(self, folder: Path, table: Table):
        self.folder, self.table = folder, table
        folder.mkdir(parents=True)
        self.port = free_port()
        table.ports.append(self.port)
        self.url = f"http://127.0.0.1:{self.port}/"
        self.process: Process | None = None
        self.ports: list[int] = []

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.stop()

    def start(self, ports: list[int]) -> None:
        """Write the configuration for these servers, test it, and start nginx."""
        (self.folder / "assistant.conf").write_text(site_config(ports, self.port))
        self.ports = ports
        (self.folder / "nginx.conf").write_text(MAIN_CONFIG.format(folder=self.folder))
        command = ["nginx", "-p", str(self.folder), "-c", str(self.folder / "nginx.conf"),
                   "-e", str(self.folder / "error.log")]
        as_user = unprivileged(self.folder)
        tested = subprocess.run([*command, "-t"], capture_output=True, text=True, **as_user)
        if tested.returncode:
            raise SystemExit(f"nginx refuses the configuration: {tested.stderr.strip()}")
        self.process = Process([*command, "-g", "daemon off;"], self.folder / "nginx.out", self.table,
                               stop_signal=signal.SIGQUIT, **as_user)  # SIGQUIT: finish the requests under way
        wait_for(lambda: _listening(self.port), self.process, "nginx")

    def stop(self) -> None:
        if self.process:
            self.process.stop()

    def restart(self, ports: list[int]) -> None:
        self.stop()
        self.start(ports)

    def reload(self, down: set[int] = frozenset()) -> None:
        """Mark the servers numbered in `down` down (no new requests) and reload, as `nginx -s reload` does:
        new workers take the new configuration, the old ones finish the requests they hold."""
        (self.folder / "assistant.conf").write_text(site_config(self.ports, self.port, down))
        self.process.popen.send_signal(signal.SIGHUP)
        time.sleep(RELOAD_S)

    def retried(self) -> int:
        """Return how many requests went to more than one server ("502, 200" in $upstream_status)."""
        log = self.folder / "access.log"
        return sum("," in line for line in log.read_text().splitlines()) if log.exists() else 0


# Only what the shipped site file cannot say: where nginx keeps its files, as an unprivileged master.
MAIN_CONFIG = """
pid {folder}/nginx.pid;
error_log {folder}/error.log warn;
worker_processes auto;
events {{ worker_connections 1024; }}
http {{
    log_format upstreams '$status $upstream_status';
    access_log {folder}/access.log upstreams;
    client_body_temp_path {folder}/client_body;
    proxy_temp_path {folder}/proxy;
    fastcgi_temp_path {folder}/fastcgi;
    uwsgi_temp_path {folder}/uwsgi;
    scgi_temp_path {folder}/scgi;
    include {folder}/assistant.conf;
}}
"""


def site_config(ports: list[int], listen: int, down: set[int] = frozenset()) -> str:
    """Return deploy/nginx/assistant.conf with its servers on `ports` (those past them left out), listening on `listen`;
    the servers numbered in `down` (from 0) marked down.

    Raises SystemExit when the shipped file no longer has the ports and the listen line this looks for.
    """
    text = SITE_CONFIG.read_text()
    lines = []
    for line in text.splitlines():
        found = re.search(r"server 127\.0\.0\.1:(\d+)", line)
        if found and int(found.group(1)) in SHIPPED_PORTS:
            number = SHIPPED_PORTS.index(int(found.group(1)))
            if number >= len(ports):
                continue
            line = line.replace(found.group(0), f"server 127.0.0.1:{ports[number]}")
            if number in down:
                line = line.replace(";", " down;", 1)
        lines.append(line)
    site = "\n".join(lines)
    servers = len(re.findall(r"server 127\.0\.0\.1:\d+", site))
    if servers != len(ports) or SHIPPED_LISTEN not in site:
        raise SystemExit(f"{SITE_CONFIG} should list the servers 127.0.0.1:{SHIPPED_PORTS} and '{SHIPPED_LISTEN}'")
    return site.replace(SHIPPED_LISTEN, f"listen 127.0.0.1:{listen};")


def wait_for(condition, process: Process, name: str) -> None:
    """Wait until condition() holds; raise SystemExit saying why when the process ended or took too long."""
    deadline = time.monotonic() + START_TIMEOUT_S
    while not condition():
        if process.popen.poll() is not None:
            raise SystemExit(f"{name} did not start ({process.failed()})")
        if time.monotonic() > deadline:
            raise SystemExit(f"{name} did not start within {START_TIMEOUT_S} s; see {process.log}")
        time.sleep(0.1)


def _health(url: str) -> dict | None:
    """Return a server's /api/health, or None when it does not answer."""
    try:
        with urllib.request.urlopen(url + "api/health", timeout=5) as response:
            return json.load(response)
    except (OSError, ValueError):
        return None


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(1)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie (ended, not yet waited for by a parent that is not us) counts as ended.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False
