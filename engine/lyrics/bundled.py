"""Reproducing the bundled artists: one base model on all writers, then one fine-tune per writer.

Every writer's text is split by song (the last 10% of songs held out). The base model trains on the
union of the training songs with the shared vocabulary and is validated on the union of the
held-out songs, so no validation song is ever seen in training. Each writer is then fine-tuned from
the base model on its own training songs. ``segue lyrics train-bundled`` runs this.
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass
from pathlib import Path

from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress, scaled_progress
from engine.logsetup import get_logger
from engine.lyrics.artists import BASE_FILE, BUNDLED, bundled_models_dir, bundled_texts_dir
from engine.lyrics.corpus import load_corpus, songs_to_text, split_songs

log = get_logger(__name__)


@dataclass
class SplitText:
    """A writer's training and validation streams."""

    slug: str
    name: str
    train: str
    val: str


def bundled_splits(texts_dir: Path | None = None) -> list[SplitText]:
    """Load every bundled writer's text and split it by song (last 10% held out)."""
    folder = texts_dir or bundled_texts_dir()
    splits = []
    for slug, name in BUNDLED.items():
        corpus = load_corpus(folder / f"{slug}.txt")
        train, val = split_songs(corpus.songs)
        splits.append(SplitText(slug, name, songs_to_text(train), songs_to_text(val)))
    return splits


def train_bundled(
    out_dir: Path | None = None,
    base_minutes: float = 24.0,
    artist_minutes: float = 5.0,
    only: list[str] | None = None,
    force: bool = False,
    artist_lr: float = 1e-3,
    from_existing: bool = False,
    model_config: object | None = None,
    max_epochs: int = 60,
    progress: ProgressFn = no_progress,
    cancelled: CancelledFn = never_cancelled,
) -> dict[str, dict]:
    """Train the base model (unless present) and fine-tune each bundled writer; return metrics.

    Existing writer models are skipped unless ``force`` (retrain from the base model) or
    ``from_existing`` (keep fine-tuning the existing model, e.g. with a lower ``artist_lr``).
    ``model_config`` and ``max_epochs`` exist for tests (tiny models, one epoch).
    """
    from engine.lyrics.model import CharLSTM, CharLSTMConfig, load_artist
    from engine.lyrics.train import TrainConfig, train_model
    from engine.lyrics.vocab import shared_vocabulary

    out = out_dir or bundled_models_dir()
    out.mkdir(parents=True, exist_ok=True)
    splits = bundled_splits()
    vocab = shared_vocabulary()
    results: dict[str, dict] = {}
    base_path = out / BASE_FILE
    started = time.monotonic()
    if force or not base_path.exists():
        config = model_config or CharLSTMConfig()
        config.vocab_size = len(vocab)
        model = CharLSTM(config)
        base = train_model(
            model, vocab, "".join(s.train for s in splits), "".join(s.val for s in splits),
            base_path, "Base (all bundled writers)",
            TrainConfig(lr=2e-3, max_minutes=base_minutes, max_epochs=max_epochs),
            extra={"origin": "base"}, progress=scaled_progress(progress, 0.0, 0.6), cancelled=cancelled,
        )
    else:
        base = load_artist(base_path)
    results["base"] = {"val_nats_per_char": base.metrics.get("val_nats_per_char"),
                       "minutes": base.metrics.get("minutes")}
    log.info("base ready after %.1f min", (time.monotonic() - started) / 60)
    chosen = [s for s in splits if not only or s.slug in only]
    for i, split in enumerate(chosen):
        path = out / f"{split.slug}.pt"
        start = base
        if path.exists() and from_existing:
            start = load_artist(path)
        elif path.exists() and not force:
            results[split.slug] = {"skipped": "exists"}
            continue
        sub = scaled_progress(progress, 0.6 + 0.4 * i / len(chosen), 0.6 + 0.4 * (i + 1) / len(chosen))
        artist = train_model(
            copy.deepcopy(start.model), vocab, split.train, split.val, path, split.name,
            TrainConfig(lr=artist_lr, max_minutes=artist_minutes, patience=2, max_epochs=max_epochs),
            extra={"origin": "fine-tuned from base"}, progress=sub, cancelled=cancelled,
        )
        results[split.slug] = {k: artist.metrics[k] for k in ("val_nats_per_char", "minutes", "epochs")}
        log.info("%s done after %.1f min total", split.name, (time.monotonic() - started) / 60)
    return results
