"""Attack the server as an outsider would, on loopback, and print what got through.

Each part runs its own `assistant serve` subprocess on a free 127.0.0.1 port, with an admin
token, over a scratch copy of the bundled corpus and its index (in a temporary folder, removed
at the end):

  fuzz  schemathesis's CLI (examples, coverage, fuzzing and stateful phases) against every
        endpoint of /openapi.json, the admin ones with the token
  bad   hand-made bad requests on raw sockets (malformed HTTP, odd bodies) and admin attacks
        (wrong tokens, paths as names, oversized documents...); none may change the corpus
  load  answers, uploads, removes and reindexes from threads for N seconds; then corpus, index
        and server must agree: every document added and not removed is answered from, no other
  kill  K times, `assistant add`, `remove` or `reindex --full` is killed (SIGKILL) after a random
        delay; then no file may be torn (each corpus file is as before or as written, the index
        loads), and the running server should answer from the corpus on disk within 30 s

    .venv/bin/python bench/attack.py [--parts fuzz,bad,load,kill] [--fuzz-seconds 60]
                                     [--seconds 60] [--kills 10] [--seed 1]

Bounded by those counts and times; traffic goes to 127.0.0.1 only. Exit status 1 when a request
got a 5xx or an unexpected answer, or data was lost or torn ("stale" is reported, not failed).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from assistant.config import bundled_dir
from assistant.engine import index as index_module
from assistant.engine.corpus import document_paths, load_corpus
from bad_requests import HOST, NO_ANSWER, bad_requests, judge, send_raw

PARTS = ("fuzz", "bad", "load", "kill")
QUESTIONS = ["How do I stretch my hip flexors?", "What does the psoas muscle do?", "Where does the iliacus attach?",
             "Which nerve supplies the psoas minor?", "What is the best pizza in town?", "psoas"]
# What schemathesis may see, as in tests/test_openapi.py: with the token, a document the description
# allows can still be refused (a control character in its name: 400; a name taken: 409).
SCHEMATHESIS_TOML = """
[checks.positive_data_acceptance]
expected-statuses = [200, 404, 413]
[checks.negative_data_rejection]
expected-statuses = [400, 404, 405, 413, 415]

