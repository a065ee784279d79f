"""Kill -9 an `assistant add` or `remove` midway; count the running servers that never catch up with the corpus.

Starts `assistant serve` (a process of its own, as deployed) on a free 127.0.0.1 port over a
scratch copy of the bundled articles. Each trial runs `assistant add NOTE` (or, every other
trial, `assistant remove` of a note added before) on the same corpus and index, waits until the
command has changed the folder, and SIGKILLs it at a random moment of what an uninterrupted run
spends after that (its reindex). Then it asks the server until /api/sources lists exactly the
documents in the folder and /api/health says `"stale": false`; a server still apart from the
folder after --deadline seconds is stale.

    .venv/bin/python bench/kill_add.py [--trials 40] [--deadline 30] [--check-seconds 5] [--seed 11]

--check-seconds is the server's ASSISTANT_CORPUS_CHECK_SECONDS; 0 turns its check of the corpus
off, which is the server as it was before it had one. Traffic stays on 127.0.0.1; every trial
ends within its deadline, and the scratch folder is deleted at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from statistics import median

from assistant.config import bundled_dir
from assistant.engine.corpus import document_paths

COMMAND = [sys.executable, "-m", "assistant"]


def get(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.loads(response.read())


def start_server(corpus: Path, index: Path, check_seconds: float) -> tuple[subprocess.Popen, str]:
    """Start `assistant serve --port 0` and return it with its URL (read from the line it prints)."""
    env = {**os.environ, "ASSISTANT_CORPUS_CHECK_SECONDS": str(check_seconds)}
    server = subprocess.Popen(COMMAND + ["--corpus", str(corpus), "--index", str(index), "serve", "--port", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    for line in server.stdout:
        if "Serving the chat at" in line:
            return server, line.split(" at ")[1].split()[0]
    raise SystemExit("the server did not start")


def in_step(url: str, corpus: Path) -> bool:
    """Tell whether the server indexes exactly the documents in the folder, and says it is not stale."""
    on_disk = {path.name for path in document_paths(corpus)}
    return {s["id"] for s in get(url + "api/sources")["sources"]} == on_disk and not get(url + "api/health")["stale"]


def run_command(args: list[str], changed, kill_after: float | None) -> tuple[bool, float]:
    """Run an `assistant` command; once changed() says it has changed the folder, SIGKILL it after kill_after
    seconds (None: let it finish). Return whether it was killed, and how long it ran after the change."""
    process = subprocess.Popen(COMMAND + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while process.poll() is None and not changed():
        time.sleep(0.005)
    changed_at = time.monotonic()
    killed = False
    if kill_after is not None:
        try:
            process.wait(timeout=kill_after)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)
            killed = True
    process.wait()
    return killed, time.monotonic() - changed_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--trials", type=int, default=40)
    parser.add_argument("--deadline", type=float, default=30.0, help="seconds a server may take to catch up")
    parser.add_argument("--check-seconds", type=float, default=5.0, help="the server's ASSISTANT_CORPUS_CHECK_SECONDS")
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    scratch = Path(tempfile.mkdtemp(prefix="kill-add-"))
    corpus, index, incoming = scratch / "corpus", scratch / "index.npz", scratch / "incoming"
    shutil.copytree(bundled_dir("corpus"), corpus, ignore=shutil.ignore_patterns(".*"))
    incoming.mkdir()
    globals_ = ["--corpus", str(corpus), "--index", str(index)]
    server, url = start_server(corpus, index, args.check_seconds)
    rows = []
    try:
        def add(n: int, kill_after: float | None):
            note = incoming / f"note-{n}.txt"
            note.write_text(f"Note {n}\n\nThe psoas enjoys dance class number {n} on Tuesdays, says trainer {n}.\n")
            return run_command(globals_ + ["add", str(note)], (corpus / note.name).exists, kill_after)

        def remove(name: str, kill_after: float | None):
            return run_command(globals_ + ["remove", name], lambda: not (corpus / name).exists(), kill_after)

        # One uninterrupted run of each: how long they spend after changing the folder.
        window = {"add": add(0, None)[1]}
        window["remove"] = remove("note-0.txt", None)[1]
        print(f"server {url} (check every {args.check_seconds:g} s); after changing the folder, an add runs "
              f"{window['add']:.2f} s, a remove {window['remove']:.2f} s", flush=True)
        for n in range(1, args.trials + 1):
            notes = sorted(p.name for p in corpus.glob("note-*.txt"))
            kind = "remove" if n % 2 == 0 and notes else "add"
            kill_after = rng.uniform(0, window[kind])
            killed, _ = remove(notes[-1], kill_after) if kind == "remove" else add(n, kill_after)
            started = time.monotonic()
            apart = not in_step(url, corpus)
            while not in_step(url, corpus) and time.monotonic() - started < args.deadline:
                time.sleep(0.1)
            caught_up = in_step(url, corpus)
            seconds = time.monotonic() - started
            rows.append({"kind": kind, "killed": killed, "apart": apart, "stale": not caught_up, "seconds": seconds})
            print(f"trial {n:2} {kind:6} killed after {kill_after:.2f} s: {'killed' if killed else 'finished'}, "
                  f"{'apart from the folder' if apart else 'in step'}, "
                  f"{'STALE' if not caught_up else 'in step'} after {seconds:.1f} s", flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
        leftovers = [p.name for p in corpus.iterdir() if p.name.endswith(".tmp")]
        shutil.rmtree(scratch)
    caught = [row["seconds"] for row in rows if row["apart"] and not row["stale"]]
    print(f"\n{len(rows)} trials, {sum(row['killed'] for row in rows)} killed midway "
          f"({sum(row['killed'] and row['kind'] == 'add' for row in rows)} add, "
          f"{sum(row['killed'] and row['kind'] == 'remove' for row in rows)} remove); "
          f"server apart from the folder after the kill: {sum(row['apart'] for row in rows)}; "
          f"caught up: {len(caught)}" + (f" (median {median(caught):.1f} s, max {max(caught):.1f} s)" if caught else "")
          + f"; stale after {args.deadline:g} s: {sum(row['stale'] for row in rows)}; "
          f"temporary files left in the corpus: {len(leftovers)}")


if __name__ == "__main__":
    main()
