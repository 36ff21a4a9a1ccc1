"""MusicCaps captions: CSV loading with row-numbered errors, tokeniser, sentences, splits, vocabulary, tags.

Tokens are lower-case words (letters, digits, apostrophes, hyphens inside words) plus ``, ; :``.
Captions split into sentences at ``. ! ?``. Splits are by caption (seeded 80/10/10), never by
sentence. The vocabulary keeps training words seen at least twice; the attribute vector ``a`` is
a multi-hot of the 100 most frequent training aspect tags.
"""

from __future__ import annotations

import ast
import csv
import random
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from engine import paths

PAD, BOS, EOS, UNK = "<pad>", "<bos>", "<eos>", "<unk>"
SPECIALS = (PAD, BOS, EOS, UNK)
REQUIRED_COLUMNS = ("ytid", "aspect_list", "caption")
MAX_TOKENS = 40  # longer sentences are cut to this many tokens (+ <eos>) for every model alike

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
        self.index = {w: i for i, w in enumerate(self.words)}
        self.tag_index = {t: i for i, t in enumerate(self.tags)}

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
        """Multi-hot float32 vector of the known tags."""
        vector = np.zeros(len(self.tags), dtype=np.float32)
        for tag in tags:
            i = self.tag_index.get(normalise_tag(tag))
            if i is not None:
                vector[i] = 1.0
        return vector


def build_vocab(train: list[Caption], min_count: int = 2, n_tags: int = 100) -> Vocab:
    """Vocabulary (min count) and top-``n_tags`` aspect tags from the training captions."""
    words: Counter[str] = Counter()
    tags: Counter[str] = Counter()
    for caption in train:
        for sentence in sentences(caption.text):
            words.update(sentence)
        tags.update(set(caption.tags))
    kept = sorted((w for w, c in words.items() if c >= min_count), key=lambda w: (-words[w], w))
    top_tags = sorted(tags, key=lambda t: (-tags[t], t))[:n_tags]
    return Vocab(list(SPECIALS) + kept, top_tags)


@dataclass
class Encoded:
    """Sentences of a split as id lists, each with its caption's attribute vector and index."""

    ids: list[list[int]]
    attrs: np.ndarray
    caption_of: list[int]


def encode_split(captions: list[Caption], vocab: Vocab) -> Encoded:
    """Encode every sentence of every caption of a split."""
    ids, attrs, owner = [], [], []
    for index, caption in enumerate(captions):
        a = vocab.attributes(caption.tags)
        for sentence in sentences(caption.text):
            ids.append(vocab.encode(sentence))
            attrs.append(a)
            owner.append(index)
    matrix = np.stack(attrs) if attrs else np.zeros((0, len(vocab.tags)), np.float32)
    return Encoded(ids, matrix, owner)
