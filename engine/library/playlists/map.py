"""The library's map: every recording's vector projected to 2-D (PCA), labelled by genre or cluster.

:func:`library_map` reads the stored vectors of an embedding option (no torch) and leaves out
hidden copies of the same audio (one point per recording); the panel draws it
(``app/widgets/library_map.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress
from engine.library.storage.errors import user_errors
from engine.library.storage.reader import Reader


@dataclass
class MapPoints:
    """2-D PCA of the embeddings, with a label per point (genre, or k-means cluster)."""

    ids: np.ndarray
    xy: np.ndarray
    labels: list[str]
    titles: list[str]
    paths: list[str]
    artists: list[str] = field(default_factory=list)

    def label(self, index: int) -> str:
        """"Artist – Title" of point ``index`` (the map's hover label)."""
        artist = self.artists[index] if index < len(self.artists) else ""
        return " – ".join(x for x in (artist, self.titles[index]) if x)


@user_errors
def library_map(colour_by: str = "genre", library_path: str | Path | None = None,
                progress: ProgressFn = no_progress,
                cancelled: CancelledFn = never_cancelled, refit: bool = False,
                embedding: str = "features") -> MapPoints:
    """Project every embedding to 2-D and label it by genre or by cluster.

    Reads the stored vectors (no torch); ``refit=True`` refreshes the embeddings first (a scan's
    job, here for a caller that wants it).
    """
    from engine.library.embeddings.options import kmeans_labels
    from engine.library.playlists.catalogue import load_catalogue

    if refit:
        from engine.library.embeddings.autoencoder_store import refresh_embeddings
        from engine.library.storage.db import Library

        with Library(library_path) as library:
            refresh_embeddings(library, progress, cancelled)
    with Reader(library_path) as reader:
        catalogue = load_catalogue(reader, embedding=embedding)
        visible = [r for r in range(len(catalogue)) if catalogue.same_as[r] is None]
    vectors = catalogue.vectors[visible] if len(catalogue) else catalogue.vectors
    if len(vectors) >= 2:
        centred = vectors - vectors.mean(axis=0)
        _, _, vt = np.linalg.svd(centred[: min(len(centred), 20000)], full_matrices=False)
        xy = centred @ vt[:2].T
    else:
        xy = np.zeros((len(vectors), 2), np.float32)
    if colour_by == "cluster" and len(vectors) >= 2:
        labels = [f"cluster {c + 1}" for c in kmeans_labels(vectors)]
    else:
        labels = [catalogue.genres[r] or "unknown" for r in visible]
    return MapPoints(catalogue.ids[visible], xy.astype(np.float32), labels,
                     [catalogue.titles[r] for r in visible], [catalogue.paths[r] for r in visible],
                     [catalogue.artists[r] for r in visible])
