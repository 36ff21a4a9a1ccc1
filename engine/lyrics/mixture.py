"""The bundled writers' predictor: the writer's LSTM interpolated with n-grams and a song cache.

``P(c | h) = Σ_j w_j[b(h)] · P_j(c | h)`` over four components:

- ``lstm``: the writer's character LSTM;
- ``kn_all``: interpolated modified Kneser-Ney (:mod:`engine.lyrics.ngram_kn`) on exactly the text
  the LSTM was trained on (the base stream, then the writer's training songs);
- ``kn_own``: the same on the writer's own training songs;
- ``cache``: an interpolated Witten-Bell character n-gram (order :data:`CACHE_ORDER`) over the song
  so far — refrains and repeated words (Kuhn & De Mori's cache, at the character level).

The weights depend on a bucket ``b``: how long a context the cache has seen in this song (0 to
:data:`BUCKETS` − 1), so a repeated refrain leans on the cache and a fresh line on the models. The
KN orders, and the weights (EM, smoothed toward one global weight vector), are tuned per writer on
its **selection songs only** by :func:`engine.lyrics.mixture_tune.tune_bundled` (``segue lyrics
tune-mixture``) and stored in ``assets/models/lyrics/mixture.json`` beside the checkpoints, with
each checkpoint's SHA-256, so stale weights are refused. ``segue eval lyrics`` scores this as
``model``; constrained decoding ranks candidate lines by it. Artists without an entry (users' own)
use their LSTM alone.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.logsetup import get_logger

log = get_logger(__name__)

COMPONENTS = ("lstm", "kn_all", "kn_own", "cache")
CACHE_ORDER = 7
BUCKETS = 7
MIXTURE_FILE = "mixture.json"
FORMAT = 1


class SongCache:
    """Witten-Bell character n-gram over the song read so far (reset at every song break)."""

    def __init__(self, vocab_size: int, newline: int, order: int = CACHE_ORDER) -> None:
        self.vocab_size = vocab_size
        self.newline = newline
        self.order = order
        self.counts: dict[tuple[int, ...], dict[int, int]] = {}
        self.totals: dict[tuple[int, ...], int] = {}
        self.song: list[int] = []
        self.last = -1

    def reset(self) -> None:
        """Forget the song (a new one starts)."""
        self.counts, self.totals, self.song = {}, {}, []

    def _add(self, hist: list[int], c: int, counts: dict, totals: dict,
             fresh: dict | None = None) -> None:
        """Count ``c`` after every context of ``hist``; ``fresh`` (for an overlay on this cache)
        counts the symbols new to each context."""
        n = len(hist)
        for k in range(min(self.order, n + 1)):
            ctx = tuple(hist[n - k:]) if k else ()
            row = counts.get(ctx)
            if row is None:
                row = counts[ctx] = {}
            if fresh is not None and c not in row:
                base = self.counts.get(ctx)
                if base is None or c not in base:
                    fresh[ctx] = fresh.get(ctx, 0) + 1
            row[c] = row.get(c, 0) + 1
            totals[ctx] = totals.get(ctx, 0) + 1

    def feed(self, ids: Sequence[int]) -> None:
        """Read ids (a blank line — two newlines in a row — starts a new song)."""
        for c in ids:
            if c == self.newline and self.last == self.newline:
                self.reset()
            else:
                self._add(self.song, c, self.counts, self.totals)
                self.song.append(c)
            self.last = c

    def branch(self, prefix: Sequence[int]) -> SongCache:
        """A copy of this cache that has also read ``prefix`` (this one is unchanged)."""
        twin = SongCache(self.vocab_size, self.newline, self.order)
        twin.counts = {ctx: dict(row) for ctx, row in self.counts.items()}
        twin.totals = dict(self.totals)
        twin.song, twin.last = list(self.song), self.last
        twin.feed(prefix)
        return twin

    def _probs(self, hist: list[int], cs: Sequence[int], extra: tuple[dict, dict, dict] | None = None
               ) -> tuple[list[float], int]:
        """``P(c | hist)`` for each ``c`` of ``cs``, and how many context lengths the song has seen."""
        n = len(hist)
        ps = [1.0 / self.vocab_size] * len(cs)
        match = 0
        counts, totals = self.counts, self.totals
        for k in range(min(self.order, n + 1)):
            ctx = tuple(hist[n - k:]) if k else ()
            total = totals.get(ctx, 0)
            row = counts.get(ctx)
            types = len(row) if row else 0
            erow = extra[0].get(ctx) if extra else None
            if erow:
                total += extra[1][ctx]  # type: ignore[index]
                types += extra[2].get(ctx, 0)  # type: ignore[index]
            if not total:
                break
            denom = total + types
            for j, c in enumerate(cs):
                seen = (row.get(c, 0) if row else 0) + (erow.get(c, 0) if erow else 0)
                ps[j] = (seen + types * ps[j]) / denom
            match = k + 1
        return ps, match

    def _prob(self, hist: list[int], c: int, extra: tuple[dict, dict, dict] | None = None
              ) -> tuple[float, int]:
        ps, match = self._probs(hist, (c,), extra)
        return ps[0], match

    def score(self, seq: Sequence[int], also: int | None = None, prefix: Sequence[int] = ()
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Probabilities of ``seq``'s ids read after the song (each id joins the cache once read).

        Returns ``(p, match, p_also, match_also)``: ``p[i]``/``match[i]`` for ``seq[i]``, and, when
        ``also`` is given, the probability of ``also`` (e.g. a newline) at each of the
        ``len(seq) + 1`` positions. ``prefix`` is read first, unscored. The cache is unchanged.
        """
        hist = list(self.song)
        extra: tuple[dict, dict, dict] = ({}, {}, {})
        for c in prefix:
            self._add(hist, c, *extra)
            hist.append(c)
        size = len(seq)
        p, pa = [0.0] * size, [0.0] * (size + 1)
        m = [0] * (size + 1)
        for i, c in enumerate(seq):
            if also is not None:
                (p[i], pa[i]), m[i] = self._probs(hist, (c, also), extra)
            else:
                (p[i],), m[i] = self._probs(hist, (c,), extra)
            self._add(hist, c, *extra)
            hist.append(c)
        if also is not None:
            (pa[size],), m[size] = self._probs(hist, (also,), extra)
        match = np.asarray(m, dtype=np.int64)
        return np.asarray(p), match[:size], np.asarray(pa), match


