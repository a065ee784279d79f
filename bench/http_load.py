"""HTTP load: requests per second and latency of /api/health and /api/answer, measured with wrk on loopback.

Starts the same waitress server as `assistant serve` on a free 127.0.0.1 port (the rate limit
raised far out of the way, so its bookkeeping is still measured), then runs wrk against
GET /api/health and POST /api/answer, the latter rotating over 32 varied questions. With the
default settings those repeat and come from the answer cache, as repeated questions do in a
real chat; a second server with the cache off (ANSWER_CACHE_SIZE=0) shows the cost when every
answer is computed. Rounds alternate the three measures and the table shows medians.
Prints whether the targets (answer at least 70% of health's requests per second, answer p99
under 50 ms) are met with the default settings.

    .venv/bin/python bench/http_load.py [--duration 5] [--rounds 3] [--connections 16] [--threads 2]

Needs wrk (apt-get install wrk). Sends traffic to 127.0.0.1 only, and stops after the durations.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from statistics import median
from pathlib import Path

from assistant import create_app
from assistant.config import bundled_dir
from assistant.engine.answer import answer as engine_answer
from assistant.web import api
from assistant.web.server import serve_in_thread

QUESTIONS = [
    "How do I stretch my hip flexors?",
    "What does the psoas muscle do?",
    "Why do my hip flexors get tight?",
    "Which nerve supplies the psoas minor?",
    "Where does the iliacus attach?",
    "What is the iliopsoas?",
    "Can sitting all day make my psoas tight?",
    "How do I release the iliopsoas muscle?",
    "What are the symptoms of a tight psoas?",
    "Does a tight psoas cause lower back pain?",
    "How long should I hold a kneeling hip flexor stretch?",
    "What is the function of the iliacus?",
    "How can I strengthen my hip flexors?",
    "Is the psoas a core muscle?",
    "What is psoas minor?",
    "Why does my hip hurt when I lift my leg?",
    "Can a tight iliopsoas cause knee pain?",
    "What exercises help iliopsoas tendinitis?",
    "How do I know if my hip flexor is strained?",
    "What muscles make up the hip flexors?",
    "Does running tighten the hip flexors?",
    "Where is the psoas located?",
    "What is iliopsoas bursitis?",
    "How does posture affect the psoas?",
    "Should I use a massage ball on my psoas?",
    "What is the lunge stretch?",
    "How often should I stretch my hip flexors?",
    "What is the best pizza in town?",
    "I fell and now I cannot put any weight on my leg",
    "hip flexor pain when walking upstairs",
]
FOLLOW_UPS = [("How long should I hold it?", ["How do I stretch my hip flexors?"]),
              ("And what about the iliacus?", ["Which nerve supplies the psoas minor?"])]

LUA_REPORT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
                 + summary.errors.status + summary.errors.timeout
  io.write(string.format('RESULT {"requests": %d, "seconds": %f, "p50_ms": %f, "p99_ms": %f, "errors": %d}\\n',
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1e3, latency:percentile(99) / 1e3, errors))
end
"""


def answer_script() -> str:
    """Return a wrk Lua script that POSTs the questions in turn, each thread starting at a different one."""
    bodies = [json.dumps({"question": q}) for q in QUESTIONS]
    bodies += [json.dumps({"question": q, "history": h}) for q, h in FOLLOW_UPS]
    table = ",\n".join("  " + json.dumps(body) for body in bodies)  # a JSON string is a valid Lua string here
    return f"""
local bodies = {{
{table}
}}
local i = 0
local headers = {{["Content-Type"] = "application/json"}}
setup = function(thread) thread:set("start", math.random(#bodies)) end
init = function(args) i = start or 0 end
request = function()
  i = i % #bodies + 1
  return wrk.format("POST", "/api/answer", headers, bodies[i])
end
""" + LUA_REPORT


