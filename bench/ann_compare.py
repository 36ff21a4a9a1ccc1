"""Benchmark: Segue's former numpy IVF against faiss (IVF-Flat, Segue's index now; HNSW) and hnswlib.

Synthetic clustered 12-d embeddings like ``bench/playlist_query.py``'s, at each size asked for.
For each index: build time, the process's resident-memory growth while building (from
/proc/self/statm, so C++ allocations count), query time for the 64 nearest neighbours (what a
10-track playlist asks for first) as median and p95 over single queries, and recall@10 against
exact search. Run each size in a fresh process (memory figures stay separate):

    python bench/ann_compare.py --tracks 100000
    python bench/ann_compare.py --tracks 1000000

hnswlib comes with the ``bench`` extra (``make bench`` installs it; it builds from source). Without
it the hnswlib line says so and the others still run. ``--quick`` (or ``SEGUE_BENCH_QUICK=1``):
3,000 vectors and 30 queries, a few seconds (``make test`` runs it so the script never rots).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from engine.library.playlists.index import NeighbourIndex  # noqa: E402

FaissIndex = NeighbourIndex  # Segue's index: faiss IVF-Flat above the exact threshold

K = 64


class NumpyIVF:
    """Segue's former hand-written numpy IVF index (engine/library/playlists/index.py before faiss), kept as
    the baseline this bench compares against."""

    def __init__(self, vectors: np.ndarray, nlist: int | None = None, nprobe: int = 24,
                 seed: int = 0) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.norms = np.einsum("ij,ij->i", self.vectors, self.vectors)
        n = len(self.vectors)
        self.ann = True
        self.nprobe = nprobe
        if self.ann:
            self._build_ivf(nlist or max(8, int(np.sqrt(n))), seed)

    def __len__(self) -> int:
        return len(self.vectors)

    def _build_ivf(self, nlist: int, seed: int) -> None:
        from sklearn.cluster import MiniBatchKMeans

        n = len(self.vectors)
        nlist = min(nlist, n)
        sample = self.vectors
        if n > 50 * nlist:
            rows = np.random.default_rng(seed).choice(n, 50 * nlist, replace=False)
            sample = self.vectors[rows]
        kmeans = MiniBatchKMeans(n_clusters=nlist, batch_size=4096, n_init=1, max_iter=30,
                                 random_state=seed).fit(sample)
        self.centroids = kmeans.cluster_centers_.astype(np.float32)
        assign = self._nearest_centroids(self.vectors, 1)[:, 0]
        self.order = np.argsort(assign, kind="stable")
        self.offsets = np.searchsorted(assign[self.order], np.arange(nlist + 1))

    def _nearest_centroids(self, queries: np.ndarray, count: int) -> np.ndarray:
        out = np.empty((len(queries), count), dtype=np.int64)
        c_norms = np.einsum("ij,ij->i", self.centroids, self.centroids)
        for start in range(0, len(queries), 8192):
            block = queries[start : start + 8192]
            d = c_norms[None, :] - 2.0 * block @ self.centroids.T
            if count == 1:
                out[start : start + 8192, 0] = np.argmin(d, axis=1)
            else:
                part = np.argpartition(d, count - 1, axis=1)[:, :count]
                out[start : start + 8192] = part
        return out

    def distances(self, query: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
        """Euclidean distances from ``query`` to ``rows`` (all rows when None)."""
        q = np.asarray(query, dtype=np.float32)
        if rows is None:
            d2 = self.norms - 2.0 * (self.vectors @ q) + float(q @ q)
        else:
            d2 = self.norms[rows] - 2.0 * (self.vectors[rows] @ q) + float(q @ q)
        return np.sqrt(np.maximum(d2, 0.0))

    def query(self, query: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        """Return ``(rows, distances)`` of the ``k`` nearest rows, nearest first."""
        if len(self.vectors) == 0 or k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if self.ann:
            q = np.asarray(query, dtype=np.float32)[None, :]
            lists = self._nearest_centroids(q, min(self.nprobe, len(self.centroids)))[0]
            rows = np.concatenate(
                [self.order[self.offsets[c] : self.offsets[c + 1]] for c in lists]
            )
        else:
            rows = np.arange(len(self.vectors))
        dist = self.distances(query, rows)
        k = min(k, len(rows))
        part = np.argpartition(dist, k - 1)[:k] if k < len(rows) else np.arange(len(rows))
        part = part[np.argsort(dist[part], kind="stable")]
        return rows[part].astype(np.int64), dist[part].astype(np.float32)


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
    parser.add_argument("--indexes", default="ivf,hnswlib,faiss-hnsw,faiss-ivf",
                        help="comma-separated subset to build")
    parser.add_argument("--quick", action="store_true", help="3,000 vectors, a few seconds")
    args = parser.parse_args()
    if args.quick or os.environ.get("SEGUE_BENCH_QUICK", "") not in ("", "0"):
        args.tracks, args.queries = min(args.tracks, 3000), min(args.queries, 30)
    wanted = set(args.indexes.split(","))
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

    if "ivf" in wanted:
        base = rss_mb()
        started = time.perf_counter()
        ivf = NumpyIVF(data)
        report("segue IVF (numpy)", time.perf_counter() - started, rss_mb() - base,
               lambda q: ivf.query(q, K)[0])
        ivf = None  # free it before the next build
    try:
        import hnswlib
    except ImportError:
        hnswlib = None
    if "hnswlib" in wanted and hnswlib is None:
        print(f"{'hnswlib HNSW M=16':22s} skipped: hnswlib is not installed "
              "(pip install -e '.[bench]', or make bench)")
    elif "hnswlib" in wanted:
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
        return
    if "faiss-ivf" in wanted:
        base = rss_mb()
        started = time.perf_counter()
        index = FaissIndex(data, ann=True)
        report("faiss IVF-Flat (Segue)", time.perf_counter() - started, rss_mb() - base,
               lambda q: index.query(q, K)[0])
        index = None
    if "faiss-hnsw" in wanted:
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
