"""``segue eval lyrics``: each bundled artist's LSTM against its own character 5-gram.

Both models are scored on the same held-out songs (the last 10% of the writer's songs), encoded with
the artist's vocabulary, after the same song-break context, in nats per character.
"""

from __future__ import annotations

from typing import Any

from engine.lyrics.artists import BUNDLED, bundled_models_dir
from engine.lyrics.bundled import bundled_splits
from engine.lyrics.ngram import WittenBellNgram

TARGET_GAIN = 0.10


def ngram_nats(vocab: Any, train_text: str, val_text: str, order: int = 5) -> float:
    """Validation nats/char of an interpolated Witten-Bell n-gram trained on ``train_text``."""
    newline = vocab.stoi["\n"]
    model = WittenBellNgram(order, len(vocab), pad_id=newline).fit(vocab.encode(train_text))
    return model.nats_per_char(vocab.encode(val_text), context=[newline, newline])


def evaluate_bundled() -> dict[str, dict[str, Any]]:
    """Score every bundled artist: ``{slug: {name, lstm, ngram5, gain, meets_target}}``."""
    from engine.lyrics.model import load_artist
    from engine.lyrics.train import eval_stream, evaluate_nats

    results: dict[str, dict[str, Any]] = {}
    folder = bundled_models_dir()
    for split in bundled_splits():
        path = folder / f"{split.slug}.pt"
        if not path.exists():
            continue
        artist = load_artist(path)
        lstm = evaluate_nats(artist.model, eval_stream(artist.vocab, split.val))
        ngram = ngram_nats(artist.vocab, split.train, split.val)
        gain = 1.0 - lstm / ngram
        results[split.slug] = {
            "name": BUNDLED[split.slug],
            "lstm": round(lstm, 4),
            "ngram5": round(ngram, 4),
            "gain": round(gain, 4),
            "meets_target": gain >= TARGET_GAIN,
            "val_chars": len(split.val),
        }
    if not results:
        raise LookupError(f"no bundled lyric artists in {folder}: run 'segue lyrics train-bundled'")
    return results
