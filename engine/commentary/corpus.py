"""MusicCaps captions: CSV loading with row-numbered errors, tokeniser, sentences, splits, vocabulary, tags.

Tokens are lower-case words (letters, digits, apostrophes, hyphens inside words) plus ``, ; :``.
Captions split into sentences at ``. ! ?``. Splits are by caption (seeded 80/10/10), never by
sentence. The vocabulary keeps training words seen at least twice. Each sentence is conditioned
on ``[a; f; p]``: ``a`` the multi-hot of its caption's conditioning tags (the lexicon's tags,
spelling variants merged), ``f`` the multi-hot of those tags the sentence itself mentions (its
*focus*), ``p`` a one-hot of its position in the caption (first, second, later, last).
"""

from __future__ import annotations

import ast
import csv
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from engine import paths

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)
REQUIRED_COLUMNS = ("ytid", "aspect_list", "caption")
MAX_TOKENS = 40  # longer sentences are cut to this many tokens (+ <eos>) for every model alike
N_POSITIONS = 4  # first, second, later, last

_TOKEN = re.compile(r"[a-z0-9]+(?:['\-][a-z0-9]+)*|[,;:]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|[.!?]+$|\n+")


class CorpusError(ValueError):
    """A caption CSV that cannot be used (missing columns, malformed rows); names file and row."""


@dataclass
class Caption:
    """One caption: its id, its aspect tags and its text."""

    ytid: str
    tags: list[str]
    text: str


def default_csv() -> Path:
    """The bundled MusicCaps CSV under ``assets/data/commentary``."""
    return paths.assets_dir() / "data" / "commentary" / "musiccaps-public.csv"


def _parse_tags(raw: str) -> list[str]:
    value = ast.literal_eval(raw)
    if not isinstance(value, list) or not all(isinstance(t, str) for t in value):
        raise ValueError("aspect_list is not a list of strings")
    return [normalise_tag(t) for t in value if normalise_tag(t)]


def normalise_tag(tag: str) -> str:
    """Lower-case a tag and collapse its whitespace."""
    return " ".join(tag.lower().split())


def load_captions(path: str | Path | None = None) -> list[Caption]:
    """Read the caption CSV; raise CorpusError naming the file and the row of the first bad row."""
    path = Path(path) if path is not None else default_csv()
    try:
        handle = open(path, encoding="utf-8", newline="")
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read the caption CSV ({exc.strerror})") from exc
    captions: list[Caption] = []
    with handle:
        reader = csv.DictReader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CorpusError(f"{path}: missing column(s) {', '.join(missing)}")
        try:
            for row_number, row in enumerate(reader, start=2):
                if None in row or any(row.get(c) is None for c in REQUIRED_COLUMNS):
                    raise CorpusError(f"{path}: row {row_number}: wrong number of fields")
                try:
                    tags = _parse_tags(row["aspect_list"])
                except (ValueError, SyntaxError) as exc:
                    raise CorpusError(f"{path}: row {row_number}: bad aspect_list ({exc})") from exc
                text = row["caption"].strip()
                if not text:
                    raise CorpusError(f"{path}: row {row_number}: empty caption")
                captions.append(Caption(row["ytid"], tags, text))
        except csv.Error as exc:
            raise CorpusError(f"{path}: row {reader.line_num}: {exc}") from exc
        except UnicodeDecodeError as exc:
            raise CorpusError(f"{path}: not UTF-8 text ({exc.reason})") from exc
    if not captions:
        raise CorpusError(f"{path}: no captions")
    return captions


def tokenise(text: str) -> list[str]:
    """Lower-case word tokens, keeping ``, ; :`` as tokens."""
    return _TOKEN.findall(text.lower())


def sentences(text: str) -> list[list[str]]:
    """Split a caption into tokenised sentences (empty ones dropped)."""
    out = []
    for part in _SENTENCE_END.split(text):
        tokens = tokenise(part or "")
        if tokens:
            out.append(tokens)
    return out


def detokenise(tokens: list[str]) -> str:
    """Join tokens into a readable sentence: punctuation attached, capitalised, full stop."""
    text = ""
    for tok in tokens:
        if tok in (",", ";", ":"):
            text += tok
        else:
            text += (" " if text else "") + tok
    text = text.strip(" ,;:")
    return (text[:1].upper() + text[1:] + ".") if text else ""


def split_captions(captions: list[Caption], seed: int = 1,
                   fractions: tuple[float, float] = (0.8, 0.1)) -> dict[str, list[Caption]]:
    """Seeded caption-level train / selection / test split."""
    order = list(range(len(captions)))
    random.Random(seed).shuffle(order)
    n_train = int(round(fractions[0] * len(order)))
    n_sel = int(round(fractions[1] * len(order)))
    pick = lambda idx: [captions[i] for i in idx]  # noqa: E731
    return {"train": pick(order[:n_train]), "selection": pick(order[n_train:n_train + n_sel]),
            "test": pick(order[n_train + n_sel:])}


