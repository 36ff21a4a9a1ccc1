"""``segue eval lyrics``: each bundled writer's LSTM against two n-gram baselines on test songs.

Every writer's songs are split train / selection / test (:func:`engine.lyrics.bundled.bundled_splits`).
On the same test songs, same vocabulary and song-break context, in nats per character:

- ``lstm``: the writer's bundled model;
- ``ngram5``: an interpolated Witten-Bell 5-gram on the writer's own training songs;
- ``ngram_equal``: a mixture ``w · P_own + (1 − w) · P_all`` of Witten-Bell n-grams, where ``P_all``
  is fitted on exactly the text the LSTM was trained on (the base stream, then the writer's training
  songs; the checkpoints' fingerprints are checked, so a mismatch is an error, not a silent
  comparison) and ``P_own`` on the writer's training songs; both orders and ``w`` are chosen on the
  selection songs.

``gain`` is ``1 − lstm / ngram_equal`` and ``ci95`` its 95 % song-bootstrap interval (test songs
resampled with replacement). Generated-text metrics (:mod:`engine.lyrics.metrics`) come from
``lines`` constrained lines per writer. ``new_artist`` reports the writer left out of the base.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from engine.lyrics.artists import BUNDLED, bundled_models_dir
from engine.lyrics.bundled import SPLIT_SEED, bundled_splits, lstm_training_texts
from engine.lyrics.ngram import WittenBellNgram
from engine.lyrics.splits import SongSplit, fingerprint

TARGET_GAIN = 0.10
TARGET_CI_LOW = 0.07
NEW_ARTIST_TARGET = 0.07
MAX_ORDER = 8
WEIGHTS = tuple(round(w * 0.05, 2) for w in range(21))
BOOTSTRAP = 2000


class TrainingTextMismatch(ValueError):
    """The n-gram baseline would not see the text the LSTM was trained on."""


def ngram_nats(vocab: Any, train_text: str, val_text: str, order: int = 5) -> float:
    """Validation nats/char of an interpolated Witten-Bell n-gram trained on ``train_text``."""
    newline = vocab.stoi["\n"]
    model = WittenBellNgram(order, len(vocab), pad_id=newline).fit(vocab.encode(train_text))
    return model.nats_per_char(vocab.encode(val_text), context=[newline, newline])


def check_training_texts(extra: dict[str, Any], texts: list[str], path: Path | str) -> None:
    """Raise :class:`TrainingTextMismatch` unless ``texts`` are what the checkpoint says it saw."""
    expected = (extra.get("base_trained_on"), extra.get("trained_on"))
    found = (fingerprint(texts[0]), fingerprint(texts[1]))
    if expected != found:
        raise TrainingTextMismatch(
            f"{path}: trained on text {expected}, the baseline would see {found} "
            "(different splits or texts): retrain with 'segue lyrics train-bundled --force'")


class EqualDataBaseline:
    """``w · P_own + (1 − w) · P_all``: n-grams over exactly the LSTM's training text."""

    def __init__(self, vocab: Any, texts: list[str], own: str) -> None:
        self.vocab = vocab
        self.newline = vocab.stoi["\n"]
        self.texts = list(texts)
        self.all = WittenBellNgram(MAX_ORDER, len(vocab), self.newline).fit(vocab.encode("".join(texts)))
        self.own = WittenBellNgram(MAX_ORDER, len(vocab), self.newline).fit(vocab.encode(own))
        self.orders = (5, 5)
        self.weight = 0.5

    def _probs(self, model: WittenBellNgram, text: str, order: int) -> np.ndarray:
        return model.probabilities(self.vocab.encode(text), [self.newline] * 2, order=order)

    def tune(self, selection: str) -> EqualDataBaseline:
        """Choose both orders and the weight that minimise nats/char on the selection songs."""
        p_all = {n: self._probs(self.all, selection, n) for n in range(2, MAX_ORDER + 1)}
        p_own = {n: self._probs(self.own, selection, n) for n in range(2, MAX_ORDER + 1)}
        best = np.inf
        for na, pa in p_all.items():
            for no, po in p_own.items():
                for w in WEIGHTS:
                    nats = float(-np.log(w * po + (1 - w) * pa).mean())
                    if nats < best:
                        best, self.orders, self.weight = nats, (na, no), w
        return self

    def char_nlls(self, text: str) -> np.ndarray:
        """Negative log-probability of every character of ``text`` (after a song break)."""
        pa = self._probs(self.all, text, self.orders[0])
        po = self._probs(self.own, text, self.orders[1])
        return -np.log(self.weight * po + (1 - self.weight) * pa)


