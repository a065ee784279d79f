"""Timers, percentiles, ranking figures, peak memory and plain-text tables for the benchmarks.

Peak memory is the resident set size (RSS) of a process of its own: each engine builds
and queries in a fresh `spawn` subprocess, which reports its RSS before the build
(interpreter, libraries and the raw texts) and its peak RSS (`ru_maxrss`) at the end.
tracemalloc would miss numpy's and the C extensions' allocations and slow Python down.
"""
from __future__ import annotations

import concurrent.futures
import multiprocessing
import resource
import time
from typing import Callable, Iterable

import numpy as np


def percentiles_ms(seconds: list[float]) -> tuple[float, float]:
    """Return the p50 and p99 of durations in seconds, in milliseconds."""
    if not seconds:
        return float("nan"), float("nan")
    p50, p99 = np.percentile(np.asarray(seconds) * 1000, [50, 99])
    return float(p50), float(p99)


def time_queries(search: Callable[[str], list], questions: list[str], budget: float = float("inf"),
                 minimum: int = 20) -> tuple[list[list], list[float]]:
    """Ask each question once, timing each; stop early after `budget` seconds (but not before `minimum`)."""
    results, durations = [], []
    started = time.perf_counter()
    for question in questions:
        t = time.perf_counter()
        results.append(search(question))
        durations.append(time.perf_counter() - t)
        if len(durations) >= minimum and time.perf_counter() - started > budget:
            break
    return results, durations


def ranking_figures(ranked: Iterable[list[int]], relevant: Iterable[frozenset[int]], k: int = 10) -> dict:
    """Return MRR@k, recall@1 and recall@k: where the first relevant answer id comes in each ranked list."""
    reciprocal, at_1, at_k = [], [], []
    for ids, good in zip(ranked, relevant):
        rank = next((i for i, answer_id in enumerate(ids[:k], 1) if answer_id in good), None)
        reciprocal.append(1 / rank if rank else 0.0)
        at_1.append(rank == 1)
        at_k.append(rank is not None)
    n = len(reciprocal)
    return {"mrr@10": sum(reciprocal) / n, "r@1": sum(at_1) / n, "r@10": sum(at_k) / n, "questions": n}


def rss_mb() -> float:
    """Return this process's current resident set size in MB (Linux /proc)."""
    with open("/proc/self/statm") as file:
        pages = int(file.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_rss_mb() -> float:
    """Return this process's peak resident set size so far in MB (ru_maxrss is in KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _with_memory(function: Callable[..., dict], args: tuple) -> dict:
    result = function(*args)
    result["peak_mb"] = peak_rss_mb()
    return result


def isolated(function: Callable[..., dict], *args) -> dict:
    """Run `function(*args)` in a fresh subprocess and return its result dict plus its peak RSS.

    The function should put `rss_before_mb` (rss_mb() just before building) in its result.
    A subprocess that dies (out of memory, say) gives {"error": ...} instead of raising.
    """
    context = multiprocessing.get_context("spawn")
    with concurrent.futures.ProcessPoolExecutor(max_workers=1, mp_context=context) as pool:
        try:
            return pool.submit(_with_memory, function, args).result()
        except concurrent.futures.process.BrokenProcessPool:
            return {"error": "the subprocess died (killed: out of memory?)"}


def table(rows: list[dict], columns: list[tuple[str, str, str]]) -> str:
    """Return rows as an aligned plain-text table; columns are (key, heading, format)."""
    cells = [[heading for _, heading, _ in columns]]
    for row in rows:
        cells.append([_cell(row.get(key), fmt) for key, _, fmt in columns])
    widths = [max(len(line[i]) for line in cells) for i in range(len(columns))]
    lines = ["  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(line, widths))) for line in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _cell(value, fmt: str) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "-"
    if isinstance(value, str):
        return value
    return format(value, fmt) if fmt else str(value)