def cache_stream(vocab: Any, text: str, context: str = "\n\n") -> tuple[np.ndarray, np.ndarray]:
    """Cache probability and match length of every character of a ``song + "\\n\\n"`` stream."""
    cache = SongCache(len(vocab), vocab.stoi["\n"])
    cache.feed(vocab.encode(context))
    ids = vocab.encode(text)
    p, m = np.zeros(len(ids)), np.zeros(len(ids), dtype=np.int64)
    for i, c in enumerate(ids):
        p[i], m[i] = cache._prob(cache.song, c, None)
        cache.feed([c])
    return p, m


def bucket(match: np.ndarray) -> np.ndarray:
    """The weight bucket of each position: the cache's match length, capped."""
    return np.minimum(np.asarray(match, dtype=np.int64), BUCKETS - 1)


@dataclass
class MixtureWeights:
    """One writer's tuned mixture: KN orders and own-weight, and per-bucket component weights."""

    kn_orders: tuple[int, int]
    kn_own_weight: float
    weights: np.ndarray  # (BUCKETS, len(COMPONENTS))
    model_sha: str = ""
    selection_nats: dict[str, float] = field(default_factory=dict)

    def mix(self, probs: np.ndarray, match: np.ndarray) -> np.ndarray:
        """Mixture probability of each row of ``probs`` ``(n, components)``."""
        return (self.weights[bucket(match)] * probs).sum(axis=1)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``mixture.json``."""
        return {"kn_orders": list(self.kn_orders), "kn_own_weight": self.kn_own_weight,
                "components": list(COMPONENTS), "cache_order": CACHE_ORDER,
                "weights": [[round(float(x), 5) for x in row] for row in self.weights],
                "model_sha": self.model_sha, "selection_nats": self.selection_nats}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> MixtureWeights:
        """Read one writer's entry of ``mixture.json`` (ValueError if it has another shape)."""
        w = np.asarray(d["weights"], dtype=np.float64)
        if w.shape != (BUCKETS, len(COMPONENTS)) or list(d.get("components", COMPONENTS)) != list(COMPONENTS):
            raise ValueError("mixture weights of another shape")
        w = w / w.sum(axis=1, keepdims=True)
        return cls(tuple(d["kn_orders"]), float(d["kn_own_weight"]), w,  # type: ignore[arg-type]
                   str(d.get("model_sha", "")), dict(d.get("selection_nats", {})))