def song_sums(text: str, nll: np.ndarray) -> np.ndarray:
    """Per-song sums of per-character losses over a ``song + "\\n\\n"`` stream."""
    lengths = [len(song) + 2 for song in text.split("\n\n")[:-1] if song] or [len(nll)]
    bounds = np.cumsum([0, *lengths])
    return np.array([nll[a:b].sum() for a, b in zip(bounds, bounds[1:], strict=False)])


def bootstrap_gain(lstm: np.ndarray, base: np.ndarray, rounds: int = BOOTSTRAP, seed: int = 0
                   ) -> tuple[float, float]:
    """95 % interval of ``1 − Σlstm / Σbase`` with songs resampled with replacement."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(lstm), size=(rounds, len(lstm)))
    gains = 1.0 - lstm[idx].sum(1) / base[idx].sum(1)
    lo, hi = np.percentile(gains, [2.5, 97.5])
    return round(float(lo), 4), round(float(hi), 4)


def evaluate_writer(path: Path, slug: str, split: SongSplit, texts: list[str], lines: int = 200
                    ) -> dict[str, Any]:
    """Score one model file on the test songs of ``split`` against both baselines.

    ``texts`` is what the model was trained on (base stream, then the writer's training songs).
    """
    import torch

    from engine.checkpoint import load_checkpoint
    from engine.lyrics.metrics import generated_metrics
    from engine.lyrics.model import FORMAT_VERSION, KIND, load_artist
    from engine.lyrics.train import char_nlls, eval_stream

    train, selection, test = split.texts()
    extra = load_checkpoint(path, KIND, FORMAT_VERSION).extra
    check_training_texts(extra, texts, path)
    artist = load_artist(path)
    torch.set_num_threads(1)
    lstm = char_nlls(artist.model, eval_stream(artist.vocab, test)).double().numpy()
    equal = EqualDataBaseline(artist.vocab, texts, train).tune(selection)
    base = equal.char_nlls(test)
    own5 = float(-np.log(equal._probs(equal.own, test, 5)).mean())
    gain = 1.0 - lstm.mean() / base.mean()
    ci = bootstrap_gain(song_sums(test, lstm), song_sums(test, base))
    out: dict[str, Any] = {
        "name": BUNDLED.get(slug, slug),
        "lstm": round(float(lstm.mean()), 4),
        "ngram5": round(own5, 4),
        "ngram_equal": round(float(base.mean()), 4),
        "gain": round(float(gain), 4),
        "ci95": list(ci),
        "meets_target": bool(gain >= TARGET_GAIN and ci[0] >= TARGET_CI_LOW),
        "ngram_equal_orders": list(equal.orders),
        "ngram_equal_own_weight": equal.weight,
        "test_songs": len(song_sums(test, lstm)),
        "test_chars": len(test),
        "minutes": artist.metrics.get("minutes"),
        "origin": extra.get("origin", ""),
    }
    if lines:
        out.update(generated_metrics(artist, lines=lines))
    return out


def evaluate_bundled(lines: int = 200, models_dir: Path | None = None) -> dict[str, Any]:
    """Score every bundled writer; the writer left out of the base also fills ``new_artist``."""
    from engine.lyrics import newartist

    results: dict[str, Any] = {}
    folder = models_dir or bundled_models_dir()
    splits = bundled_splits()
    for split in splits:
        path = folder / f"{split.slug}.pt"
        if path.exists():
            songs = SongSplit(*(t.split("\n\n")[:-1] for t in (split.train, split.selection, split.test)))
            results[split.slug] = evaluate_writer(path, split.slug, songs,
                                                  lstm_training_texts(splits, split.slug), lines)
    if not results:
        raise LookupError(f"no bundled lyric artists in {folder}: run 'segue lyrics train-bundled'")
    check = folder / newartist.CHECK_FILE
    if check.exists():
        loo = newartist.loo_splits()
        r = evaluate_writer(check, newartist.NEW_ARTIST, loo[newartist.NEW_ARTIST],
                            newartist.new_artist_texts(loo), lines=0)
        results["new_artist"] = {
            "writer": newartist.NEW_ARTIST, "minutes": r["minutes"], "lstm": r["lstm"],
            "ngram_equal": r["ngram_equal"], "gain": r["gain"], "ci95": r["ci95"],
            "meets_target": r["gain"] >= NEW_ARTIST_TARGET, "test_songs": r["test_songs"],
        }
    results["split_seed"] = SPLIT_SEED
    return results
