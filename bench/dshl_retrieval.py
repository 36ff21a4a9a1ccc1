"""Benchmark DSHL retrieval: the hash index against a brute-force Hamming scan, and composing.

Retrieval = the composer's first stage (exact code lookup, then a growing Hamming radius while
the bucket is empty), at 10k, 100k and 1M indexed codes (synthetic uniform codes, L=8, K=4).
The baseline computes the Hamming distance to every code and keeps the nearest ones: the same
answer (checked), measured in the same run. Prints p50/p99 latencies, the speed-up, the 1M
index's memory, and the warm time to compose 8 segments with the bundled models (4/4 major,
6/8, 9/8, D minor).

Run: ``.venv/bin/python bench/dshl_retrieval.py [--queries 2000]``. Prints figures; not a test.
``--quick`` (or ``SEGUE_BENCH_QUICK=1``): 10k codes only, 200 queries, 3 compose runs, a few
seconds (``make test`` runs it so the script never rots).
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

from engine.dshl.search import HashIndex
from engine.dshl.threads import single_threaded

L, K = 8, 4


def nearest_index(index: HashIndex, query: np.ndarray) -> np.ndarray:
    """The composer's first stage: exact lookup, growing radius until something is found."""
    return index.search(query, min_results=1)[0]


class BruteForce:
    """Baseline: a vectorised scan over codes packed 2 bits per group into uint16 words.

    XOR with the query, fold each 2-bit group to one bit, count with a 64k-entry lookup table,
    keep the codes at the minimum distance. (A naive ``(codes != q).sum(1)`` is ~20x slower.)
    """

    def __init__(self, codes: np.ndarray) -> None:
        shifts = (2 * np.arange(L)).astype(np.uint16)
        self.words = (codes.astype(np.uint16) << shifts).sum(1).astype(np.uint16)
        self.shifts = shifts
        table = np.zeros(1 << 16, dtype=np.uint8)
        for bit in range(0, 16, 2):
            table += ((np.arange(1 << 16) >> bit) & 1).astype(np.uint8)
        self.table = table

    def __call__(self, query: np.ndarray) -> np.ndarray:
        """Ids of the codes nearest to ``query`` (all of them at the minimum distance)."""
        q = np.uint16((query.astype(np.uint16) << self.shifts).sum())
        x = self.words ^ q
        dist = self.table[(x | (x >> 1)) & 0x5555]
        return np.nonzero(dist == dist.min())[0]


def timed(fn, queries: np.ndarray) -> np.ndarray:
    """Per-query latencies in milliseconds."""
    out = np.empty(len(queries))
    for k, q in enumerate(queries):
        start = time.perf_counter()
        fn(q)
        out[k] = (time.perf_counter() - start) * 1000
    return out