def file_sha(path: Path) -> str:
    """SHA-256 prefix of a checkpoint file (ties tuned weights to the weights they were tuned for)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]


def load_weights(folder: Path) -> dict[str, MixtureWeights]:
    """The tuned mixtures in ``folder/mixture.json`` (empty if none)."""
    path = folder / MIXTURE_FILE
    if not path.exists():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("format") != FORMAT:
        return {}
    return {slug: MixtureWeights.from_dict(d) for slug, d in data.get("writers", {}).items()}


def save_weights(folder: Path, weights: dict[str, MixtureWeights]) -> Path:
    """Write ``folder/mixture.json`` atomically."""
    from engine.atomic import atomic_write_text

    path = folder / MIXTURE_FILE
    payload = {"format": FORMAT, "tuned_on": "selection songs only",
               "writers": {slug: w.as_dict() for slug, w in sorted(weights.items())}}
    atomic_write_text(path, json.dumps(payload, indent=1) + "\n")
    return path


# ---------------------------------------------------------------------------- generation
class Predictor:
    """Scores text under one artist's mixture (LSTM probabilities supplied by the caller)."""

    def __init__(self, artist: Any, weights: MixtureWeights | None, kn: Any = None,
                 words: Any = None) -> None:
        self.artist = artist
        self.weights = weights
        self.kn = kn
        self.words = words  # a WordKN over the writer's training text, for ranking whole lines
        self.newline = artist.vocab.stoi["\n"]

    @property
    def pure(self) -> bool:
        """Whether this is the LSTM alone (no tuned mixture for this artist)."""
        return self.weights is None or self.kn is None

    def cache_for(self, context: str) -> SongCache:
        """A song cache that has read ``context`` (the song so far)."""
        cache = SongCache(len(self.artist.vocab), self.newline)
        cache.feed(self.artist.vocab.encode(context))
        return cache

    def line_logprobs(self, context: str, cache: SongCache | None, seqs: Sequence[Sequence[int]],
                      lstm_logp: Sequence[np.ndarray], lstm_nl: Sequence[np.ndarray] | None = None
                      ) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Mixture log-probabilities of each sequence's ids (and of a newline at every position).

        ``lstm_logp[i]`` holds the LSTM's log-probability of each id of ``seqs[i]`` and
        ``lstm_nl[i]`` (optional, ``len + 1`` values) its log-probability of a newline at each
        position; both are read after ``context``.
        """
        if self.pure:
            return [np.asarray(x, dtype=np.float64) for x in lstm_logp], \
                [np.asarray(x, dtype=np.float64) for x in (lstm_nl or [])]
        assert self.weights is not None and cache is not None
        vocab = self.artist.vocab
        ctx = vocab.encode(context[-16:])
        kn, w = self.kn, self.weights
        want_nl = lstm_nl is not None
        pa = kn.all.probabilities_many(seqs, ctx, kn.orders[0], self.newline if want_nl else None)
        po = kn.own.probabilities_many(seqs, ctx, kn.orders[1], self.newline if want_nl else None)
        out, outs_nl = [], []
        for i, seq in enumerate(seqs):
            pc, mc, pc_nl, mc_nl = cache.score(seq, self.newline if want_nl else None)
            probs = np.stack([np.exp(np.asarray(lstm_logp[i], dtype=np.float64)), pa[i][0], po[i][0], pc], 1)
            out.append(np.log(w.mix(probs, mc)))
            if want_nl:
                assert lstm_nl is not None
                probs = np.stack([np.exp(np.asarray(lstm_nl[i], dtype=np.float64)), pa[i][1], po[i][1],
                                  pc_nl], 1)
                outs_nl.append(np.log(w.mix(probs, mc_nl)))
        return out, outs_nl


_predictors: dict[tuple[str, str], Predictor] = {}
_kn_cache: dict[tuple[str, tuple[int, int], float], tuple[Any, Any]] = {}
_lock = threading.Lock()


def predictor(artist: Any) -> Predictor:
    """The artist's predictor: the tuned mixture for a bundled writer, else its LSTM alone.

    The writer's KN models are built from the bundled texts on first use (a few seconds) and kept.
    """
    from engine.lyrics.artists import BUNDLED, bundled_models_dir

    path = getattr(artist, "path", None)
    key = (str(path), str(id(artist)))
    with _lock:
        if key in _predictors:
            return _predictors[key]
        weights = kn = words = None
        if path is not None and path.stem in BUNDLED and Path(path).parent == bundled_models_dir():
            try:
                found = load_weights(Path(path).parent).get(path.stem)
            except (OSError, ValueError, KeyError) as exc:
                log.warning("mixture weights unreadable: %s", exc)
                found = None
            if found is not None and found.model_sha == file_sha(Path(path)):
                weights = found
                kn, words = _writer_kn(artist, path.stem, found)
            elif found is not None:
                log.warning("%s: mixture weights were tuned for other weights; using the LSTM alone",
                            path.stem)
        made = Predictor(artist, weights, kn, words)
        _predictors[key] = made
        return made


def _writer_kn(artist: Any, slug: str, weights: MixtureWeights) -> tuple[Any, Any]:
    """The writer's character KN mixture and word model, built from the bundled texts once."""
    from engine.lyrics.ngram_kn import KNMixture, WordKN
    from engine.lyrics.writer_splits import bundled_splits, lstm_training_texts

    cache_key = (slug, weights.kn_orders, weights.kn_own_weight)
    if cache_key not in _kn_cache:
        splits = bundled_splits()
        split = next(s for s in splits if s.slug == slug)
        texts = lstm_training_texts(splits, slug)
        kn = KNMixture(artist.vocab, texts, split.train, fixed=weights.kn_orders).set(
            weights.kn_orders, weights.kn_own_weight)
        _kn_cache[cache_key] = (kn, WordKN("".join(texts)))
    return _kn_cache[cache_key]
