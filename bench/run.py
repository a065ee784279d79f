"""Benchmark ours against rank-bm25 and bm25s on MedQuAD, then at growing corpus sizes, then over HTTP.

    python bench/run.py --medquad ../shared/datasets/medquad/medquad.jsonl

Every engine builds and queries in a fresh subprocess, one at a time, so build times,
latencies and peak memory (RSS) are its own. Figures are only comparable within one run.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import measure
import medquad
import scale

HERE = Path(__file__).resolve().parent
ENGINES = ["ours", "ours-bm25", "rank-bm25", "bm25s"]
COLUMNS = [("engine", "engine", ""), ("mrr@10", "MRR@10", ".3f"), ("r@1", "R@1", ".3f"), ("r@10", "R@10", ".3f"),
           ("build_s", "build s", ".1f"), ("p50_ms", "p50 ms", ".2f"), ("p99_ms", "p99 ms", ".2f"),
           ("peak_mb", "peak MB", ".0f"), ("index_mb", "Δ MB", ".0f")]
SCALE_COLUMNS = [("size", "documents", ","), ("engine", "engine", ""), ("units", "indexed units", ","),
                 ("build_s", "build s", ".1f"), ("p50_ms", "p50 ms", ".2f"), ("p99_ms", "p99 ms", ".2f"),
                 ("answer_p50_ms", "answer() p50", ".2f"), ("queries", "queries", ""), ("peak_mb", "peak MB", ".0f"),
                 ("index_mb", "Δ MB", ".0f"), ("note", "note", "")]


def main(argv: list[str] | None = None) -> int:
    """Run the MedQuAD comparison, the scale series and the HTTP load; print tables; write the JSON."""
    args = parse_args(argv)
    if not args.medquad.is_file():
        sys.exit(f"MedQuAD file '{args.medquad}' does not exist; pass --medquad PATH (a medquad.jsonl)")
    results = {"command": " ".join(["python", "bench/run.py", *(argv if argv is not None else sys.argv[1:])]),
               "machine": machine(), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    results["medquad"] = run_medquad(args)
    results["scale"] = [] if not args.scale else run_scale(args)
    results["http"] = None if args.skip_http else run_http(args)
    results["targets"] = targets(results["medquad"], results["scale"])
    print_targets(results["targets"])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"\nFigures written to {args.out}")
    return 0


def parse_args(argv):
    """Return the command line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--medquad", type=Path, required=True, help="MedQuAD medquad.jsonl (not kept in the repo)")
    parser.add_argument("--questions", type=int, default=1000, help="questions sampled from MedQuAD (default 1000)")
    parser.add_argument("--seed", type=int, default=13, help="seed of the question and scale samples")
    parser.add_argument("--scale", type=sizes, default=sizes("1000,10000,100000,1000000"),
                        help="corpus sizes in documents of one passage each ('' to skip; default 1000,10000,100000,1000000)")
    parser.add_argument("--scale-questions", type=int, default=300, help="questions timed at each size (default 300)")
    parser.add_argument("--query-budget", type=float, default=30.0,
                        help="seconds of querying per engine and size, after at least 20 questions (default 30)")
    parser.add_argument("--build-budget", type=float, default=900.0,
                        help="skip a size whose build, extrapolated from the size before, would take longer (default 900 s)")
    parser.add_argument("--engines", type=engines, default=ENGINES,
                        help=f"engines to run, comma-separated (default {','.join(ENGINES)})")
    parser.add_argument("--skip-http", action="store_true", help="skip the HTTP load test")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "latest.json", help="where to write the figures as JSON")
    return parser.parse_args(argv)


def engines(text: str) -> list[str]:
    """Return "ours,bm25s" as ["ours", "bm25s"], refusing names that are not engines."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in ENGINES]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown engine {', '.join(unknown) or text!r}; choose from {', '.join(ENGINES)}")
    return names


def sizes(text: str) -> list[int]:
    """Return "1000,10_000" as [1000, 10000]."""
    return [int(size) for size in text.replace("_", "").split(",") if size.strip()]


def machine() -> dict:
    """Return what the figures were measured on."""
    return {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
            "memory_gb": round(available_mb(total=True) / 1024, 1)}


def available_mb(total: bool = False) -> float:
    """Return MemAvailable (or MemTotal) from /proc/meminfo in MB."""
    key = "MemTotal:" if total else "MemAvailable:"
    with open("/proc/meminfo") as file:
        return next(int(line.split()[1]) for line in file if line.startswith(key)) / 1024


def run_medquad(args) -> list[dict]:
    """Build and query each engine over MedQuAD's answers; print the table and the ratios."""
    print(f"MedQuAD: {args.questions} questions (seed {args.seed}), every distinct answer a document\n")
    rows = []
    for name in args.engines:
        row = measure.isolated(medquad.evaluate, name, args.medquad, args.questions, args.seed)
        row.setdefault("engine", name)
        if "peak_mb" in row and "rss_before_mb" in row:
            row["index_mb"] = row["peak_mb"] - row["rss_before_mb"]
        rows.append(row)
        print(f"  {name}: done" + (f" ({row['error']})" if "error" in row else ""), flush=True)
    ours = rows[0]
    shown = list(rows)
    for row in rows:
        if "answer_p50_ms" in row:
            shown.append({"engine": f"{row['engine']}, full answer()", "p50_ms": row["answer_p50_ms"],
                          "p99_ms": row["answer_p99_ms"]})
    for row in rows[1:]:
        shown.append(ratio_row(ours, row))
    print()
    print(measure.table(shown, COLUMNS))
    if ours.get("stages"):
        stages = ours["stages"]
        print(f"\nours: {ours['documents']:,} documents -> {ours['units']:,} passages; build "
              + ", ".join(f"{stage} {stages[stage]:.1f} s" for stage in ("ingest", "chunking", "embedding", "tokenizing",
                                                                  "statistics")
                          if stage in stages))
    print("Δ MB: peak RSS minus RSS before the build (interpreter, libraries and raw texts already loaded).\n")
    return rows