def run_wrk(url: str, script: str, args) -> dict:
    """Run wrk with a Lua script and return the figures its done() hook printed."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as file:
        file.write(script)
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s", "--latency",
               "-s", file.name, url]
    print("$", " ".join(command), file=sys.stderr)
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=args.duration + 60).stdout
    Path(file.name).unlink()
    line = next(line for line in output.splitlines() if line.startswith("RESULT "))
    figures = json.loads(line.removeprefix("RESULT "))
    figures["rps"] = figures["requests"] / figures["seconds"]
    return figures


def engine_ms(index) -> float:
    """Return the mean time of answer() called directly, without HTTP: the floor under /api/answer."""
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        for question in QUESTIONS:
            engine_answer(index, question)
    return (time.perf_counter() - started) / (rounds * len(QUESTIONS)) * 1000


def warm_up(base: str) -> None:
    """Ask every question once: first answers fill the tokenizer's word cache (and the answer cache)."""
    for question in QUESTIONS:
        request = urllib.request.Request(base + "api/answer", json.dumps({"question": question}).encode(),
                                         {"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(request, timeout=10).close()
        except urllib.error.HTTPError as error:
            sys.exit(f"the server answered {error.code} to {question!r}: {error.read().decode()}")


def main() -> int:
    """Measure the endpoints in alternating rounds and print the table; exit status 1 when a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=5, help="seconds per endpoint and round (default 5)")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of the three measures; figures are medians, as the machine is noisy (default 3)")
    parser.add_argument("--connections", type=int, default=16, help="open connections (default 16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--no-rate-limit", action="store_true", help="turn the rate limiter off (to measure its cost)")
    parser.add_argument("--stub-engine", action="store_true",
                        help="diagnosis only: /api/answer returns one fixed result, to measure the HTTP layer alone")
    args = parser.parse_args()
    logging.getLogger("waitress").setLevel(logging.ERROR)  # "Task queue depth" notes are expected under load
    # The request log stays on, as in `assistant serve`, but its thousands of lines a second go nowhere.
    logging.getLogger("assistant.requests").addHandler(logging.FileHandler(os.devnull))
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: apt-get install wrk")
    measures = {"GET /api/health": [], "POST /api/answer": [], "  answer cache off": []}
    with tempfile.TemporaryDirectory() as scratch, ExitStack() as servers:
        # Every answer is recorded, as by default, but to a scratch database rather than the user's.
        settings = {"CORPUS": str(bundled_dir("corpus")), "INDEX": str(Path(scratch) / "index.npz"),
                    "RATE_LIMIT": "100000000 per minute", "RATELIMIT_ENABLED": not args.no_rate_limit,
                    "DATABASE_URL": f"sqlite:///{Path(scratch) / 'feedback.db'}"}
        app = create_app(settings)
        uncached = create_app(settings | {"ANSWER_CACHE_SIZE": 0})  # a second server: every answer computed
        index = app.extensions["assistant"].get()
        if args.stub_engine:
            fixed = engine_answer(index, QUESTIONS[0])
            api.answer = lambda *_: fixed
        base = servers.enter_context(serve_in_thread(app))
        uncached_base = servers.enter_context(serve_in_thread(uncached))
        warm_up(base)
        warm_up(uncached_base)
        for _ in range(args.rounds):
            measures["GET /api/health"].append(run_wrk(base + "api/health", LUA_REPORT, args))
            measures["POST /api/answer"].append(run_wrk(base, answer_script(), args))
            measures["  answer cache off"].append(run_wrk(uncached_base, answer_script(), args))
        engine = engine_ms(index)
    health = measures["GET /api/health"]
    ratios = {name: median([r["rps"] / h["rps"] for r, h in zip(runs, health)]) for name, runs in measures.items()}
    limiter = "off" if args.no_rate_limit else "on"
    stub = ", ENGINE STUBBED (one fixed result)" if args.stub_engine else ""
    print(f"\n{args.connections} connections, {args.threads} wrk threads, {args.rounds} rounds of {args.duration} s "
          f"per measure (medians), waitress on 127.0.0.1, rate limiter {limiter}{stub}\n")
    print(f"{'measure':<20}{'requests/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'errors':>8}{'of health':>11}")
    for name, runs in measures.items():
        print(f"{name:<20}{median([r['rps'] for r in runs]):>12.0f}{median([r['p50_ms'] for r in runs]):>10.2f}"
              f"{median([r['p99_ms'] for r in runs]):>10.2f}{sum(r['errors'] for r in runs):>8}{ratios[name]:>11.0%}")
    print(f"{'answer() alone':<20}{1000 / engine:>12.0f}{engine:>10.2f}   (no HTTP, one thread)")
    p99 = median([r["p99_ms"] for r in measures["POST /api/answer"]])
    errors = sum(r["errors"] for runs in measures.values() for r in runs)
    met = ratios["POST /api/answer"] >= 0.70 and p99 < 50 and not errors
    verdict = "no verdict: the engine was stubbed" if args.stub_engine else "met" if met else "MISSED"
    print(f"\nPOST /api/answer (default settings, the {len(QUESTIONS) + len(FOLLOW_UPS)} questions in turn): "
          f"{ratios['POST /api/answer']:.0%} of health's requests/s (target >= 70%), p99 {p99:.1f} ms (target < 50 ms): "
          f"{verdict}")
    print(f"With the answer cache off (every answer computed): {ratios['  answer cache off']:.0%} of health's requests/s.")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
