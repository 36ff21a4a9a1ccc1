"""What the models know about tags, learned from the MusicCaps training captions alone.

- **Conditioning tags**: aspect tags of at least ``min_count`` training captions, after
  normalisation (:func:`words.tag_key`: case, hyphens, plurals, ``-ing``/``-ed`` forms), each
  shown in its most frequent spelling ("calm" and "calming" are one tag).
- **Word embedding**: an SVD of the positive PMI of words within ±2 positions in training
  sentences and aspect phrases (stems seen at least ``min_word_count`` times); a tag's vector is
  the mean of its words'. It gives *near neighbours* ("bebop" → jazz, blues…).
- **Position**: where a tag is usually mentioned in a caption (0 = first sentence, 1 = last).
- **Copy set**: hashes of every training sentence (:func:`words.sentence_hash`).

:meth:`Lexicon.understand` explains how one typed tag maps onto the conditioning tags, and
:meth:`Lexicon.mentioned` says which tags a text mentions. Stored as arrays in a weights-only
checkpoint (``lexicon.pt``).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine.checkpoint import Checkpoint, CheckpointError, load_checkpoint, save_checkpoint
from engine.commentary import aspects
from engine.commentary.words import (
    STOP,
    content_stems,
    runs,
    sentence_hash,
    spelling_similarity,
    stem,
    stems,
    tag_key,
    text_stems,
)

KIND = "commentary-lexicon"
FORMAT_VERSION = 1
RELATED_MIN = 0.65      # cosine a near neighbour needs to stand in for a typed tag
SPELLING_MIN = 0.6      # 3-gram similarity taken as a misspelling of a known tag
SUGGEST_MIN = 0.25      # 3-gram similarity worth suggesting for an unknown tag
UNDERSTOOD = ("known", "variant", "contained", "parts", "related", "spelling")


@dataclass
class Understanding:
    """How one typed tag was understood: ``status`` (see :data:`UNDERSTOOD`, or ``unknown``)."""

    typed: str
    status: str
    tags: list[str] = field(default_factory=list)        # conditioning tags it stands for
    note: str = ""
    suggestions: list[str] = field(default_factory=list)  # nearest known tags (unknown only)

    @property
    def understood(self) -> bool:
        """Whether the tag maps onto at least one conditioning tag."""
        return self.status in UNDERSTOOD and bool(self.tags)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready form."""
        return {"typed": self.typed, "status": self.status, "tags": self.tags, "note": self.note,
                "suggestions": self.suggestions}