@dataclass
class Vocab:
    """Word ↔ id maps (specials first) and the tag list of the attribute vector."""

    words: list[str]
    tags: list[str]
    index: dict[str, int] = field(init=False)
    tag_index: dict[str, int] = field(init=False)

    def __post_init__(self) -> None:
        from engine.commentary.words import tag_key

        self.index = {w: i for i, w in enumerate(self.words)}
        self.tag_index = {t: i for i, t in enumerate(self.tags)}
        self.key_index = {tag_key(t): i for i, t in enumerate(self.tags)}

    @property
    def n_cond(self) -> int:
        """Width of the raw conditioning vector ``[a; f; p]``."""
        return 2 * len(self.tags) + N_POSITIONS

    def encode(self, tokens: list[str]) -> list[int]:
        """Token ids of a sentence (unknown words → <unk>), cut to MAX_TOKENS, ending with <eos>."""
        unk = self.index[UNK]
        return [self.index.get(t, unk) for t in tokens[:MAX_TOKENS]] + [self.index[EOS]]

    def decode(self, ids: list[int]) -> list[str]:
        """Tokens of ids, stopping at <eos> and skipping <pad>/<bos>."""
        out = []
        for i in ids:
            word = self.words[i]
            if word == EOS:
                break
            if word not in (PAD, BOS):
                out.append(word)
        return out

    def attributes(self, tags: list[str]) -> np.ndarray:
        """Multi-hot float32 vector of the known tags (any spelling variant)."""
        from engine.commentary.words import tag_key

        vector = np.zeros(len(self.tags), dtype=np.float32)
        for tag in tags:
            i = self.key_index.get(tag_key(tag))
            if i is not None:
                vector[i] = 1.0
        return vector

    def condition(self, attrs: np.ndarray, focus: list[list[int]], positions: list[int]
                  ) -> np.ndarray:
        """Raw conditioning rows ``[a; f; p]`` [N, n_cond] from tag rows, focus lists, positions."""
        n_tags = len(self.tags)
        out = np.zeros((len(positions), self.n_cond), dtype=np.float32)
        out[:, :n_tags] = attrs
        for row, (tags, position) in enumerate(zip(focus, positions, strict=True)):
            out[row, [n_tags + t for t in tags]] = 1.0
            out[row, 2 * n_tags + position] = 1.0
        return out


def build_vocab(train: list[Caption], min_count: int = 2, n_tags: int = 100,
                tags: list[str] | None = None) -> Vocab:
    """Vocabulary (min count) and the conditioning tags: ``tags`` (the lexicon's) or the top
    ``n_tags`` aspect tags of the training captions."""
    words: Counter[str] = Counter()
    counts: Counter[str] = Counter()
    for caption in train:
        for sentence in sentences(caption.text):
            words.update(sentence)
        counts.update(set(caption.tags))
    kept = sorted((w for w, c in words.items() if c >= min_count), key=lambda w: (-words[w], w))
    if tags is None:
        tags = sorted(counts, key=lambda t: (-counts[t], t))[:n_tags]
    return Vocab(list(SPECIALS) + kept, list(tags))


def position_class(index: int, count: int) -> int:
    """0 first sentence, 3 last (of two or more), 1 second, 2 any other."""
    if index == 0:
        return 0
    if index == count - 1:
        return 3
    return 1 if index == 1 else 2


@dataclass
class Encoded:
    """Sentences of a split as id lists, each with its caption's tags, focus and position."""

    ids: list[list[int]]
    attrs: np.ndarray                                      # [N, A] the caption's tags
    caption_of: list[int]
    focus: list[list[int]] = field(default_factory=list)   # tags the sentence mentions
    positions: list[int] = field(default_factory=list)     # position_class of the sentence
    vocab: Vocab | None = None

    def condition(self, rows: list[int] | np.ndarray) -> np.ndarray:
        """Raw conditioning ``[a; f; p]`` [len(rows), n_cond] of the given sentences."""
        assert self.vocab is not None
        rows = list(rows)
        return self.vocab.condition(self.attrs[rows], [self.focus[r] for r in rows],
                                    [self.positions[r] for r in rows])


def encode_split(captions: list[Caption], vocab: Vocab, lexicon: Any = None) -> Encoded:
    """Encode every sentence of every caption of a split (focus needs the ``lexicon``)."""
    ids, attrs, owner, focus, positions = [], [], [], [], []
    for index, caption in enumerate(captions):
        a = vocab.attributes(caption.tags)
        tags = [int(i) for i in np.nonzero(a)[0]]
        parts = sentences(caption.text)
        for k, sentence in enumerate(parts):
            ids.append(vocab.encode(sentence))
            attrs.append(a)
            owner.append(index)
            focus.append(lexicon.mentioned(sentence, tags) if lexicon is not None else [])
            positions.append(position_class(k, len(parts)))
    matrix = np.stack(attrs) if attrs else np.zeros((0, len(vocab.tags)), np.float32)
    return Encoded(ids, matrix, owner, focus, positions, vocab)