def bench_scale(n: int, queries: int, rng: np.random.Generator) -> dict:
    """Latencies of index and brute force over ``n`` random codes."""
    codes = rng.integers(0, K, size=(n, L)).astype(np.uint8)
    index = HashIndex(codes, K)
    qs = rng.integers(0, K, size=(queries, L)).astype(np.uint8)
    brute = BruteForce(codes)
    for q in qs[:20]:  # same answers
        assert sorted(nearest_index(index, q)) == sorted(brute(q))
    for q in qs[:50]:  # warm up
        nearest_index(index, q)
    fast = timed(lambda q: nearest_index(index, q), qs)
    slow = timed(brute, qs[: max(100, queries // (n // 10_000))])
    return {
        "n": n, "index_p50": np.percentile(fast, 50), "index_p99": np.percentile(fast, 99),
        "brute_p50": np.percentile(slow, 50), "brute_p99": np.percentile(slow, 99),
        "memory_mb": index.nbytes() / 1e6,
    }


def bench_compose(runs: int = 30, **options) -> dict | None:
    """Warm time to compose 8 segments with the bundled model (None without a model).

    ``options`` go to the request (e.g. ``meter="6/8"``); a Segue without them is skipped.
    """
    from engine.checkpoint import CheckpointError
    from engine.dshl import api

    try:
        start = time.perf_counter()
        api.compose(api.ComposeRequest(segments=8, seed=0, **options))
        first = (time.perf_counter() - start) * 1000
    except (CheckpointError, ValueError, TypeError) as exc:
        print(f"compose {options or ''}: skipped ({exc})")
        return None
    times, cpu = [], []
    for seed in range(1, runs + 1):
        start, start_cpu = time.perf_counter(), time.thread_time()
        api.compose(api.ComposeRequest(segments=8, seed=seed, **options))
        times.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    return {"first_ms": first, "p50_ms": float(np.percentile(times, 50)),
            "p99_ms": float(np.percentile(times, 99)), "cpu_p50_ms": float(np.percentile(cpu, 50))}


def neural_vs_stacked(runs: int) -> None:
    """Same-run baseline for the stacked second stage: compose with the bundled stacker, then
    with the neural re-ranker alone (the stacker switched off in memory), and print the ratio
    and the stacker's CPU cost per composed step."""
    from engine.checkpoint import CheckpointError
    from engine.dshl import store

    try:
        loaded = store.load_model(family="duple")
    except CheckpointError:
        return
    if loaded.stacker is None:
        print("stacker: none bundled")
        return
    stacked = bench_compose(runs)
    saved, loaded.stacker = loaded.stacker, None
    try:
        neural = bench_compose(runs)
    finally:
        loaded.stacker = saved
    if stacked and neural:
        print(f"compose 8 segments, CPU p50: stacker {stacked['cpu_p50_ms']:.1f} ms "
              f"({stacked['cpu_p50_ms'] / 7:.1f} ms per step, pool {saved.config.pool} + phrase "
              f"slot), neural re-ranker alone {neural['cpu_p50_ms']:.1f} ms: "
              f"{stacked['cpu_p50_ms'] / max(neural['cpu_p50_ms'], 1e-9):.1f}x")


def main() -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=50, help="compose runs (warm)")
    parser.add_argument("--quick", action="store_true", help="10k codes, a few seconds")
    args = parser.parse_args()
    sizes = (10_000, 100_000, 1_000_000)
    if args.quick or os.environ.get("SEGUE_BENCH_QUICK", "") not in ("", "0"):
        sizes, args.queries, args.runs = (10_000,), min(args.queries, 200), min(args.runs, 3)
    rng = np.random.default_rng(0)
    print(f"DSHL retrieval, L={L}, K={K}, {args.queries} queries, one thread")
    print(f"{'codes':>9} {'index p50':>10} {'index p99':>10} {'brute p50':>10} {'brute p99':>10}"
          f" {'speed-up p50':>13} {'memory':>9}")
    with single_threaded():
        for n in sizes:
            r = bench_scale(n, args.queries, rng)
            print(f"{n:>9,} {r['index_p50']:>8.4f}ms {r['index_p99']:>8.4f}ms "
                  f"{r['brute_p50']:>8.3f}ms {r['brute_p99']:>8.3f}ms "
                  f"{r['brute_p50'] / r['index_p50']:>12.0f}x {r['memory_mb']:>7.1f}MB")
    for label, options in ((" in 4/4", {}), (" in 6/8", {"meter": "6/8"}), (" in 9/8", {"meter": "9/8"}),
                           (" in Dm", {"key": "Dm"})):
        compose = bench_compose(args.runs, **options)
        if compose:
            print(f"compose 8 segments{label} (bundled model): first call "
                  f"{compose['first_ms']:.0f} ms (loads model and index), warm p50 "
                  f"{compose['p50_ms']:.1f} ms, p99 {compose['p99_ms']:.1f} ms "
                  f"(CPU time p50 {compose['cpu_p50_ms']:.1f} ms)")
    neural_vs_stacked(args.runs)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f} during the run")


if __name__ == "__main__":
    main()
