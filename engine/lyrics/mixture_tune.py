"""Tuning the bundled writers' mixtures (:mod:`engine.lyrics.mixture`) on selection songs only.

For each writer, :func:`tune_writer` tunes the Kneser-Ney orders and own-weight on the writer's
selection songs, then fits the per-bucket component weights by EM (:func:`fit_weights`, each bucket
smoothed toward one global weight vector by :data:`PRIOR` pseudo-observations).
:func:`tune_bundled` (``segue lyrics tune-mixture``, run by ``train-bundled``) tunes every bundled
writer and writes ``mixture.json`` with :func:`engine.lyrics.mixture.save_weights`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from engine.logsetup import get_logger
from engine.lyrics.mixture import (
    BUCKETS,
    MixtureWeights,
    bucket,
    cache_stream,
    file_sha,
    load_weights,
    save_weights,
)

log = get_logger(__name__)

PRIOR = 50.0  # pseudo-observations pulling each bucket's weights toward the global weights


def fit_weights(probs: np.ndarray, match: np.ndarray, iters: int = 300, prior: float = PRIOR
                ) -> np.ndarray:
    """EM for per-bucket mixture weights, each bucket smoothed toward the global weights."""
    n, k = probs.shape
    groups = bucket(match)
    glob = np.full(k, 1.0 / k)
    for _ in range(iters):
        post = glob * probs
        glob = (post / post.sum(1, keepdims=True)).mean(0)
    w = np.tile(0.5 * glob + 0.5 / k, (BUCKETS, 1))  # start away from 0: EM cannot leave it
    for _ in range(iters):
        mix = w[groups] * probs
        post = mix / mix.sum(1, keepdims=True)
        for g in range(BUCKETS):
            sel = groups == g
            w[g] = (post[sel].sum(0) + prior * glob) / (sel.sum() + prior)
    return np.maximum(w, 1e-6) / np.maximum(w, 1e-6).sum(1, keepdims=True)


def component_probs(artist: Any, kn: Any, text: str) -> tuple[np.ndarray, np.ndarray]:
    """``(n, 4)`` component probabilities of every character of a stream, and cache match lengths."""
    from engine.lyrics.train import char_nlls, eval_stream

    vocab = artist.vocab
    lstm = np.exp(-char_nlls(artist.model, eval_stream(vocab, text)).double().numpy())
    ids, ctx = vocab.encode(text), vocab.encode("\n\n")
    pa = kn.all.probabilities(ids, ctx, order=kn.orders[0])
    po = kn.own.probabilities(ids, ctx, order=kn.orders[1])
    pc, match = cache_stream(vocab, text)
    return np.stack([lstm, pa, po, pc], axis=1), match


def tune_writer(path: Path, texts: list[str], train: str, selection: str) -> MixtureWeights:
    """Tune one writer's mixture on its selection songs (KN orders and weight first, then EM)."""
    from engine.lyrics.model import load_artist
    from engine.lyrics.ngram_kn import KNMixture

    artist = load_artist(path)
    kn = KNMixture(artist.vocab, texts, train).tune(selection)
    probs, match = component_probs(artist, kn, selection)
    w = fit_weights(probs, match)
    nats = {"lstm": float(-np.log(probs[:, 0]).mean()),
            "ngram_kn": float(kn.char_nlls(selection).mean()),
            "model": float(-np.log((w[bucket(match)] * probs).sum(1)).mean())}
    return MixtureWeights(kn.orders, kn.weight, w, file_sha(path),
                          {k: round(v, 4) for k, v in nats.items()})


def tune_bundled(models_dir: Path | None = None, only: Sequence[str] | None = None) -> dict[str, Any]:
    """Tune every bundled writer's mixture on selection songs; write ``mixture.json``."""
    import torch

    from engine.lyrics.artists import bundled_models_dir
    from engine.lyrics.writer_splits import bundled_splits, lstm_training_texts

    torch.set_num_threads(1)
    folder = models_dir or bundled_models_dir()
    splits = bundled_splits()
    weights = load_weights(folder)
    for split in splits:
        path = folder / f"{split.slug}.pt"
        if not path.exists() or (only and split.slug not in only):
            continue
        weights[split.slug] = tune_writer(path, lstm_training_texts(splits, split.slug), split.train,
                                          split.selection)
        log.info("%s: mixture %s", split.slug, weights[split.slug].selection_nats)
    save_weights(folder, weights)
    return {slug: w.as_dict() for slug, w in weights.items()}
