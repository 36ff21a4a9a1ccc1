"""Playlists from seed tracks (or a path between two tracks) under bliss-style rules.

Candidates come from the nearest-neighbour index in embedding space (distance to the closest seed);
a greedy pass then keeps the nearest candidate that satisfies every rule: no repeat of an artist or
album within N tracks, no duplicate of the same song (same normalised title and artist, close
duration) nor of the same audio (acoustic fingerprint), no non-music (speech, field recordings:
:mod:`engine.library.analysis.kind`) unless asked, a maximum tempo jump, a length or a total
duration, seeds excluded unless asked, only tracks showing a tag when asked (``--tag jazz``). Two
rules hold whatever is asked: no track twice (the same row, or the same audio by fingerprint), and
a hidden copy of another track's audio (a bundled demo clip whose audio is also the user's own
file: ``same_as``) is never taken; a seed given as such a copy stands for the kept track. Two rules
from the seeds' embeddings (issue 12): "like A, but more like B" steering moves every seed's query
by ``alpha·(z_B − z_A)``, and "stay within the seed's cluster" keeps only tracks of the seeds'
k-means clusters.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np

from engine.library.analysis.fingerprint import same_audio
from engine.library.analysis.nonmusic import is_music
from engine.library.embeddings.choices import DEFAULT
from engine.library.playlists.catalogue import Catalogue
from engine.library.playlists.items import PlaylistItem
from engine.library.playlists.lookup import find_seed, rows_with_tags


@dataclass
class PlaylistRules:
    """What a playlist must respect (stored as JSON with a saved playlist)."""

    length: int | None = 10
    max_duration: float | None = None  # seconds; stop before the total would exceed it
    no_repeat_artist: int = 0  # no track by the same artist within this many tracks
    no_repeat_album: int = 0
    dedupe_songs: bool = True
    duplicate_seconds: float = 5.0
    max_tempo_jump: float | None = None  # BPM between consecutive tracks
    include_seeds: bool = False
    include_non_music: bool = False  # speech, effects, field recordings (analysis/kind.py)
    embedding: str = DEFAULT  # an option of engine/library/embeddings/options.py
    steer_from: str | None = None  # "like A" (default: the first seed) ...
    steer_to: str | None = None  # ... "but more like B": query = seed + alpha·(B − A)
    steer_alpha: float = 0.5
    same_cluster: bool = False  # keep to the seeds' k-means clusters (KNN within the cluster)
    tags: tuple[str, ...] = ()  # only tracks showing one of these tagger tags (any case)

    def as_dict(self) -> dict[str, object]:
        """Plain dict (JSON)."""
        return asdict(self)


_BRACKETED = re.compile(r"[\(\[][^\)\]]*[\)\]]")
_REMARK = re.compile(r"\s-\s.*(remaster|live|version|mix|edit).*$")
_FEATURING = re.compile(r"\b(feat|ft)\..*$")
_NON_WORD = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=1 << 16)
def normalise(text: str) -> str:
    """Lower-case, accent-free, without bracketed remarks, "feat." or punctuation (cached: the
    rules compare the same artists and titles many times per playlist)."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    text = _BRACKETED.sub(" ", text)
    text = _REMARK.sub(" ", text)
    text = _FEATURING.sub(" ", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def music(catalogue: Catalogue, row: int) -> bool:
    """Whether ``row`` is music: its kind, or the legacy score for a track analysed before kinds."""
    kind = catalogue.kinds[row]
    if kind:
        return kind == "music"
    return is_music(float(catalogue.music_scores[row]))


class _Rules:
    """Checks one candidate row against the playlist built so far."""

    def __init__(self, catalogue: Catalogue, rules: PlaylistRules) -> None:
        self.c = catalogue
        self.r = rules
        self.chosen: list[int] = []
        self.songs: list[tuple[str, str, float]] = []
        self.heard: list[int] = []  # rows of the seeds and chosen tracks, for fingerprints
        self.total = 0.0

    def song_key(self, row: int) -> tuple[str, str, float]:
        return (normalise(self.c.titles[row]), normalise(self.c.artists[row]),
                float(self.c.durations[row]))

    def is_duplicate(self, row: int) -> bool:
        """True when ``row`` may not be taken: a hidden copy of another track, the same audio
        (fingerprint) as a track already in (or a seed of) the playlist, non-music unless asked
        for, or — unless duplicates are allowed — the same song (normalised title and artist,
        close duration)."""
        if self.c.same_as[row] is not None or self.c.kinds[row] == "gone":
            return True
        if not self.r.include_non_music and not music(self.c, row):
            return True
        title, artist, duration = self.song_key(row)
        if self.r.dedupe_songs and title and any(
                title == t and artist == a and abs(duration - d) <= self.r.duplicate_seconds
                for t, a, d in self.songs):
            return True
        mine = self.c.prints[row]
        return bool(mine) and any(
            abs(duration - float(self.c.durations[other])) <= self.r.duplicate_seconds
            and same_audio(mine, self.c.prints[other]) for other in self.heard)

    def fits_window(self, row: int) -> bool:
        for window, values in ((self.r.no_repeat_artist, self.c.artists),
                               (self.r.no_repeat_album, self.c.albums)):
            name = normalise(values[row])
            if window > 0 and name and any(
                normalise(values[prev]) == name for prev in self.chosen[-window:]
            ):
                return False
        return True

    def fits_tempo(self, row: int, previous: int | None) -> bool:
        jump = self.r.max_tempo_jump
        if jump is None or previous is None:
            return True
        a, b = float(self.c.tempos[row]), float(self.c.tempos[previous])
        return a <= 0 or b <= 0 or abs(a - b) <= jump

    def fits_duration(self, row: int) -> bool:
        limit = self.r.max_duration
        return limit is None or self.total + float(self.c.durations[row]) <= limit

    def accept(self, row: int) -> None:
        self.chosen.append(row)
        self.heard.append(row)
        self.songs.append(self.song_key(row))
        self.total += float(self.c.durations[row])

    def full(self) -> bool:
        return self.r.length is not None and len(self.chosen) >= self.r.length


def _item(catalogue: Catalogue, row: int, distance: float) -> PlaylistItem:
    return PlaylistItem(int(catalogue.ids[row]), catalogue.paths[row], catalogue.artists[row],
                        catalogue.titles[row], float(distance), float(catalogue.durations[row]))


def resolve(catalogue: Catalogue, seed: str | int) -> int:
    """The row of ``seed``; a hidden copy (``same_as``) stands for the track it copies."""
    return catalogue.kept(find_seed(catalogue, seed))


def steered_queries(catalogue: Catalogue, seed_rows: list[int], rules: PlaylistRules
                    ) -> list[np.ndarray]:
    """One query vector per seed: the seed's vector, moved by ``alpha·(z_B − z_A)`` when the
    rules ask for "like A, but more like B" (A defaults to the first seed)."""
    queries = [catalogue.vectors[row] for row in seed_rows]
    if not rules.steer_to:
        return queries
    a = resolve(catalogue, rules.steer_from) if rules.steer_from else seed_rows[0]
    b = resolve(catalogue, rules.steer_to)
    shift = float(rules.steer_alpha) * (catalogue.vectors[b] - catalogue.vectors[a])
    return [q + shift for q in queries]


def _candidates(catalogue: Catalogue, queries: list[np.ndarray], count: int,
                allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Rows nearest to any query (distance to the closest one), nearest first; only
    ``allowed`` rows when given (searched exactly)."""
    best: dict[int, float] = {}
    for query in queries:
        if allowed is not None:
            diff = catalogue.vectors[allowed] - np.asarray(query, np.float32)
            dist = np.sqrt(np.einsum("ij,ij->i", diff, diff))
            order = np.argsort(dist, kind="stable")[:count]
            rows, dist = allowed[order], dist[order]
        else:
            rows, dist = catalogue.index.query(query, count)
        for row, d in zip(rows.tolist(), dist.tolist(), strict=True):
            if d < best.get(row, np.inf):
                best[row] = d
    order = sorted(best, key=best.__getitem__)
    return np.asarray(order, np.int64), np.asarray([best[r] for r in order], np.float32)


def build_playlist(catalogue: Catalogue, seeds: list[str | int], rules: PlaylistRules | None = None
                   ) -> list[PlaylistItem]:
    """Build a playlist around ``seeds`` (track ids or paths) in ``catalogue`` under ``rules``."""
    rules = rules or PlaylistRules()
    seed_rows = list(dict.fromkeys(resolve(catalogue, s) for s in seeds))
    if not seed_rows:
        raise ValueError("a playlist needs at least one seed track")
    catalogue.prefetch(seed_rows)
    state = _Rules(catalogue, rules)
    items: list[PlaylistItem] = []
    for row in seed_rows:
        if rules.include_seeds and not state.full():
            state.accept(row)
            items.append(_item(catalogue, row, 0.0))
        else:
            state.songs.append(state.song_key(row))
            state.heard.append(row)
    allowed = None
    if rules.tags:
        allowed = rows_with_tags(catalogue, rules.tags)
    pool = len(catalogue) if allowed is None else len(allowed)
    want = (rules.length or len(catalogue)) + len(seed_rows)
    count = min(pool, max(64, 8 * want))
    queries = steered_queries(catalogue, seed_rows, rules)
    clusters = catalogue.cluster_labels() if rules.same_cluster else None
    in_cluster = {int(clusters[r]) for r in seed_rows} if clusters is not None else set()
    while True:
        rows, dist = _candidates(catalogue, queries, count, allowed)
        remaining = [(r, d) for r, d in zip(rows.tolist(), dist.tolist(), strict=True)
                     if r not in seed_rows and r not in state.chosen
                     and (clusters is None or int(clusters[r]) in in_cluster)]
        catalogue.prefetch([r for r, _ in remaining])
        _greedy(state, remaining, items, catalogue, seed_rows[-1])
        if state.full() or count >= pool:
            return items
        count = min(pool, count * 4)


def _greedy(state: _Rules, remaining: list[tuple[int, float]], items: list[PlaylistItem],
            catalogue: Catalogue, first_previous: int) -> None:
    """Repeatedly take the nearest remaining candidate that fits every rule."""
    while remaining and not state.full():
        previous = state.chosen[-1] if state.chosen else first_previous
        for position, (row, distance) in enumerate(remaining):
            if state.is_duplicate(row):
                continue
            if state.fits_window(row) and state.fits_tempo(row, previous) and \
                    state.fits_duration(row):
                state.accept(row)
                items.append(_item(catalogue, row, distance))
                del remaining[position]
                break
        else:
            return


def build_path(catalogue: Catalogue, start: str | int, end: str | int,
               rules: PlaylistRules | None = None) -> list[PlaylistItem]:
    """Walk the embedding from ``start`` to ``end``: both ends plus the nearest stops between
    (every stop under the same rules as a playlist: no non-music unless asked, no audio twice)."""
    rules = rules or PlaylistRules()
    a, b = resolve(catalogue, start), resolve(catalogue, end)
    length = max(2, rules.length or 10)
    catalogue.prefetch([a, b])
    state = _Rules(catalogue, rules)
    state.accept(a)
    items = [_item(catalogue, a, 0.0)]
    state.songs.append(state.song_key(b))
    state.heard.append(b)
    va, vb = catalogue.vectors[a], catalogue.vectors[b]
    for step in range(1, length - 1):
        target = va + (vb - va) * (step / (length - 1))
        rows, dist = catalogue.index.query(target, min(len(catalogue), 64 + 4 * length))
        catalogue.prefetch(rows.tolist())
        for row, distance in zip(rows.tolist(), dist.tolist(), strict=True):
            if row in (a, b) or row in state.chosen or state.is_duplicate(row):
                continue
            if state.fits_window(row) and state.fits_tempo(row, state.chosen[-1]):
                state.accept(row)
                items.append(_item(catalogue, row, distance))
                break
    items.append(_item(catalogue, b, 0.0))
    return items
