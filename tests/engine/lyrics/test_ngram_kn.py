"""Interpolated modified Kneser-Ney: normalisation, a brute-force reference, the mixture's tuning."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from engine.lyrics.ngram_kn import KneserNey, KNMixture, discounts
from engine.lyrics.vocab import shared_vocabulary


def brute_kn(ids: list[int], order: int, vocab: int, pad: int):
    """Textbook interpolated modified KN with dictionaries (slow, obviously right)."""
    padded = [pad] * (order - 1) + list(ids)
    raw: list[Counter] = [Counter() for _ in range(order)]  # raw[k][(ctx, w)], ctx of length k
    for i in range(order - 1, len(padded)):
        for k in range(order):
            raw[k][(tuple(padded[i - k:i]), padded[i])] += 1
    cont: list[Counter] = [Counter() for _ in range(order)]
    for k in range(order - 1):
        for (ctx, w) in raw[k + 1]:
            cont[k][(ctx[1:], w)] += 1

    def table(k: int, top: int) -> Counter:
        return raw[k] if k == top - 1 else cont[k]

    def d_of(counts: Counter) -> tuple[float, ...]:
        return discounts(np.array(list(counts.values())))

    def prob(ctx: tuple[int, ...], w: int, top: int) -> float:
        p = 1.0 / vocab
        for k in range(top):
            h = ctx[len(ctx) - k:] if k else ()
            counts = table(k, top)
            d = d_of(counts)
            row = {x: c for (c_h, x), c in counts.items() if c_h == h}
            total = sum(row.values())
            if not total:
                continue
            n = [sum(1 for c in row.values() if c == r) for r in (1, 2)]
            n3 = sum(1 for c in row.values() if c >= 3)
            gamma = (d[0] * n[0] + d[1] * n[1] + d[2] * n3) / total
            c = row.get(w, 0)
            dc = 0.0 if c == 0 else d[min(c, 3) - 1]
            p = max(c - dc, 0.0) / total + gamma * p
        return p

    return prob


def test_probabilities_sum_to_one_over_the_vocabulary() -> None:
    rng = np.random.default_rng(0)
    ids = list(rng.integers(0, 7, 400)) + [1, 2, 3, 4] * 30
    model = KneserNey(5, 7, pad_id=0, min_top=3).fit(ids)
    for context in ([1, 2, 3, 4], [6, 6, 6, 6], [], [2]):
        for order in (3, 4, 5):
            dist = model.distribution(context, order=order)
            assert dist.sum() == pytest.approx(1.0)
            assert (dist > 0).all()


def test_matches_a_brute_force_kneser_ney_on_a_toy_text() -> None:
    rng = np.random.default_rng(1)
    ids = [int(x) for x in rng.integers(0, 5, 300)] + [1, 2, 3] * 20
    vocab, order = 5, 4
    model = KneserNey(order, vocab, pad_id=0, min_top=2).fit(ids)
    query = [int(x) for x in rng.integers(0, 5, 40)]
    for top in (2, 3, 4):
        brute = brute_kn(ids, top, vocab, 0)
        fast = model.probabilities(query, context=[3, 1], order=top)
        padded = [0] * (order - 1 - 2) + [3, 1] + query
        expected = [brute(tuple(padded[order - 1 + i - (top - 1):order - 1 + i]), w, top)
                    for i, w in enumerate(query)]
        assert fast == pytest.approx(expected, rel=1e-9)


def test_many_sequences_at_once_match_one_at_a_time() -> None:
    rng = np.random.default_rng(2)
    ids = list(rng.integers(0, 6, 500))
    model = KneserNey(6, 6, pad_id=0).fit(ids)
    seqs = [[1, 2, 3], [4], [5, 5, 0, 1]]
    many = model.probabilities_many(seqs, [2, 2], also=0)
    for seq, (probs, newline) in zip(seqs, many, strict=True):
        assert probs == pytest.approx(model.probabilities(seq, [2, 2]))
        assert newline is not None and len(newline) == len(seq) + 1
        assert newline[-1] == pytest.approx(model.probabilities([0], [2, 2, *seq])[0])


def test_higher_orders_learn_a_pattern_and_unseen_symbols_keep_mass() -> None:
    text = [0, 1, 2, 3, 1, 2, 0, 3] * 100
    model = KneserNey(5, 5, min_top=1).fit(text)
    assert model.nats_per_char(text[:64], context=text[-4:], order=5) < 0.2
    assert model.nats_per_char(text[:64], order=1) > 1.0
    assert model.probabilities([4], order=5)[0] > 0


def test_mixture_weights_are_chosen_on_selection_only() -> None:
    vocab = shared_vocabulary()
    own = "the sun is in the sky\nthe moon is on the sea\n\n" * 20
    base = "a rose is a rose is a rose\nand all the day is long\n\n" * 20
    selection = "the sun is on the sea\nthe moon is in the sky\n\n"
    a = KNMixture(vocab, [base, own], own, orders=(5, 6)).tune(selection)
    b = KNMixture(vocab, [base, own], own, orders=(5, 6)).tune(selection)
    assert (a.orders, a.weight) == (b.orders, b.weight)
    assert a.orders[0] in (5, 6) and a.orders[1] in (5, 6) and 0.0 <= a.weight <= 1.0
    # Test text is never read by tune(): scoring different test text leaves the choice unchanged.
    before = (a.orders, a.weight)
    a.char_nlls("something else entirely\n\n")
    assert (a.orders, a.weight) == before
    nll = a.char_nlls(selection)
    assert len(nll) == len(selection) and np.isfinite(nll).all()


def test_discounts_follow_count_of_counts() -> None:
    counts = np.array([1] * 10 + [2] * 4 + [3] * 2 + [4])
    y = 10 / (10 + 2 * 4)
    d1, d2, d3 = discounts(counts)
    assert d1 == pytest.approx(1 - 2 * y * 4 / 10)
    assert d2 == pytest.approx(2 - 3 * y * 2 / 4)
    assert d3 == pytest.approx(3 - 4 * y * 1 / 2)
