"""The bundled writers' songs dealt into train / selection / test, and the texts each LSTM saw.

Every writer's songs are split by :func:`engine.lyrics.splits.split_after_holdout` (the first
90 % train the base model; the held-out 10 % are dealt into selection and test, seeded). Used by
training (:mod:`engine.lyrics.bundled`), the mixture's tuning (:mod:`engine.lyrics.mixture_tune`)
and the eval (:mod:`engine.lyrics.evaluate`), so all three read the same split.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.lyrics.artists import BUNDLED, bundled_texts_dir
from engine.lyrics.corpus import load_corpus, songs_to_text, split_songs
from engine.lyrics.splits import split_after_holdout

SPLIT_SEED = 0


@dataclass
class SplitText:
    """A writer's training, selection and test streams, and its part of the base model's text."""

    slug: str
    name: str
    train: str
    selection: str
    test: str
    base_part: str = ""


def bundled_splits(texts_dir: Path | None = None, seed: int = SPLIT_SEED) -> list[SplitText]:
    """Load every bundled writer's text and deal its songs into train / selection / test."""
    folder = texts_dir or bundled_texts_dir()
    splits = []
    for slug, name in BUNDLED.items():
        songs = load_corpus(folder / f"{slug}.txt").songs
        split = split_after_holdout(songs, seed=seed)
        splits.append(SplitText(slug, name, *split.texts(), base_part=songs_to_text(split_songs(songs)[0])))
    return splits


def base_text(splits: list[SplitText]) -> tuple[str, str]:
    """The base model's training stream (every writer's first 90 %) and selection stream."""
    return "".join(s.base_part for s in splits), "".join(s.selection for s in splits)


def lstm_training_texts(splits: list[SplitText], slug: str) -> list[str]:
    """Exactly the texts a writer's LSTM was trained on: the base stream, then the writer's own."""
    split = next(s for s in splits if s.slug == slug)
    return [base_text(splits)[0], split.train]