@dataclass
class Lexicon:
    """Conditioning tags, word vectors, mention positions and the training-sentence copy set."""

    tags: list[str]
    counts: list[int]
    positions: list[float]
    words: list[str]
    vectors: np.ndarray           # [W, D] float32, rows unit length
    copy_hashes: frozenset[int]
    _key: dict[str, int] = field(init=False, repr=False)
    _word: dict[str, int] = field(init=False, repr=False)
    _stems: list[tuple[str, ...]] = field(init=False, repr=False)
    _keys: list[str] = field(init=False, repr=False)
    _tag_vectors: np.ndarray = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._key = {tag_key(t): i for i, t in enumerate(self.tags)}
        self._word = {w: i for i, w in enumerate(self.words)}
        self._stems = [content_stems(t) for t in self.tags]
        self._keys = [tag_key(t) for t in self.tags]
        self._tag_vectors = np.stack([self._vector(s) for s in self._stems]) if self.tags else \
            np.zeros((0, self.vectors.shape[1]), np.float32)

    # ------------------------------------------------------------ look-ups
    def index(self, tag: str) -> int | None:
        """The conditioning index of ``tag`` (any spelling variant), or None."""
        return self._key.get(tag_key(tag))

    def _vector(self, stem_list: tuple[str, ...] | list[str]) -> np.ndarray:
        rows = [self._word[s] for s in stem_list if s in self._word]
        if not rows:
            return np.zeros(self.vectors.shape[1], np.float32)
        v = self.vectors[rows].mean(axis=0)
        return v / max(1e-9, float(np.linalg.norm(v)))

    def neighbours(self, text: str, n: int = 3) -> list[tuple[str, float]]:
        """Conditioning tags nearest to ``text`` in the word embedding, with cosines."""
        v = self._vector([stem(w) for w in runs(text) if w not in STOP])
        if not v.any():
            return []
        sims = self._tag_vectors @ v
        return [(self.tags[i], round(float(sims[i]), 3)) for i in np.argsort(-sims)[:n]]

    def mentions(self, index: int, found: set[str]) -> bool:
        """Whether a text with stems ``found`` mentions conditioning tag ``index``.

        Spelling variants count (one key); generic words ("music", "song") are optional.
        """
        needed = self._stems[index]
        return self._keys[index] in found or (bool(needed) and all(s in found for s in needed))

    def mentioned(self, tokens: list[str], indices: list[int]) -> list[int]:
        """Which of ``indices`` a tokenised text mentions."""
        found = text_stems(tokens)
        return [i for i in indices if self.mentions(i, found)]

    def is_copy(self, tokens: list[str]) -> bool:
        """Whether a tokenised sentence is verbatim a training sentence."""
        return sentence_hash(tokens) in self.copy_hashes

    # ------------------------------------------------------------ understanding typed tags
    def understand(self, typed: str) -> Understanding:
        """Map one typed tag onto the conditioning tags (see the module docstring)."""
        shown = " ".join(typed.split())
        key = tag_key(shown)
        if not key:
            return Understanding(shown, "unknown", note="empty tag")
        if key in self._key:
            tag = self.tags[self._key[key]]
            if shown.lower() == tag:
                return Understanding(shown, "known", [tag], tag)
            return Understanding(shown, "variant", [tag], f"{shown} → {tag} (same tag)")
        words = [w for w in runs(shown) if w not in STOP]
        words = [part for w in words for part in self._split_compound(w)]
        wanted = [stem(w) for w in words]
        if not wanted:
            return self._unknown(shown)
        own = aspects.sides(shown)
        contained = [i for i, s in enumerate(self._stems) if set(wanted) <= set(s)
                     and not aspects.sides(self.tags[i]) - own]  # adds no side ("vocal" ≠ male)
        if contained:
            vector = self._vector(wanted)
            best = min(contained, key=lambda i: (len(self._stems[i]),
                                                 -float(self._tag_vectors[i] @ vector)))
            return Understanding(shown, "contained", [self.tags[best]],
                                 f"{shown} → {self.tags[best]}")
        parts = self._cover(wanted)
        if parts:
            names = [self.tags[i] for i in parts]
            return Understanding(shown, "parts", names, f"{shown} → {' + '.join(names)}")
        related = self._related(shown)
        if related:
            text = ", ".join(f"{t} ({s:.2f})" for t, s in related)
            return Understanding(shown, "related", [t for t, _ in related],
                                 f"{shown} → near {text}")
        spelled = sorted(((spelling_similarity(shown, t), t) for t in self.tags), reverse=True)
        if spelled and spelled[0][0] >= SPELLING_MIN:
            tag = spelled[0][1]
            return Understanding(shown, "spelling", [tag], f"{shown} → {tag} (spelling)")
        return self._unknown(shown)

    def _split_compound(self, word: str) -> list[str]:
        """``chillout`` → ``chill out`` when both halves are known words (else the word)."""
        if stem(word) in self._word or len(word) < 6:
            return [word]
        for cut in range(3, len(word) - 2):
            left, right = word[:cut], word[cut:]
            if stem(left) in self._word and (stem(right) in self._word or right in STOP):
                return [left] if right in STOP else [left, right]
        return [word]

    def _cover(self, wanted: list[str]) -> list[int]:
        """Conditioning tags whose stems all occur in ``wanted``, largest first, covering it."""
        left = set(wanted)
        chosen: list[int] = []
        candidates = [i for i, s in enumerate(self._stems) if s and set(s) <= set(wanted)]
        for i in sorted(candidates, key=lambda i: (-len(self._stems[i]), -self.counts[i])):
            if set(self._stems[i]) & left:
                chosen.append(i)
                left -= set(self._stems[i])
        return chosen

    def _related(self, text: str) -> list[tuple[str, float]]:
        """Near neighbours above :data:`RELATED_MIN` that assert no side opposite to ``text``'s."""
        own = aspects.sides(text)
        near = []
        for tag, sim in self.neighbours(text, 8):
            clash = any(aspects.opposite(s) in own for s in aspects.sides(tag))
            if sim >= RELATED_MIN and not clash:
                near.append((tag, sim))
        if not near:
            return []
        return [(t, s) for t, s in near[:2] if s >= 0.9 * near[0][1]]

    def _unknown(self, shown: str) -> Understanding:
        spelled = sorted(((spelling_similarity(shown, t), t) for t in self.tags), reverse=True)
        near = [t for s, t in spelled[:3] if s >= SUGGEST_MIN]
        near += [t for t, _ in self.neighbours(shown, 3) if t not in near][:3 - len(near)]
        note = f"{shown}: not understood" + (f"; nearest known: {', '.join(near)}" if near else "")
        return Understanding(shown, "unknown", [], note, near)

    def understand_all(self, typed: list[str]) -> tuple[list[str], list[Understanding]]:
        """Conditioning tags (de-duplicated, in typed order) and the understanding of each tag."""
        found = [self.understand(t) for t in typed]
        tags: list[str] = []
        for item in found:
            tags += [t for t in item.tags if t not in tags]
        return tags, found