[[operations]]
include-path-regex = "^/api/(documents|reindex)"
checks.positive_data_acceptance.expected-statuses = [200, 201, 400, 404, 409, 413]
checks.negative_data_rejection.expected-statuses = [400, 401, 404, 405, 409, 413, 415]
"""


@dataclass
class Figures:
    """What one part tried and what got through."""

    requests: int = 0
    server_errors: int = 0  # 5xx, but for the one a request is meant to get (501 for an unknown Transfer-Encoding)
    failures: list[str] = field(default_factory=list)  # unexpected answers, the first few kept in full
    lost: int = 0  # documents lost, torn or changed when they should not be
    stale: str = "-"
    notes: list[str] = field(default_factory=list)  # worth knowing, not failures
    lock: threading.Lock = field(default_factory=threading.Lock)

    def count(self, status: int, ok: bool, what: str) -> None:
        """Count one request: its status, and whether its answer was the expected one."""
        with self.lock:
            self.requests += 1
            self.server_errors += status >= 500 and not ok
            if not ok:
                self.failures.append(f"{what}: {status}")


# ---- the scratch corpus, the server, HTTP ----

def scratch_copy(root: Path, name: str, built_index: Path) -> tuple[Path, Path]:
    """Return (corpus, index): a fresh copy of the bundled corpus and of its built index under root/name."""
    corpus = root / name / "corpus"
    shutil.copytree(bundled_dir("corpus"), corpus, ignore=shutil.ignore_patterns(".*"))
    index = root / name / "index.npz"
    shutil.copy(built_index, index)
    return corpus, index


def command(corpus: Path, index: Path, *args: str) -> list[str]:
    """Return the `assistant` command line for a corpus and index."""
    return [sys.executable, "-m", "assistant", "--corpus", str(corpus), "--index", str(index), *args]


@contextmanager
def serve(corpus: Path, index: Path, token: str, check_seconds: float = 5):
    """Run `assistant serve` on a free loopback port; yield its URL; stop it on exit.

    check_seconds is the server's ASSISTANT_CORPUS_CHECK_SECONDS: 0 is a server that never looks
    for a corpus changed under it (as servers were before they did).
    """
    env = os.environ | {"ASSISTANT_ADMIN_TOKEN": token, "ASSISTANT_RATELIMIT_ENABLED": "false",
                        "ASSISTANT_ADMIN_FAILURE_LIMIT": "1000000 per minute", "PYTHONUNBUFFERED": "1",
                        "ASSISTANT_CORPUS_CHECK_SECONDS": str(check_seconds),
                        # its answers go to a throwaway database, never the user's feedback.db
                        "ASSISTANT_DATABASE_URL": f"sqlite:///{index.parent / 'feedback.db'}"}
    log = open(index.parent / "server.log", "w")
    process = subprocess.Popen(command(corpus, index, "serve", "--host", HOST, "--port", "0"), env=env,
                               stdout=subprocess.PIPE, stderr=log, text=True)
    try:
        line = process.stdout.readline()  # "Serving the chat at http://127.0.0.1:PORT/ ..."
        found = re.search(r"http://127\.0\.0\.1:\d+/", line)
        if not found:
            sys.exit(f"the server did not start: {line!r}; see {log.name}")
        yield found.group(0)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def call(url: str, method: str, path: str, body=None, token: str | None = None, timeout: float = 120):
    """Send one request; return (status, parsed JSON body or None); status NO_ANSWER when none came."""
    headers = {"Content-Type": "application/json"} if body is not None else {}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url + path.lstrip("/"), data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    except OSError:  # refused, reset, timed out: no answer, which the caller counts as a failure
        return NO_ANSWER, None
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, None


def snapshot(corpus: Path, index: Path) -> dict[str, str]:
    """Return a digest of every file of the corpus folder and of the index."""
    files = {p.name: p for p in corpus.iterdir() if p.is_file() and p.name != ".assistant.lock"}
    files["(index)"] = index
    return {name: hashlib.sha256(path.read_bytes()).hexdigest() for name, path in files.items()}


def documents_on_disk(corpus: Path) -> set[str]:
    return {path.name for path in document_paths(corpus)}


def served_documents(url: str) -> set[str] | None:
    status, body = call(url, "GET", "/api/sources")
    return {source["id"] for source in body["sources"]} if status == 200 else None


def fact(n: int) -> tuple[str, str, str]:
    """Return (name, text, question) of a made-up document that only its own question finds."""
    return (f"fact-{n}.txt", f"Fact {n}\n\nThe psoas of patient {n} likes dance number {n} on Tuesdays.\n",
            f"Does the psoas of patient {n} like dance number {n}?")


# ---- fuzz ----

def fuzz(root: Path, built_index: Path, args) -> Figures:
    """Run schemathesis's CLI against every endpoint, the admin ones with the token; count from its HAR report."""
    figures, token = Figures(), secrets.token_hex(16)
    corpus, index = scratch_copy(root, "fuzz", built_index)
    config, reports = root / "fuzz" / "schemathesis.toml", root / "fuzz" / "reports"
    config.write_text(SCHEMATHESIS_TOML)
    with serve(corpus, index, token) as url:
        run = [str(Path(sys.executable).with_name("schemathesis")), "--config-file", str(config), "run",
               url + "openapi.json", "--header", f"Authorization: Bearer {token}", "--max-time", str(args.fuzz_seconds),
               "--max-examples", str(args.examples), "--seed", str(args.seed), "--report", "har,json",
               "--report-dir", str(reports), "--request-timeout", "120",
               # One worker: under CPython 3.11, two threads of hypothesis parsing lambdas' source at once can
               # fail in ast.parse ("AST constructor recursion depth mismatch"), a runtime error of the fuzzer's own.
               "--workers", "1" if sys.version_info < (3, 12) else "2"]
        with open(root / "fuzz" / "schemathesis.log", "w") as log:
            subprocess.run(run, stdout=log, stderr=subprocess.STDOUT, timeout=args.fuzz_seconds + 600,
                           cwd=root / "fuzz")  # its cache folder goes there too
    har = json.loads(next(reports.glob("har-*.json")).read_text())
    report = json.loads(next(reports.glob("json-*.json")).read_text())
    statuses = [entry["response"]["status"] for entry in har["log"]["entries"]]
    figures.requests, figures.server_errors = len(statuses), sum(status >= 500 for status in statuses)
    figures.failures = [f"{failure}" for failure in report["failures"]] + [f"{error}" for error in report["errors"]]
    if not report["complete"]:
        figures.failures.append(f"schemathesis stopped: {report['stop_reason']}")
    check_agreement(url=None, corpus=corpus, index=index, figures=figures)
    return figures


