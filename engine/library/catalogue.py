"""An in-memory snapshot of the analysed library for fast queries: vectors, tags and an index.

Loaded once from the DB (a 100k-track library loads in about a second) and cached by the
embeddings' fingerprint; playlists and the map query it without touching SQLite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sqlalchemy import select

from engine.library import models as m
from engine.library.db import Library
from engine.library.fspath import display
from engine.library.index import NeighbourIndex


@dataclass
class Catalogue:
    """Parallel arrays, one row per analysed track with an embedding."""

    ids: np.ndarray
    vectors: np.ndarray
    paths: list[str]
    titles: list[str]
    artists: list[str]
    albums: list[str]
    genres: list[str]
    durations: np.ndarray
    tempos: np.ndarray
    fingerprint: str = ""
    row_of: dict[int, int] = field(default_factory=dict)
    index: NeighbourIndex | None = None
    music_scores: np.ndarray | None = None  # engine/library/nonmusic.py; -1 = unknown
    prints: list[bytes] | None = None  # Chromaprint sub-fingerprints (engine/library/fingerprint.py)
    embedding: str = "features"  # engine/library/embedding_options.py
    clusters: np.ndarray | None = None  # k-means labels, computed on first use

    def cluster_labels(self) -> np.ndarray:
        """k-means cluster of every row (as the map colours them), computed once."""
        if self.clusters is None:
            from engine.library.embedding_options import kmeans_labels

            self.clusters = kmeans_labels(self.vectors)
        return self.clusters

    def __post_init__(self) -> None:
        self.row_of = {int(track_id): row for row, track_id in enumerate(self.ids)}
        if self.music_scores is None:
            self.music_scores = np.full(len(self.ids), -1.0, np.float32)
        if self.prints is None:
            self.prints = [b""] * len(self.ids)
        if self.index is None:
            self.index = NeighbourIndex(self.vectors)

    def __len__(self) -> int:
        return len(self.ids)

    def find(self, seed: str | int) -> int:
        """Row of a track given by id, path (absolute, relative to cwd, or a unique end of a
        path), title, or "artist - title" (case-insensitive; a unique part of it will do).

        Raises ``LookupError`` naming the matches when the seed is ambiguous.
        """
        text = str(seed).strip()
        if text.isdigit() and int(text) in self.row_of:
            return self.row_of[int(text)]
        resolved = str(Path(text).expanduser().resolve())
        for row, path in enumerate(self.paths):
            if path == resolved:
                return row
        stages = (
            [row for row, path in enumerate(self.paths) if path.endswith(text)],
            self._titled(text, exact=True),
            self._titled(text, exact=False),
        )
        for matches in stages:
            if len(matches) == 1:
                return matches[0]
            if len(matches) > 1:
                raise LookupError(self._ambiguous(text, matches))
        raise LookupError(f"no analysed track matches '{text}' (give an id, a path, a title or "
                          "\"artist - title\")")

    def _titled(self, text: str, exact: bool) -> list[int]:
        key = " ".join(text.casefold().replace("–", "-").split())
        found = []
        for row, (title, artist) in enumerate(zip(self.titles, self.artists, strict=True)):
            names = [" ".join(title.casefold().split())]
            if artist:
                names.append(" ".join(f"{artist} - {title}".casefold().split()))
            if any(key == n if exact else key in n for n in names):
                found.append(row)
        return found

    def _ambiguous(self, text: str, rows: list[int]) -> str:
        shown = "; ".join(
            f"{self.ids[r]}: {' – '.join(x for x in (self.artists[r], self.titles[r]) if x)}"
            f" ({display(self.paths[r])})" for r in rows[:8])
        more = f"; and {len(rows) - 8} more" if len(rows) > 8 else ""
        return f"'{text}' matches {len(rows)} tracks: {shown}{more}; give the id or the path"


_CACHE: dict[str, Catalogue] = {}


def load_catalogue(library: Library, use_cache: bool = True,
                   embedding: str = "features") -> Catalogue:
    """Load every track that has an embedding (cached per library file and fingerprint).

    ``embedding`` picks the vectors (:mod:`engine.library.embedding_options`); tracks without
    a vector under it are left out.
    """
    rows = []
    with library.transaction() as session:
        query = (
            select(m.Track.id, m.Track.path, m.Track.title, m.Track.artist, m.Track.album,
                   m.Track.genre, m.Track.duration, m.Track.tempo, m.Embedding.vector,
                   m.Embedding.model, m.Track.music_score, m.Track.fingerprint)
            .join(m.Embedding, m.Embedding.track_id == m.Track.id)
            .where(m.Track.status == m.ANALYSED)
            .order_by(m.Track.id)
        )
        rows = session.execute(query).all()
    fingerprint = rows[0][9] if rows else ""
    other = None
    if embedding != "features":
        from engine.library.embedding_options import vectors_for

        other = vectors_for(embedding, library)
        fingerprint += f":{embedding}:{hash(other[1].tobytes())}"
    key = f"{library.path}:{fingerprint}:{len(rows)}"
    if use_cache and key in _CACHE:
        return _CACHE[key]
    if other is not None:
        keep = {int(i): k for k, i in enumerate(other[0])}
        rows = [r for r in rows if r[0] in keep]
        vectors = other[1][[keep[r[0]] for r in rows]] if rows else np.zeros((0, 1), np.float32)
    else:
        dim = len(rows[0][8]) // 4 if rows else 1
        vectors = (
            np.frombuffer(b"".join(r[8] for r in rows), dtype=np.float32).reshape(len(rows), dim)
            if rows
            else np.zeros((0, dim), np.float32)
        )
    catalogue = Catalogue(
        ids=np.asarray([r[0] for r in rows], dtype=np.int64),
        vectors=vectors,
        paths=[r[1] for r in rows],
        titles=[r[2] for r in rows],
        artists=[r[3] for r in rows],
        albums=[r[4] for r in rows],
        genres=[r[5] for r in rows],
        durations=np.asarray([r[6] for r in rows], dtype=np.float32),
        tempos=np.asarray([r[7] for r in rows], dtype=np.float32),
        fingerprint=fingerprint,
        music_scores=np.asarray([r[10] for r in rows], dtype=np.float32),
        prints=[bytes(r[11] or b"") for r in rows],
        embedding=embedding,
    )
    if use_cache:
        _CACHE.clear()
        _CACHE[key] = catalogue
    return catalogue
