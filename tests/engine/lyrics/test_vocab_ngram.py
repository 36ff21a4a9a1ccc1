"""Vocabulary with unknowns, and the Witten-Bell n-gram baseline."""

from __future__ import annotations

import numpy as np
import pytest

from engine.lyrics.ngram import WittenBellNgram
from engine.lyrics.vocab import UNK, Vocabulary, shared_vocabulary


def test_unknown_characters_map_to_the_unknown_symbol() -> None:
    vocab = Vocabulary.from_text("abc\n")
    ids = vocab.encode("abz\n")
    assert ids[2] == Vocabulary.unk_id
    assert vocab.decode(ids) == f"ab{UNK}\n"
    assert vocab.coverage("abz\n") == pytest.approx(0.75)


def test_accented_letters_fold_to_their_base() -> None:
    vocab = shared_vocabulary()
    assert vocab.decode(vocab.encode("caf\u00e9 \u00c5")) == "cafe A"


def test_vocabulary_round_trips_through_a_string() -> None:
    vocab = Vocabulary.from_text("hello world\n")
    again = Vocabulary.from_string(vocab.to_string())
    assert again == vocab and len(again) == len(set("hello world\n")) + 1


def test_two_vocabularies_exchange_text_through_unknowns() -> None:
    a, b = Vocabulary.from_text("abc"), Vocabulary.from_text("xyz")
    assert a.encode("ax") == [a.stoi["a"], 0]
    assert b.encode("ax") == [0, b.stoi["x"]]


def test_shared_vocabulary_has_newline_and_printable_ascii() -> None:
    vocab = shared_vocabulary()
    assert "\n" in vocab.stoi and "~" in vocab.stoi and "\t" not in vocab.stoi
    assert vocab.itos[0] == UNK


def test_ngram_probabilities_sum_to_one() -> None:
    ids = np.random.default_rng(0).integers(0, 6, 500)
    model = WittenBellNgram(3, 6).fit(ids)
    context = [1, 2]
    total = sum(model.probabilities([w], context)[0] for w in range(6))
    assert total == pytest.approx(1.0)


def test_higher_order_learns_a_repeating_pattern() -> None:
    text = [0, 1, 2, 3, 1, 2, 0, 3] * 100
    low = WittenBellNgram(1, 4).fit(text).nats_per_char(text[:64])
    high = WittenBellNgram(5, 4).fit(text).nats_per_char(text[:64], context=text[-4:])
    assert high < 0.2 < low


def test_unseen_symbol_gets_nonzero_probability() -> None:
    model = WittenBellNgram(5, 10).fit([1, 2, 3] * 20)
    assert model.probabilities([9])[0] > 0