# ---- bad ----

def bad(root: Path, built_index: Path, args) -> tuple[Figures, Figures]:
    """Send the hand-made bad requests and admin attacks; every answer must be the expected 4xx with our headers."""
    protocol, admin, token = Figures(), Figures(), secrets.token_hex(16)
    corpus, index = scratch_copy(root, "bad", built_index)
    before = snapshot(corpus, index)
    with serve(corpus, index, token) as url:
        for what, request, expected in bad_requests(token):
            figures = admin if what.startswith("admin") else protocol
            status, ok = judge(send_raw(url, request), expected)
            figures.count(status, ok, f"{what}: expected {sorted(expected)}")
        after_served = served_documents(url)
    after = snapshot(corpus, index)
    changed = {name for name in before.keys() | after.keys() if before.get(name) != after.get(name)}
    admin.lost = len(changed)
    if changed or after_served != documents_on_disk(corpus):
        admin.failures.append(f"the corpus or index changed: {sorted(changed)}")
    return protocol, admin


# ---- load ----

def load(root: Path, built_index: Path, args) -> Figures:
    """Answers, uploads, removes and reindexes from threads for args.seconds; then check nothing was lost."""
    figures, token = Figures(), secrets.token_hex(16)
    corpus, index = scratch_copy(root, "load", built_index)
    added: list[int] = []  # facts stored (201) and not yet removed
    removed: set[int] = set()
    stop = time.monotonic() + args.seconds
    numbers = iter(range(1_000_000))
    state = threading.Lock()

    def asker(url, seed):
        rng = random.Random(seed)
        while time.monotonic() < stop:
            path = rng.choice(["/api/answer"] * 4 + ["/api/health", "/api/sources"])
            if path == "/api/answer":
                status, body = call(url, "POST", path, {"question": rng.choice(QUESTIONS)})
                ok = status == 200 and body is not None and "passages" in body
            else:
                status, body = call(url, "GET", path)
                ok = status == 200
            figures.count(status, ok, f"{path}")

    def uploader(url):
        while time.monotonic() < stop:
            n = next(numbers)
            name, text, _ = fact(n)
            status, body = call(url, "POST", "/api/documents", {"name": name, "text": text}, token)
            figures.count(status, status == 201, f"add {name}: {body}")
            if status == 201:
                with state:
                    added.append(n)

    def remover(url, seed):
        rng = random.Random(seed)
        while time.monotonic() < stop:
            with state:
                n = added.pop(rng.randrange(len(added))) if len(added) > 3 else None
            if n is None:
                time.sleep(0.2)
                continue
            status, body = call(url, "DELETE", f"/api/documents/{fact(n)[0]}", token=token)
            figures.count(status, status == 200, f"remove {fact(n)[0]}: {body}")
            with state:
                (removed.add if status == 200 else added.append)(n)

    def reindexer(url):
        while time.monotonic() < stop:
            status, body = call(url, "POST", "/api/reindex", token=token)
            figures.count(status, status == 200, f"reindex: {body}")
            time.sleep(1)

    with serve(corpus, index, token) as url:
        threads = [threading.Thread(target=asker, args=(url, seed)) for seed in range(args.threads)]
        threads += [threading.Thread(target=uploader, args=(url,)), threading.Thread(target=remover, args=(url, 1)),
                    threading.Thread(target=reindexer, args=(url,))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        expected = documents_on_disk(bundled_dir("corpus")) | {fact(n)[0] for n in added}
        on_disk = documents_on_disk(corpus)
        figures.lost = len(expected - on_disk) + len(on_disk - expected)  # lost, or removed and back
        if on_disk != expected:
            figures.failures.append(f"corpus differs: missing {sorted(expected - on_disk)}, "
                                    f"back {sorted(on_disk - expected)}")
        check_agreement(url, corpus, index, figures)
        for n in added:  # every fact still in the corpus is answered from
            name, text, question = fact(n)
            status, body = call(url, "POST", "/api/answer", {"question": question, "top_k": 10})
            cited = [p["citation"]["source"] for p in (body or {}).get("passages", [])]
            figures.count(status, status == 200 and name in cited, f"ask about {name}: cited {cited}")
            status, body = call(url, "GET", f"/api/sources/{name}")
            figures.count(status, status == 200 and text.strip() in body["text"], f"source {name}: {body}")
        for n in sorted(removed)[:50]:
            status, _ = call(url, "GET", f"/api/sources/{fact(n)[0]}")
            figures.count(status, status == 404, f"removed {fact(n)[0]} still served")
    figures.notes.append(f"{len(added)} documents added and kept, {len(removed)} added and removed")
    return figures


def check_agreement(url: str | None, corpus: Path, index: Path, figures: Figures) -> None:
    """Check that the index file is the corpus's (fingerprint and documents), and that the server serves it."""
    built = index_module.load(index)
    if built.meta["fingerprint"] != index_module.corpus_fingerprint(corpus):
        figures.failures.append("the index file is not the corpus's (fingerprint differs)")
    if {d.source for d in built.documents} != documents_on_disk(corpus):
        figures.failures.append("the index file's documents are not the corpus's")
    if url and served_documents(url) != documents_on_disk(corpus):
        figures.failures.append(f"the server serves {sorted(served_documents(url) or [])}")


# ---- kill ----

def temporary_files(*folders: Path) -> list[str]:
    return [p.name for folder in folders for p in folder.iterdir() if p.name.endswith(".tmp")]


def kill(root: Path, built_index: Path, args) -> Figures:
    """SIGKILL `assistant add/remove/reindex` after random delays; count torn files, leftovers, stale servers."""
    figures, token, rng = Figures(), secrets.token_hex(16), random.Random(args.seed)
    corpus, index = scratch_copy(root, "kill", built_index)
    incoming = root / "kill" / "incoming"
    incoming.mkdir()
    kept: list[str] = []  # documents added by earlier trials, to remove
    stale = finished = 0
    leftovers: set[str] = set()  # temporary files a killed writer left behind
    with serve(corpus, index, token, args.check_seconds) as url:
        started = time.monotonic()  # one uninterrupted add: how long the window to kill in is
        name, text, _ = fact(10_000)
        (incoming / name).write_text(text)
        subprocess.run(command(corpus, index, "add", str(incoming / name)), capture_output=True, check=True)
        window = time.monotonic() - started
        kept.append(name)
        for trial in range(args.kills):
            operation = rng.choice(["add", "add", "remove", "reindex"]) if kept else "add"
            if operation == "add":
                name, text, _ = fact(trial)
                (incoming / name).write_text(text)
                target, argv = (name, text), ["add", str(incoming / name)]
            elif operation == "remove":
                name = rng.choice(kept)
                target, argv = (name, None), ["remove", name]
            else:
                target, argv = None, ["reindex", "--full"]
            before = {p.name: p.read_bytes() for p in document_paths(corpus)}
            process = subprocess.Popen(command(corpus, index, *argv), stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0, window * 1.2))
            finished += process.poll() is not None
            process.send_signal(signal.SIGKILL)
            process.wait()
            torn = torn_files(corpus, index, before, target)
            figures.lost += len(torn)
            figures.failures += [f"trial {trial} ({' '.join(argv)}): {what}" for what in torn]
            leftovers.update(temporary_files(corpus, index.parent))
            kept = [n for n in documents_on_disk(corpus) if n.startswith("fact-")]
            stale += not fresh_within(url, corpus, args.stale_wait)
    figures.requests = args.kills
    figures.stale = f"{stale} of {args.kills}"
    figures.notes.append(f"{finished} of {args.kills} finished before the kill; {len(leftovers)} temporary "
                         f"files left behind {sorted(leftovers)}")
    return figures