def ratio_row(ours: dict, other: dict) -> dict:
    """Return ours / other for each figure, as a table row of strings ("0.05x": 20 times lower)."""
    row = {"engine": f"ours / {other['engine']}"}
    for key, _, _ in COLUMNS[1:]:
        if isinstance(ours.get(key), float) and isinstance(other.get(key), float) and other[key]:
            value = ours[key] / other[key]
            row[key] = f"{value:.3g}x"
    return row


def run_scale(args) -> list[dict]:
    """Build and query each engine at each size, skipping a size that would outgrow memory or the budget."""
    print(f"Scale: documents of ~{scale.DOCUMENT_CHARS} characters (sampled MedQuAD sentences), "
          f"up to {args.scale_questions} questions or {args.query_budget:.0f} s of querying each\n")
    rows, last = [], {}
    for size in args.scale:
        for name in args.engines:
            reason = too_big(last.get(name), size, args.build_budget)
            if reason:
                row = {"engine": name, "size": size, "note": f"skipped: {reason}"}
            else:
                row = measure.isolated(scale.measure_size, name, args.medquad, size, args.seed,
                                       args.scale_questions, args.query_budget)
                row.setdefault("engine", name)
                row.setdefault("size", size)
                if "error" in row:
                    row["note"] = row["error"]
                else:
                    row["index_mb"] = row["peak_mb"] - row["rss_before_mb"]
                    last[name] = row
            rows.append(row)
            print(f"  {size:,} {name}: {row.get('note') or 'done'}", flush=True)
    print()
    print(measure.table(rows, SCALE_COLUMNS))
    print("indexed units: passages for ours, documents for the baselines.\n")
    return rows


def too_big(previous: dict | None, size: int, build_budget: float) -> str:
    """Return why a size should be skipped, extrapolating linearly from the engine's previous size, or ''."""
    if previous is None:
        return ""
    factor = size / previous["size"]
    memory = previous["rss_before_mb"] + previous["index_mb"] * factor
    if memory > 0.9 * available_mb():
        return f"needs about {memory / 1024:.0f} GB, {available_mb() / 1024:.0f} GB free"
    if previous["build_s"] * factor > build_budget:
        return f"build would take about {previous['build_s'] * factor:.0f} s (> --build-budget {build_budget:.0f})"
    return ""


def run_http(args) -> dict | None:
    """Load-test /api/answer next to /api/health with bench/http_load.py, when it is there."""
    script = HERE / "http_load.py"
    if not script.is_file():
        print("HTTP: skipped (bench/http_load.py is not there yet)\n")
        return None
    print("HTTP: bench/http_load.py\n", flush=True)
    done = subprocess.run([sys.executable, str(script)], text=True, capture_output=True)
    print(done.stdout + done.stderr)
    return {"returncode": done.returncode, "output": done.stdout}


def targets(rows: list[dict], scale_rows: list[dict]) -> list[dict]:
    """Return the issue's targets, each with the figure measured and whether it is met.

    Ours is timed two ways: the ranking the quality figures come from (answer.rank with
    k=100, folded into 10 documents) and the product's answer() (top 3, best sentence, citations).
    """
    by = {row["engine"]: row for row in rows if "error" not in row}
    hybrid, bm25_only, plain = by.get("ours"), by.get("ours-bm25"), by.get("rank-bm25")
    found = []
    if hybrid:
        found.append(("hybrid MRR@10 at least 0.60", hybrid["mrr@10"], ">=", 0.60, ".3f"))
        found.append(("hybrid build at most 15 min (s)", hybrid["build_s"], "<=", 900, ".0f"))
        if "answer_p50_ms" in hybrid:
            found.append(("hybrid answer() p50 at most 20 ms", hybrid["answer_p50_ms"], "<=", 20, ".2f"))
    if bm25_only and plain:
        found.append(("BM25-only MRR@10 above rank-bm25", bm25_only["mrr@10"] - plain["mrr@10"], ">=", 0, "+.3f"))
    return [{"target": name, "measured": format(value, fmt), "met": value >= bound if op == ">=" else value <= bound}
            for name, value, op, bound, fmt in found]


def print_targets(found: list[dict]) -> None:
    print("Targets")
    for target in found:
        print(f"  {'met    ' if target['met'] else 'NOT met'}  {target['target']}: {target['measured']}")


if __name__ == "__main__":
    sys.exit(main())
