"""Benchmark: Segue's hand-written IVF index against hnswlib and faiss (HNSW), same vectors, same run.

Synthetic clustered 12-d embeddings like ``bench/playlist_query.py``'s, at each size asked for.
For each index: build time, the process's resident-memory growth while building (from
/proc/self/statm, so C++ allocations count), query time for the 64 nearest neighbours (what a
10-track playlist asks for first) as median and p95 over single queries, and recall@10 against
exact search. Run each size in a fresh process (memory figures stay separate):

    python bench/ann_compare.py --tracks 100000
    python bench/ann_compare.py --tracks 1000000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.library.index import NeighbourIndex  # noqa: E402

K = 64


def rss_mb() -> float:
    """Resident memory of this process in MB."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 1e6


def vectors(n: int, dim: int = 12, seed: int = 0) -> np.ndarray:
    """Clustered embeddings in [-1, 1], as the autoencoder's tanh latent gives."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 1, (200, dim))
    data = np.tanh(centres[rng.integers(0, 200, n)] + rng.normal(0, 0.35, (n, dim)))
    return np.ascontiguousarray(data, dtype=np.float32)


def timed_queries(search, queries: np.ndarray) -> tuple[float, float, list[set[int]]]:  # noqa: ANN001
    """Median and p95 ms of single queries, and the top-10 sets."""
    search(queries[0])
    times, tops = [], []
    for q in queries:
        started = time.perf_counter()
        rows = search(q)
        times.append((time.perf_counter() - started) * 1000)
        tops.append(set(int(r) for r in rows[:10]))
    return float(np.median(times)), float(np.percentile(times, 95)), tops


def main() -> None:
    """Build each index over the same vectors and print one line per index."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    data = vectors(args.tracks)
    queries = data[np.random.default_rng(1).integers(0, len(data), args.queries)]
    exact = NeighbourIndex(data, ann=False)
    truth = [set(int(r) for r in exact.query(q, 10)[0]) for q in queries]
    print(f"{args.tracks} vectors, 12-d, {args.queries} single queries of k={K}; "
          f"threads: {os.environ.get('OMP_NUM_THREADS', 'default')}")

    def report(name: str, build_s: float, memory: float, search) -> None:  # noqa: ANN001
        median, p95, tops = timed_queries(search, queries)
        recall = np.mean([len(t & f) / 10 for t, f in zip(truth, tops, strict=True)])
        print(f"{name:22s} build {build_s:6.1f} s  memory +{memory:6.0f} MB  query median "
              f"{median:6.2f} ms  p95 {p95:6.2f} ms  recall@10 {recall:.3f}")

    base = rss_mb()
    started = time.perf_counter()
    ivf = NeighbourIndex(data, ann=True)
    report("segue IVF (numpy)", time.perf_counter() - started, rss_mb() - base,
           lambda q: ivf.query(q, K)[0])
    ivf = None  # free it before the next build
    try:
        import hnswlib
    except ImportError:
        print("hnswlib not installed")
    else:
        base = rss_mb()
        started = time.perf_counter()
        hnsw = hnswlib.Index(space="l2", dim=data.shape[1])
        hnsw.init_index(max_elements=len(data), ef_construction=100, M=16)
        hnsw.add_items(data, np.arange(len(data)))
        hnsw.set_ef(128)
        report("hnswlib HNSW M=16", time.perf_counter() - started, rss_mb() - base,
               lambda q: hnsw.knn_query(q, k=K)[0][0])
        hnsw = None
    try:
        import faiss
    except ImportError:
        print("faiss not installed")
    else:
        base = rss_mb()
        started = time.perf_counter()
        flat = faiss.IndexHNSWFlat(data.shape[1], 16)
        flat.hnsw.efConstruction = 100
        flat.add(data)
        flat.hnsw.efSearch = 128
        report("faiss HNSW M=16", time.perf_counter() - started, rss_mb() - base,
               lambda q: flat.search(q[None, :], K)[1][0])


if __name__ == "__main__":
    main()
