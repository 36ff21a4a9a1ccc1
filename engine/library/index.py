"""Nearest-neighbour search over embeddings: exact for small libraries, an IVF index for large ones.

Below :data:`ANN_THRESHOLD` vectors a query is one matrix-vector product (exact). Above it, an
inverted-file index (k-means coarse quantiser; a query scans the ``nprobe`` closest lists) keeps a
query at a few milliseconds for 100k+ tracks. Both return squared-Euclidean-sorted candidates.
"""

from __future__ import annotations

import numpy as np

ANN_THRESHOLD = 50_000


class NeighbourIndex:
    """Search ``vectors`` (rows) by Euclidean distance; results are row numbers."""

    def __init__(self, vectors: np.ndarray, *, ann: bool | None = None, nlist: int | None = None,
                 nprobe: int = 24, seed: int = 0) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        self.norms = np.einsum("ij,ij->i", self.vectors, self.vectors)
        n = len(self.vectors)
        self.ann = (n >= ANN_THRESHOLD) if ann is None else bool(ann and n > 0)
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
