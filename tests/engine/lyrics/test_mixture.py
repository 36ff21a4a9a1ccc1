"""The bundled predictor: song cache, EM weights, stored weights tied to their checkpoint."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from engine.lyrics import mixture as mx
from engine.lyrics.mixture_tune import fit_weights
from engine.lyrics.ngram_kn import WordKN
from engine.lyrics.vocab import shared_vocabulary
from tests.engine.lyrics.helpers import tiny_artist


def test_song_cache_is_a_distribution_and_forgets_at_a_song_break() -> None:
    vocab = shared_vocabulary()
    cache = mx.SongCache(len(vocab), vocab.stoi["\n"])
    cache.feed(vocab.encode("\n\nthe rose, the rose\nthe ro"))
    probs = [cache._prob(cache.song, i, None)[0] for i in range(len(vocab))]
    assert sum(probs) == pytest.approx(1.0)
    assert cache._prob(cache.song, vocab.stoi["s"], None)[0] > 0.5  # "the ro" -> "s" from the song
    p, match, p_nl, _ = cache.score(vocab.encode("se"), also=vocab.stoi["\n"])
    assert len(p) == 2 and len(p_nl) == 3 and match[0] >= 5
    assert cache.song[-2:] == vocab.encode("ro")  # scoring leaves the cache unchanged
    cache.feed(vocab.encode("se\n\n"))
    assert cache.song == [] and cache._prob(cache.song, vocab.stoi["s"], None)[1] == 0


def test_scoring_with_an_overlay_matches_feeding_a_copy() -> None:
    import copy

    vocab = shared_vocabulary()
    cache = mx.SongCache(len(vocab), vocab.stoi["\n"])
    cache.feed(vocab.encode("\n\nO my luve is like a red, red rose\nThat's newly sprung in June\n"))
    seq = vocab.encode("O my luve is like the melodie")
    p, match, p_nl, _ = cache.score(seq[5:], also=vocab.stoi["\n"], prefix=seq[:5])
    twin = copy.deepcopy(cache)
    twin.feed(seq[:5])
    for i, c in enumerate(seq[5:]):
        assert twin._prob(twin.song, c)[0] == pytest.approx(p[i])
        assert twin._prob(twin.song, vocab.stoi["\n"])[0] == pytest.approx(p_nl[i])
        assert twin._prob(twin.song, c)[1] == match[i]
        twin.feed([c])


def test_cache_stream_matches_incremental_scoring() -> None:
    vocab = shared_vocabulary()
    text = "the rose\nthe rose\n\nthe sun\n\n"
    p, m = mx.cache_stream(vocab, text)
    assert len(p) == len(text) and (p > 0).all() and (p <= 1).all()
    assert m[len("the rose\nthe ro")] > m[len("the ro")]


def test_em_weights_prefer_the_better_component_per_bucket() -> None:
    rng = np.random.default_rng(0)
    n = 4000
    match = rng.integers(0, mx.BUCKETS, n)
    good = rng.uniform(0.3, 0.9, n)
    bad = rng.uniform(0.001, 0.05, n)
    cache = np.where(match >= 4, good, bad)  # the cache is right only when it matched a long context
    probs = np.stack([good * 0.8, bad, bad, cache], 1)
    w = fit_weights(probs, match)
    assert w.shape == (mx.BUCKETS, 4) and np.allclose(w.sum(1), 1)
    assert w[6, 3] > w[0, 3] and w[0, 0] > w[0, 1]


def test_stored_weights_round_trip_and_stale_weights_are_refused(tmp_path: Path) -> None:
    weights = mx.MixtureWeights((7, 5), 0.4, np.full((mx.BUCKETS, 4), 0.25), "abc")
    mx.save_weights(tmp_path, {"robert_burns": weights})
    back = mx.load_weights(tmp_path)["robert_burns"]
    assert back.kn_orders == (7, 5) and back.kn_own_weight == 0.4 and back.model_sha == "abc"
    assert np.allclose(back.weights, 0.25)
    artist = tiny_artist("Ann")  # not a bundled writer's file: the LSTM alone
    assert mx.predictor(artist).pure


def test_word_model_prefers_a_line_the_writer_could_have_written() -> None:
    text = "the sun is in the sky\nthe moon is on the sea\n\n" * 10
    words = WordKN(text)
    good, bad = words.line_logprobs(["the sun is in the sky", "the the sky in is sun"], "\n\n")
    assert good > bad
