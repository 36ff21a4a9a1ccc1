"""What a playlist query sees: every analysed track's vector, its metadata on demand, an index.

:func:`load_catalogue` reads the chosen embedding's vector snapshot (one blob:
:mod:`engine.library.embeddings.snapshot`) and nothing else; a track's tags (title, artist,
duration, kind, fingerprint…) are fetched from the library the first time a rule looks at it,
in batches (:meth:`Catalogue.prefetch`), and seeds are looked up with SQL
(:func:`.lookup.find_seed`). A cold ``segue playlist`` on a 100k-track library therefore reads a
few MB, not every row.

A :class:`Catalogue` can also be built in memory from plain lists (tests, benchmarks): the rules
see the same columns either way (``catalogue.titles[row]``…).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.library.analysis.tagging import parse_top
from engine.library.playlists.index import NeighbourIndex

FIELDS = ("path", "title", "artist", "album", "genre", "duration", "tempo", "music_score",
          "kind", "fingerprint", "demo", "same_as", "tags")
_META_SQL = ("SELECT t.id, t.path, t.title, t.artist, t.album, t.genre, t.duration, t.tempo, "
             "t.music_score, t.kind, t.fingerprint, t.demo, t.same_as, g.top FROM tracks t "
             "LEFT JOIN track_tags g ON g.track_id = t.id WHERE t.id IN ({ids})")
_GONE = ("", "", "", "", "", 0.0, 0.0, -1.0, "gone", b"", False, None, {})  # removed since


class _Rows:
    """Metadata of a DB-backed catalogue's rows, fetched on first use and kept."""

    def __init__(self, path: Path, ids: np.ndarray) -> None:
        self.path, self.ids = path, ids
        self.rows: dict[int, tuple] = {}
        self._reader: Any = None
        self._lock = threading.Lock()

    def reader(self) -> Any:
        """The open :class:`~engine.library.storage.reader.Reader` (opened once)."""
        if self._reader is None:
            from engine.library.storage.reader import Reader

            self._reader = Reader(self.path)
        return self._reader

    def fetch(self, rows: Sequence[int]) -> None:
        """Load the metadata of ``rows`` not loaded yet (one query per 900)."""
        with self._lock:
            todo = sorted({int(r) for r in rows} - self.rows.keys())
            if not todo:
                return
            reader = self.reader()
            row_of = {int(self.ids[r]): r for r in todo}
            for values in reader.by_ids(_META_SQL, row_of):
                self.rows[row_of[values[0]]] = (reader.path_of(values[1]), *values[2:10],
                                                bytes(values[10] or b""), bool(values[11]),
                                                values[12], parse_top(values[13]))
            for row in todo:
                self.rows.setdefault(row, _GONE)

    def get(self, row: int) -> tuple:
        """The metadata tuple of ``row`` (:data:`FIELDS` order)."""
        found = self.rows.get(row)
        if found is None:
            self.fetch([row])
            found = self.rows[row]
        return found


class _Column(Sequence):
    """One metadata field of a DB-backed catalogue, read row by row."""

    def __init__(self, rows: _Rows, name: str) -> None:
        self._rows, self._field = rows, FIELDS.index(name)

    def __len__(self) -> int:
        return len(self._rows.ids)

    def __getitem__(self, row: Any) -> Any:
        if isinstance(row, slice):
            return [self[r] for r in range(*row.indices(len(self)))]
        return self._rows.get(int(row))[self._field]

    def __iter__(self) -> Iterator[Any]:
        self._rows.fetch(range(len(self)))
        return (self._rows.rows[r][self._field] for r in range(len(self)))


