"""Reproducing the bundled artists: one base model on all writers, then one fine-tune per writer.

Every writer's songs are split by :func:`engine.lyrics.splits.split_after_holdout`: the base model
trains on the first 90 % of every writer's songs (``base_part``); the held-out last 10 % are dealt
into selection and test (seeded, duplicates grouped). A base trained here stops early on the
selection songs only. (The bundled ``base.pt`` predates the selection/test split: its early stopping
and learning-rate plateaus read the whole held-out 10 %, test songs included; see docs/lyrics.md.)
Each writer is then fine-tuned from the base on its training songs, stopping early on its own
selection songs. Test songs are never read here. ``segue lyrics train-bundled`` runs this; the
new-artist check (a base without one writer) lives in :mod:`engine.lyrics.newartist`.
"""

from __future__ import annotations

import copy
import time
from pathlib import Path

from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress, scaled_progress
from engine.logsetup import get_logger
from engine.lyrics.artists import BASE_FILE, bundled_models_dir
from engine.lyrics.splits import fingerprint
from engine.lyrics.writer_splits import SPLIT_SEED, base_text, bundled_splits

log = get_logger(__name__)

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
    from engine.lyrics.prosody import training_words
    from engine.lyrics.train import TrainConfig, train_model
    from engine.lyrics.vocab import shared_vocabulary

    out = out_dir or bundled_models_dir()
    out.mkdir(parents=True, exist_ok=True)
    splits = bundled_splits()
    vocab = shared_vocabulary()
    results: dict[str, dict] = {}
    base_path = out / BASE_FILE
    started = time.monotonic()
    base_train, base_selection = base_text(splits)
    base_words = training_words(base_train)
    if force or not base_path.exists():
        config = model_config or CharLSTMConfig()
        config.vocab_size = len(vocab)
        base = train_model(
            CharLSTM(config), vocab, base_train, base_selection, base_path,
            "Base (all bundled writers)",
            TrainConfig(lr=2e-3, max_minutes=base_minutes, max_epochs=max_epochs),
            extra={"origin": "base", "split_seed": SPLIT_SEED, "trained_on": fingerprint(base_train),
                   "words": " ".join(sorted(base_words))},
            progress=scaled_progress(progress, 0.0, 0.6), cancelled=cancelled,
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
        words = base_words | training_words(split.train)
        artist = train_model(
            copy.deepcopy(start.model), vocab, split.train, split.selection, path, split.name,
            TrainConfig(lr=artist_lr, max_minutes=artist_minutes, patience=2, max_epochs=max_epochs),
            extra={"origin": "fine-tuned from base",
                   "split_seed": SPLIT_SEED, "base_trained_on": fingerprint(base_train),
                   "trained_on": fingerprint(split.train), "words": " ".join(sorted(words))},
            progress=sub, cancelled=cancelled,
        )
        results[split.slug] = {k: artist.metrics[k] for k in ("val_nats_per_char", "minutes", "epochs")}
        log.info("%s done after %.1f min total", split.name, (time.monotonic() - started) / 60)
    trained = [s.slug for s in chosen if "skipped" not in results.get(s.slug, {})]
    if trained:  # the predictor's weights belong to these very weights: tune them again
        from engine.lyrics.mixture_tune import tune_bundled

        tune_bundled(out, trained)
    return results