def torn_files(corpus: Path, index: Path, before: dict[str, bytes], target) -> list[str]:
    """Return what is torn or lost: a document neither as before nor as written, a corpus that does not parse,
    an index that does not load."""
    problems = []
    now = {p.name: p.read_bytes() for p in document_paths(corpus)}
    name, text = target if target else (None, None)
    for document in before.keys() | now.keys():
        allowed = {before.get(document)}
        if document == name:
            allowed.add(text.encode() if text is not None else None)
        if now.get(document) not in allowed:
            problems.append(f"{document} is torn, lost or changed")
    try:
        load_corpus(corpus)
        index_module.load(index)
    except Exception as error:  # noqa: BLE001 - any of these is a torn file
        problems.append(f"{type(error).__name__}: {error}")
    return problems


def fresh_within(url: str, corpus: Path, seconds: float) -> bool:
    """Return whether the server serves exactly the documents on disk within `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        if served_documents(url) == documents_on_disk(corpus):
            return True
        if time.monotonic() > deadline:
            return False
        time.sleep(0.5)


# ---- main ----

def main() -> int:
    """Run the parts asked for and print the figures; exit status 1 if anything got through."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)} (default all)")
    parser.add_argument("--fuzz-seconds", type=int, default=60, help="time for schemathesis (default 60)")
    parser.add_argument("--examples", type=int, default=100,
                        help="schemathesis examples per operation and round (default 100)")
    parser.add_argument("--seconds", type=int, default=60, help="time of the load part (default 60)")
    parser.add_argument("--threads", type=int, default=4, help="threads asking questions during the load (default 4)")
    parser.add_argument("--kills", type=int, default=10, help="kill -9 trials (default 10)")
    parser.add_argument("--stale-wait", type=float, default=30,
                        help="seconds the server has to serve the corpus on disk after a kill (default 30)")
    parser.add_argument("--check-seconds", type=float, default=5,
                        help="the kill part's server's ASSISTANT_CORPUS_CHECK_SECONDS (default 5; 0: a server that "
                             "never catches up with its corpus by itself, as before)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", type=Path, metavar="DIR",
                        help="work in DIR and keep it (servers' logs, schemathesis's reports); default: a temporary "
                             "folder, removed at the end")
    args = parser.parse_args()
    parts = [part.strip() for part in args.parts.split(",") if part.strip()]
    unknown = set(parts) - set(PARTS)
    if unknown:
        parser.error(f"unknown part(s) {', '.join(sorted(unknown))}; choose from {', '.join(PARTS)}")
    rows: dict[str, Figures] = {}
    with tempfile.TemporaryDirectory(prefix="assistant-attack-") as scratch:
        root = args.keep or Path(scratch)
        root.mkdir(parents=True, exist_ok=True)
        built_index = root / "index.npz"  # built once, copied into each part's scratch folder
        index_module.reindex(bundled_dir("corpus"), built_index)
        for part in parts:
            started = time.monotonic()
            print(f"== {part}", file=sys.stderr, flush=True)
            if part == "fuzz":
                rows["schema fuzzing (schemathesis)"] = fuzz(root, built_index, args)
            elif part == "bad":
                rows["hand-made bad requests"], rows["admin attacks"] = bad(root, built_index, args)
            elif part == "load":
                rows[f"{args.seconds} s of concurrent load"] = load(root, built_index, args)
            else:
                rows["kill -9 mid add/remove/reindex"] = kill(root, built_index, args)
            print(f"   {time.monotonic() - started:.0f} s", file=sys.stderr, flush=True)
    print(f"\n{'check':<34}{'requests':>10}{'5xx':>6}{'failures':>10}{'lost/torn':>11}  stale")
    for name, figures in rows.items():
        print(f"{name:<34}{figures.requests:>10,}{figures.server_errors:>6}{len(figures.failures):>10}"
              f"{figures.lost:>11}  {figures.stale}")
    for name, figures in rows.items():
        for line in figures.notes + [f"FAILED {failure}" for failure in figures.failures[:10]]:
            print(f"  {name}: {line}")
    return 1 if any(f.server_errors or f.lost or f.failures for f in rows.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
