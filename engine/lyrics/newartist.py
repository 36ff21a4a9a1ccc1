"""The new-artist check: a base model trained without one writer, then that writer as a new artist.

The left-out base trains on the training songs of every bundled writer but :data:`NEW_ARTIST`
(songs split by :func:`engine.lyrics.splits.split_writer`, seed 0, about 80 / 10 / 10 % train /
selection / test, duplicates grouped) and stops early on their selection songs. The left-out
writer is then fine-tuned from it for :data:`NEW_ARTIST_MINUTES`, exactly as ``segue lyrics train``
fine-tunes a user's artist, stopping early on its own selection songs. The result is bundled as
``new_artist_check.pt`` (not offered as an artist) and scored by ``segue eval lyrics`` against an
n-gram over the same text. Its base need not be bundled.
"""

from __future__ import annotations

import copy
from pathlib import Path

from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress, scaled_progress
from engine.lyrics.artists import BUNDLED, bundled_models_dir, bundled_texts_dir
from engine.lyrics.corpus import load_corpus
from engine.lyrics.splits import SongSplit, fingerprint, split_writer

NEW_ARTIST = "william_shakespeare_sonnets"
NEW_ARTIST_MINUTES = 15.0
CHECK_FILE = "new_artist_check.pt"
LOO_SEED = 0


def loo_splits(texts_dir: Path | None = None) -> dict[str, SongSplit]:
    """Every bundled writer's songs split train / selection / test for the check (seed 0)."""
    folder = texts_dir or bundled_texts_dir()
    return {slug: split_writer(load_corpus(folder / f"{slug}.txt").songs, seed=LOO_SEED)
            for slug in BUNDLED}


def loo_base_text(splits: dict[str, SongSplit]) -> tuple[str, str]:
    """The left-out base's training and selection streams (every writer but the new artist)."""
    kept = [s.texts() for slug, s in splits.items() if slug != NEW_ARTIST]
    return "".join(t[0] for t in kept), "".join(t[1] for t in kept)


def new_artist_texts(splits: dict[str, SongSplit]) -> list[str]:
    """Exactly what the new artist's LSTM was trained on: the left-out base stream, then its own."""
    return [loo_base_text(splits)[0], splits[NEW_ARTIST].texts()[0]]


def train_new_artist_check(
    out_dir: Path | None = None, base_minutes: float = 60.0, minutes: float = NEW_ARTIST_MINUTES,
    model_config: object | None = None, max_epochs: int = 60,
    progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled,
) -> dict[str, dict]:
    """Train the left-out base (unless present in ``out_dir``), then the new artist; return metrics."""
    from engine.lyrics.model import CharLSTM, CharLSTMConfig, load_artist
    from engine.lyrics.prosody import training_words
    from engine.lyrics.train import TrainConfig, train_model
    from engine.lyrics.vocab import shared_vocabulary

    out = out_dir or bundled_models_dir()
    out.mkdir(parents=True, exist_ok=True)
    splits = loo_splits()
    vocab = shared_vocabulary()
    base_train, base_selection = loo_base_text(splits)
    base_path = out / f"base_without_{NEW_ARTIST}.pt"
    words = training_words(base_train)
    if base_path.exists():
        base = load_artist(base_path)
    else:
        config = model_config or CharLSTMConfig()
        config.vocab_size = len(vocab)
        base = train_model(
            CharLSTM(config), vocab, base_train, base_selection, base_path,
            f"Base (all bundled writers but {BUNDLED[NEW_ARTIST]})",
            TrainConfig(lr=2e-3, max_minutes=base_minutes, max_epochs=max_epochs),
            extra={"origin": "base", "trained_on": fingerprint(base_train),
                   "words": " ".join(sorted(words))},
            progress=scaled_progress(progress, 0.0, 0.8), cancelled=cancelled)
    train, selection, _ = splits[NEW_ARTIST].texts()
    artist = train_model(
        copy.deepcopy(base.model), vocab, train, selection, out / CHECK_FILE, BUNDLED[NEW_ARTIST],
        TrainConfig(lr=1e-3, max_minutes=minutes, patience=2, max_epochs=max_epochs),
        extra={"origin": "new artist, fine-tuned from base", "base_trained_on": fingerprint(base_train),
               "trained_on": fingerprint(train), "words": " ".join(sorted(words | training_words(train)))},
        progress=scaled_progress(progress, 0.8, 1.0), cancelled=cancelled)
    return {"base": {"val_nats_per_char": base.metrics.get("val_nats_per_char"),
                     "minutes": base.metrics.get("minutes")},
            NEW_ARTIST: {k: artist.metrics[k] for k in ("val_nats_per_char", "minutes", "epochs")}}
