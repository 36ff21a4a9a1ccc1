"""Nearest-neighbour search over embeddings: exact for small libraries, faiss IVF for large ones.

Below :data:`ANN_THRESHOLD` vectors a query is one matrix-vector product (exact). Above it, a
faiss ``IndexIVFFlat`` (k-means coarse quantiser of ``sqrt(n)`` lists; a query scans the
``nprobe`` closest lists) answers in well under a millisecond at a million tracks. faiss
replaced Segue's hand-written numpy IVF after ``bench/ann_compare.py`` (docs/library.md): same
recall@10, p95 query 10.1 ms → under 1 ms at 1M tracks. Results are Euclidean-sorted rows.

The IVF index is built at the second query (``ann=True`` builds it at once): a one-off query, as
a cold ``segue playlist`` makes, is answered exactly (one matrix-vector product: about 20 ms at a
million tracks) instead of importing faiss and training its quantiser first.
"""

from __future__ import annotations

import numpy as np

ANN_THRESHOLD = 50_000
LAZY_AFTER = 1  # exact answers until then: a one-off query (a cold CLI) never builds the index


class NeighbourIndex:
    """Search ``vectors`` (rows) by Euclidean distance; results are row numbers."""

    def __init__(self, vectors: np.ndarray, *, ann: bool | None = None, nlist: int | None = None,
                 nprobe: int = 24, seed: int = 0) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.norms = np.einsum("ij,ij->i", self.vectors, self.vectors)
        n = len(self.vectors)
        self.ann = (n >= ANN_THRESHOLD) if ann is None else bool(ann and n > 0)
        self.nprobe = nprobe
        self._faiss = None
        self._nlist, self._seed = nlist or max(8, int(np.sqrt(n))), seed
        self.queries = 0
        if self.ann and ann:  # asked for explicitly: build now
            self._build_ivf(self._nlist, seed)

    def __len__(self) -> int:
        return len(self.vectors)

    def _build_ivf(self, nlist: int, seed: int) -> None:
        import faiss

        n, dim = self.vectors.shape
        nlist = max(1, min(nlist, n // 39 or 1))  # faiss wants >= 39 training points a list
        quantiser = faiss.IndexFlatL2(dim)
        index = faiss.IndexIVFFlat(quantiser, dim, nlist)
        index.cp.seed = seed
        index.cp.max_points_per_centroid = 64
        index.train(self.vectors)
        index.add(self.vectors)
        index.nprobe = min(self.nprobe, nlist)
        self._quantiser, self._faiss = quantiser, index

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
        k = min(k, len(self.vectors))
        self.queries += 1
        if self.ann and self._faiss is None and self.queries > LAZY_AFTER:
            self._build_ivf(self._nlist, self._seed)
        if self._faiss is not None:
            q = np.ascontiguousarray(np.asarray(query, dtype=np.float32)[None, :])
            d2, rows = self._faiss.search(q, k)
            keep = rows[0] >= 0
            return (rows[0][keep].astype(np.int64),
                    np.sqrt(np.maximum(d2[0][keep], 0.0)).astype(np.float32))
        dist = self.distances(query)
        part = np.argpartition(dist, k - 1)[:k] if k < len(dist) else np.arange(len(dist))
        part = part[np.argsort(dist[part], kind="stable")]
        return part.astype(np.int64), dist[part].astype(np.float32)
