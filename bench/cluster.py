"""Several servers behind nginx, sharing PostgreSQL and Redis, checked under load on loopback: prints a table.

Starts, on 127.0.0.1 only and all in one temporary folder: a PostgreSQL server (tests/pg_server.py),
a Redis server, three `assistant serve` processes sharing one corpus folder, one index file, the
database (ASSISTANT_DATABASE_URL) and the rate-limit counts (ASSISTANT_RATELIMIT_STORAGE_URI), and
nginx in front with deploy/nginx/assistant.conf, the file a real deployment uses. Then, under
steady load of questions through nginx for --seconds:

  upload   an article added through the admin API is answered by every server within 5 s
  kill     one server is killed (SIGKILL), a second article is added while it is down, and it is
           started again: no question fails, and it serves the current index
  remove   the articles removed through the admin API disappear from every server within 5 s
After the load:
  limit    a client over the rate limit through nginx gets 429 from every server
  reports  ratings given through different servers are in one `assistant feedback` report; one
           unanswered question asked through each server is one group of `assistant unanswered`
  roll     the servers restarted one at a time under load, each taken out of nginx first (a new
           version rolled out): no question fails
  speed    answers/s and latency through nginx with 1 and with 3 servers (wrk)
Everything it started is stopped at the end, also on Ctrl+C or SIGTERM, and the folder removed.

    .venv/bin/python bench/cluster.py [--seconds 60] [--rate 40] [--speed-seconds 10] [--index FILE]

Needs Debian's nginx, redis-server, postgresql and wrk, and the postgresql and redis extras.
Exit status 1 when a check fails.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from cluster_load import Load, ask, call, rated_sources, wrk
from cluster_parts import AppServers, Nginx, Redis, Table, find_bin_dir, postgres, run_as

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "cluster-admin-token"
ARTICLES = {  # name -> (text, a question only it answers)
    "cluster-zorbex-drill.md": (
        "# The zorbex drill\n\nThe zorbex drill is a slow standing march that trains the iliopsoas to lift the "
        "thigh under control. Stand tall beside a wall, lift one knee to hip height, hold the zorbex position for "
        "five seconds and lower the leg slowly. Repeat the zorbex drill ten times on each side every morning.\n",
        "What is the zorbex drill?"),
    "cluster-quillon-stretch.md": (
        "# The quillon stretch\n\nThe quillon stretch lengthens the psoas after long hours of sitting. Kneel on one "
        "knee, tuck the pelvis under and shift the weight forward until the front of the hip feels a gentle pull. "
        "Hold the quillon stretch for thirty seconds and switch sides.\n",
        "How do I do the quillon stretch?"),
}
RATE_LIMIT = "100 per 10 seconds"  # per client address; each load client sends far fewer
LIMIT_AMOUNT = 100
SPEED_RATE_LIMIT = "100000000 per minute"  # wrk asks from one address
UNANSWERED = ["How do I tune a mandolin?", "how do I tune a mandolin", "How do I tune my mandolin??"]
PROPAGATION_S = 5.0


def main() -> int:
    """Run the cluster, the checks and the measures; print the table; exit status 1 when a check fails."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60, help="seconds of steady load (default 60; at least 20)")
    parser.add_argument("--rate", type=float, default=40, help="questions per second of the steady load (default 40)")
    parser.add_argument("--clients", type=int, default=8, help="load clients, each from its own loopback address")
    parser.add_argument("--speed-seconds", type=float, default=10,
                        help="seconds of wrk per measure of answers/s (default 10; 0 skips the measures)")
    parser.add_argument("--index", type=Path, help="a built index of the bundled corpus to start from "
                        "(default: build one, about 20 s)")
    args = parser.parse_args()
    if args.seconds < 20:
        parser.error("--seconds must be 20 or more: the checks during the load take that long")
    if args.index and not args.index.is_file():
        parser.error(f"--index {args.index}: no such file")
    missing = [name for name, found in [("nginx", shutil.which("nginx")), ("redis-server", shutil.which("redis-server")),
                                        ("postgresql", find_bin_dir()), ("wrk", shutil.which("wrk") or not args.speed_seconds)]
               if not found]
    if missing:
        sys.exit(f"missing: {', '.join(missing)}; install with apt-get install {' '.join(missing)}")
    try:
        run_as()
    except LookupError:
        sys.exit("running as root, and there is no 'postgres' user to run PostgreSQL as (apt-get install postgresql)")
    if not all(importlib.util.find_spec(name) for name in ("psycopg", "redis")):
        sys.exit("the servers need the postgresql and redis extras: .venv/bin/pip install -e '.[postgresql,redis]'")
    # SIGTERM (a CI runner stopping us) unwinds like Ctrl+C, so every process started is stopped.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    table = Table()
    scratch = Path(tempfile.mkdtemp(prefix="assistant-cluster-"))
    scratch.chmod(0o711)  # as root, Redis and nginx run as another user, which must reach their folders in it
    user_data = scratch / "user-data"
    try:
        with ExitStack() as stack:
            run_cluster(args, scratch, stack, table)
        written = [str(path.relative_to(user_data)) for path in user_data.rglob("*") if path.is_file()]
    except KeyboardInterrupt:
        stopped = table.stopped_all()
        print(f"interrupted; {'every process it started is stopped' if stopped else 'SOME PROCESSES ARE LEFT'}",
              file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    table.check("cleanup", "every process started is stopped", table.stopped_all(),
                f"{len(table.started)} processes, none left")
    table.check("cleanup", "nothing written to a user data folder; scratch folder removed",
                not written and not scratch.exists(), f"written: {written or 'nothing'}")
    table.show(os.cpu_count())
    return 0 if table.passed() else 1


def run_cluster(args, scratch: Path, stack: ExitStack, table: Table) -> None:
    """Start everything under `scratch` (stopped by `stack`), check it under load and measure it."""
    corpus, index = scratch / "corpus", scratch / "index.npz"
    # Every process started gets a user data folder in the scratch folder: what it writes there, it would have
    # written to the user's (checked empty at the end).
    os.environ["XDG_DATA_HOME"] = str(scratch / "user-data")
    shutil.copytree(ROOT / "corpus", corpus, ignore=shutil.ignore_patterns(".*"))
    if args.index:
        shutil.copy(args.index, index)
    database_url = stack.enter_context(postgres(table))
    redis_uri = stack.enter_context(Redis(scratch / "redis", table)).uri
    env = {"ASSISTANT_DATABASE_URL": database_url, "ASSISTANT_RATELIMIT_STORAGE_URI": redis_uri,
           "ASSISTANT_RATE_LIMIT": RATE_LIMIT, "ASSISTANT_TRUSTED_PROXY": "127.0.0.1", "ASSISTANT_ADMIN_TOKEN": TOKEN}
    servers = stack.enter_context(AppServers(corpus, index, env, scratch / "logs", table))
    servers.start_all()
    nginx = stack.enter_context(Nginx(scratch / "nginx", table))
    nginx.start(servers.ports)
    print(f"cluster up: nginx {nginx.url} -> servers {servers.ports}, PostgreSQL, Redis; "
          f"{args.seconds:.0f} s of load at {args.rate:g} questions/s", file=sys.stderr)
    with Load(nginx.url, args.clients, args.rate) as load:
        events = during_load(servers, nginx, load, args.seconds, table)
        load.run_until(load.started + args.seconds)
    in_load = all(load.started < when < load.ended for when in events.values())
    table.check("load", "questions through nginx: failed (5xx or connection error)", load.failed == 0 and load.ok > 0,
                f"{load.failed} failed of {load.sent} ({load.ok} answered, {load.limited} got 429, {load.resent} sent "
                f"again on a new connection) in {load.ended - load.started:.0f} s"
                + (f"; first: {load.errors}" if load.errors else ""))
    table.check("load", "upload, kill and removal happened during the load", in_load,
                ", ".join(f"{name} at {when - load.started:.1f} s" for name, when in events.items()))
    table.check("load", "questions nginx passed to a second server", True, f"{nginx.retried()} (logged by nginx)")
    check_rate_limit(servers, nginx, table)
    check_reports(servers, database_url, table)
    # A new setting for the speed measures, rolled out as a new version would be (docs/deploy.md).
    servers.env["ASSISTANT_RATE_LIMIT"] = SPEED_RATE_LIMIT
    check_roll(servers, nginx, args, table)
    if args.speed_seconds:
        measure_speed(servers, nginx, args.speed_seconds, table)


def during_load(servers: AppServers, nginx: Nginx, load: Load, seconds: float, table: Table) -> dict[str, float]:
    """Upload, kill, restart and remove while the load runs (in this thread); return when each happened."""
    events = {}
    (first, (first_text, first_q)), (second, (second_text, second_q)) = ARTICLES.items()
    load.run_until(load.started + seconds * 0.15)
    events["upload"] = time.monotonic()
    status, _ = call(nginx.url, "POST", "/api/documents", {"name": first, "text": first_text}, TOKEN)
    waited = servers.wait_all(lambda url: first in rated_sources(url, first_q), PROPAGATION_S)
    table.check("upload", f"uploaded through nginx (HTTP {status}), answered by every server",
                status == 201 and waited is not None, _seconds(waited, "after the upload"))
    load.run_until(load.started + seconds * 0.35)
    victim = len(servers.ports) - 1
    events["kill -9"] = time.monotonic()
    servers.kill(victim)
    load.run_until(time.monotonic() + 1)
    status, _ = call(nginx.url, "POST", "/api/documents", {"name": second, "text": second_text}, TOKEN)
    events["upload while down"] = time.monotonic()
    table.check("kill", f"server {victim + 1} killed; an article uploaded while it is down (HTTP {status})",
                status == 201, "through nginx, which skips the dead server")
    load.run_until(time.monotonic() + 1)
    started = time.monotonic()
    servers.start(victim)
    events["restarted"] = time.monotonic()
    url = servers.urls[victim]
    current = servers.same_index()
    table.check("kill", f"server {victim + 1} restarted serves the current index",
                current and {first, second} <= set(rated_sources(url, first_q) + rated_sources(url, second_q)),
                f"up {time.monotonic() - started:.1f} s after the start; same index as the others: {current}")
    load.run_until(load.started + seconds * 0.75)
    events["remove"] = time.monotonic()
    statuses = [call(nginx.url, "DELETE", f"/api/documents/{name}", token=TOKEN)[0] for name in ARTICLES]
    waited = servers.wait_all(lambda url: not {first, second} & set(rated_sources(url, first_q)
                                                                     + rated_sources(url, second_q)), PROPAGATION_S)
    table.check("remove", f"removed through nginx (HTTP {', '.join(map(str, statuses))}), gone from every server",
                statuses == [200, 200] and waited is not None, _seconds(waited, "after the removal"))
    return events


def check_rate_limit(servers: AppServers, nginx: Nginx, table: Table) -> None:
    """Spend one client's limit through nginx (spread over the servers), then ask each server directly."""
    client = "127.0.0.9"  # an address no other client uses: its window starts with its first question
    answered = 0
    started = time.monotonic()
    while answered <= LIMIT_AMOUNT * 3 and ask(nginx.url, "What is the iliopsoas?", client)[0] == 200:
        answered += 1
    spent = time.monotonic() - started
    direct = [ask(url, "What is the iliopsoas?", client)[0] for url in servers.urls]
    table.check("limit", f"one limit ({RATE_LIMIT}) across the servers, through nginx",
                answered == LIMIT_AMOUNT and spent < 5, f"429 after {answered} answers ({spent:.1f} s)")
    table.check("limit", "that client then asks each server directly", direct == [429] * len(servers.urls),
                "HTTP " + ", ".join(map(str, direct)))


def check_reports(servers: AppServers, database_url: str, table: Table) -> None:
    """Rate answers through servers other than the one that answered, ask one unanswered question through each,
    and read both reports from the one database."""
    count = len(servers.urls)
    comments, rated = [], []
    for number, url in enumerate(servers.urls):
        question = ["How do I stretch my hip flexors?", "Where does the iliacus attach?",
                    "What does the psoas muscle do?"][number % 3]
        status, body = ask(url, question, "127.0.0.10")
        rated.append(body.get("answer_id") if status == 200 else None)
    time.sleep(1)  # as a person reads the answer before rating it
    for number, answer_id in enumerate(rated):
        comment = f"cluster check: answered by server {number + 1}, rated through server {(number + 1) % count + 1}"
        status, _ = call(servers.urls[(number + 1) % count], "POST", "/api/feedback",
                         {"answer_id": answer_id, "rating": "down", "comment": comment}, client="127.0.0.10")
        comments.append(comment if status == 200 else None)
    for url, question in zip(servers.urls, UNANSWERED):
        ask(url, question, "127.0.0.10")
    feedback = _report("feedback", database_url)
    found = {comment for answer in feedback.get("answers", []) for comment in answer["comments"]}
    table.check("reports", "ratings through each server in one `assistant feedback` report",
                None not in comments and set(comments) <= found, f"{len(set(comments) & found)} of {count} ratings")
    unanswered = _report("unanswered", database_url)
    groups = [group for group in unanswered.get("questions", []) if "mandolin" in group["question"]]
    asked = groups[0]["count"] if len(groups) == 1 else 0
    table.check("reports", "one unanswered question asked through each server is one group",
                asked == count, f"{len(groups)} group(s), asked {asked} times")


def check_roll(servers: AppServers, nginx: Nginx, args, table: Table) -> None:
    """Restart the servers one at a time under load, each taken out of nginx first: no question may fail."""
    with Load(nginx.url, args.clients, args.rate) as load:
        for number in range(len(servers.ports)):
            nginx.reload(down={number})
            servers.restart(number)
            nginx.reload()
    table.check("roll", "each server taken out of nginx, restarted, put back, under load",
                load.failed == 0 and load.ok > 0 and servers.same_index(),
                f"{load.failed} failed of {load.sent} questions in {load.ended - load.started:.0f} s; {load.resent} "
                "sent again after nginx closed an idle connection" + (f"; first: {load.errors}" if load.errors else ""))


def measure_speed(servers: AppServers, nginx: Nginx, seconds: float, table: Table) -> None:
    """Measure answers/s through nginx with 1 server and with all, with wrk from one address (the servers now have
    a rate limit out of its way, still counted in Redis)."""
    for count in (1, len(servers.ports)):
        nginx.restart(servers.ports[:count])
        wrk(nginx.url, min(2.0, seconds))  # warm up: each server fills its answer cache
        figures = wrk(nginx.url, seconds)
        table.measure(f"{count} server{'s' * (count > 1)}", figures)
        table.check("speed", f"{count} server{'s' * (count > 1)}: answers without error (wrk)",
                    figures["errors"] == 0 and figures["requests"] > 0, f"{figures['errors']} errors")


def _report(name: str, database_url: str) -> dict:
    """Return `assistant <name> --json` read from the cluster's database; {} when the command failed."""
    done = subprocess.run([sys.executable, "-m", "assistant", name, "--json", "--limit", "1000",
                           "--database", database_url], capture_output=True, text=True, timeout=60)
    if done.returncode:
        print(f"assistant {name} failed: {done.stderr.strip()}", file=sys.stderr)
        return {}
    return json.loads(done.stdout)


def _seconds(waited: float | None, after: str) -> str:
    return f"within {waited:.1f} s {after}" if waited is not None else f"not within {PROPAGATION_S:.0f} s {after}"


if __name__ == "__main__":
    sys.exit(main())