@dataclass
class Catalogue:
    """Parallel columns, one row per analysed track with a vector under ``embedding``."""

    ids: np.ndarray
    vectors: np.ndarray
    paths: Sequence[str]
    titles: Sequence[str]
    artists: Sequence[str]
    albums: Sequence[str]
    genres: Sequence[str]
    durations: Sequence[float]
    tempos: Sequence[float]
    fingerprint: str = ""  # what the vectors were made from (the snapshot's stamp)
    index: NeighbourIndex | None = None
    music_scores: Sequence[float] | None = None  # engine/library/analysis/nonmusic.py; -1: unknown
    prints: Sequence[bytes] | None = None  # Chromaprint (engine/library/analysis/fingerprint.py)
    embedding: str = "features"  # engine/library/embeddings/options.py
    clusters: np.ndarray | None = None  # k-means labels, computed on first use
    kinds: Sequence[str] | None = None  # "music", "speech", "other"; "" before this was known
    demo: Sequence[bool] | None = None  # a bundled demo clip
    same_as: Sequence[int | None] | None = None  # the track whose audio this is (hidden copy)
    tags: Sequence[dict[str, float]] | None = None  # the tagger's shown tags, {tag: probability}
    missing: int = 0  # analysed tracks without a vector under this embedding (not refreshed yet)
    source: _Rows | None = None  # set for a DB-backed catalogue
    _row_of: dict[int, int] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        n = len(self.ids)
        self.music_scores = self.music_scores if self.music_scores is not None else [-1.0] * n
        self.prints = self.prints if self.prints is not None else [b""] * n
        self.kinds = self.kinds if self.kinds is not None else [""] * n
        self.demo = self.demo if self.demo is not None else [False] * n
        self.same_as = self.same_as if self.same_as is not None else [None] * n
        self.tags = self.tags if self.tags is not None else [{}] * n
        if self.index is None:
            self.index = NeighbourIndex(self.vectors)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def row_of(self) -> dict[int, int]:
        """Row of each track id (a dict built on first use; :meth:`row_for` needs none)."""
        if self._row_of is None:
            self._row_of = {int(track_id): row for row, track_id in enumerate(self.ids.tolist())}
        return self._row_of

    def row_for(self, track_id: int) -> int | None:
        """Row of ``track_id`` (None when it has no vector here); ids are sorted ascending."""
        index = int(np.searchsorted(self.ids, int(track_id)))
        return index if index < len(self.ids) and int(self.ids[index]) == int(track_id) else None

    def prefetch(self, rows: Sequence[int]) -> None:
        """Load the metadata of ``rows`` in one go (a no-op in memory)."""
        if self.source is not None:
            self.source.fetch(rows)

    def cluster_labels(self) -> np.ndarray:
        """k-means cluster of every row (as the map colours them), computed once."""
        if self.clusters is None:
            from engine.library.embeddings.options import kmeans_labels

            self.clusters = kmeans_labels(self.vectors)
        return self.clusters

    def kept(self, row: int) -> int:
        """``row``, or the row of the track it is a hidden copy of (when that has a vector)."""
        kept = self.same_as[row]
        found = self.row_for(int(kept)) if kept is not None else None
        return row if found is None else found


def from_vectors(path: Path, ids: np.ndarray, vectors: np.ndarray, embedding: str,
                 made_from: str = "", missing: int = 0) -> Catalogue:
    """A DB-backed catalogue over stored ``vectors`` (metadata read on demand from ``path``)."""
    rows = _Rows(path, ids)
    columns = {name: _Column(rows, name) for name in FIELDS}
    return Catalogue(ids=ids, vectors=vectors, paths=columns["path"], titles=columns["title"],
                     artists=columns["artist"], albums=columns["album"],
                     genres=columns["genre"], durations=columns["duration"],
                     tempos=columns["tempo"], fingerprint=made_from,
                     music_scores=columns["music_score"], prints=columns["fingerprint"],
                     embedding=embedding, kinds=columns["kind"], demo=columns["demo"],
                     same_as=columns["same_as"], tags=columns["tags"], missing=missing,
                     source=rows)


_CACHE: dict[str, Catalogue] = {}


def load_catalogue(source: Any = None, use_cache: bool = True,
                   embedding: str = "features") -> Catalogue:
    """Every analysed track with a vector under ``embedding`` (cached per library and stamp).

    ``source``: a :class:`~engine.library.storage.db.Library`, a
    :class:`~engine.library.storage.reader.Reader` or a path (default: ``SEGUE_HOME``'s library).
    """
    from engine.library.embeddings import snapshot
    from engine.library.storage.reader import Reader

    owned = not isinstance(source, Reader)
    reader = Reader(getattr(source, "path", source)) if owned else source
    try:
        made_from = snapshot.stamp(reader, embedding)
        key = f"{reader.path}:{made_from}"
        if use_cache and key in _CACHE:
            return _CACHE[key]
        ids, vectors, missing = snapshot.load(reader, embedding, made_from=made_from)
    finally:
        if owned:
            reader.close()
    catalogue = from_vectors(reader.path, ids, vectors, embedding, made_from, missing)
    if use_cache:
        _CACHE.clear()
        _CACHE[key] = catalogue
    return catalogue