def build_lexicon(captions: list[Any], sentences: list[list[str]] | None = None,
                  min_count: int = 10, min_word_count: int = 5, dims: int = 64,
                  seed: int = 1) -> Lexicon:
    """Learn the lexicon from training captions (objects with ``tags`` and ``text``)."""
    from engine.commentary.corpus import sentences as split_sentences

    counts: Counter[str] = Counter()
    spellings: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for caption in captions:
        keys = set()
        for tag in caption.tags:
            key = tag_key(tag)
            if key:
                spellings[key][tag] += 1
                keys.add(key)
        counts.update(keys)
    kept = sorted((k for k, c in counts.items() if c >= min_count),
                  key=lambda k: (-counts[k], _spelling(spellings[k])))
    tags = [_spelling(spellings[k]) for k in kept]
    per_caption = [split_sentences(c.text) for c in captions]
    sequences = [stems(" ".join(s)) for caps in per_caption for s in caps]
    sequences += [stems(t) for c in captions for t in c.tags]
    words, vectors = _embedding(sequences, min_word_count, dims, seed)
    lexicon = Lexicon(tags, [counts[k] for k in kept], [0.5] * len(tags), words, vectors,
                      frozenset(sentence_hash(s) for caps in per_caption for s in caps))
    lexicon.positions = _positions(lexicon, captions, per_caption)
    return lexicon


def _spelling(forms: Counter[str]) -> str:
    """The most frequent spelling (ties: the shorter, then alphabetical)."""
    return min(forms, key=lambda f: (-forms[f], len(f), f))


def _embedding(sequences: list[list[str]], min_count: int, dims: int, seed: int
               ) -> tuple[list[str], np.ndarray]:
    """Unit-length SVD-PPMI word vectors from ±2-word windows (context smoothing 0.75)."""
    from scipy.sparse import coo_matrix
    from sklearn.utils.extmath import randomized_svd

    frequency = Counter(w for s in sequences for w in s)
    words = sorted(w for w, c in frequency.items() if c >= min_count)
    index = {w: i for i, w in enumerate(words)}
    rows, cols, values = [], [], []
    for seq in sequences:
        ids = [index.get(w, -1) for w in seq]
        for i, a in enumerate(ids):
            if a < 0:
                continue
            for j in range(max(0, i - 2), min(len(ids), i + 3)):
                if j != i and ids[j] >= 0:
                    rows.append(a)
                    cols.append(ids[j])
                    values.append(1.0 / abs(i - j))
    n = len(words)
    if n < 2 or not values:
        return words, np.zeros((n, 1), np.float32)
    counts = coo_matrix((values, (rows, cols)), shape=(n, n)).toarray()
    total = counts.sum()
    p_word = counts.sum(axis=1) / total
    p_context = counts.sum(axis=0) ** 0.75
    p_context /= p_context.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(counts / total / np.outer(p_word, p_context))
    pmi = np.maximum(np.nan_to_num(pmi, nan=0.0, neginf=0.0, posinf=0.0), 0.0)
    k = max(1, min(dims, n - 1))
    u, s, _ = randomized_svd(pmi, k, random_state=seed)
    vectors = (u * np.sqrt(s)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-9
    return words, vectors


def _positions(lexicon: Lexicon, captions: list[Any], per_caption: list[list[list[str]]]
               ) -> list[float]:
    """Mean relative position (0 first … 1 last) of each tag's first mention in its captions."""
    total = np.zeros(len(lexicon.tags))
    seen = np.zeros(len(lexicon.tags))
    for caption, sents in zip(captions, per_caption, strict=True):
        if len(sents) < 2:
            continue
        indices = [i for i in {lexicon.index(t) for t in caption.tags} if i is not None]
        for position, sentence in enumerate(sents):
            found = lexicon.mentioned(sentence, indices)
            for i in found:
                total[i] += position / (len(sents) - 1)
                seen[i] += 1
            indices = [i for i in indices if i not in found]
    return [round(float(t / s), 4) if s else 0.5 for t, s in zip(total, seen, strict=True)]


def save(lexicon: Lexicon, path: str | Path, metrics: dict[str, Any] | None = None) -> None:
    """Save the lexicon as arrays in a weights-only checkpoint."""
    import torch

    config = {"tags": lexicon.tags, "counts": lexicon.counts, "positions": lexicon.positions,
              "words": lexicon.words}
    hashes = np.array(sorted(lexicon.copy_hashes), dtype=np.int64)
    state = {"vectors": torch.from_numpy(lexicon.vectors.astype(np.float16)),
             "copy_hashes": torch.from_numpy(hashes)}
    save_checkpoint(path, Checkpoint(KIND, FORMAT_VERSION, config, state, metrics or {}))


def load(path: str | Path) -> Lexicon:
    """Load a lexicon saved by :func:`save` (CheckpointError names a bad file)."""
    ckpt = load_checkpoint(path, KIND, FORMAT_VERSION)
    try:
        config, state = ckpt.config, ckpt.state_dict
        vectors = state["vectors"].float().numpy()
        tags = [str(t) for t in config["tags"]]
        if vectors.shape[0] != len(config["words"]) or len(config["counts"]) != len(tags):
            raise ValueError("sizes do not match")
        return Lexicon(tags, [int(c) for c in config["counts"]],
                       [float(p) for p in config["positions"]], [str(w) for w in config["words"]],
                       vectors, frozenset(int(h) for h in state["copy_hashes"].tolist()))
    except (KeyError, ValueError, TypeError, AttributeError) as exc:
        raise CheckpointError(f"{path}: not a usable tag lexicon ({exc})") from exc

