"""Rhymes, syllables and real words: the pronouncing dictionary and the spelling fallback."""

from __future__ import annotations

from engine.lyrics import prosody
from engine.lyrics.metrics import rhyme_rate, syllable_error, word_validity


def test_dictionary_rhymes_on_known_words() -> None:
    assert prosody.rhymes("love", "above")
    assert prosody.rhymes("day", "away")
    assert prosody.rhymes("night", "delight")
    assert not prosody.rhymes("night", "day")
    assert not prosody.rhymes("love", "")
    assert "above" in prosody.rhyming_words("love")


def test_spelling_fallback_for_words_the_dictionary_lacks() -> None:
    assert not prosody.in_dictionary("bonie") and not prosody.in_dictionary("stonie")
    assert prosody.rhymes("bonie", "stonie")  # both unknown: spelling keys "onie"
    assert not prosody.rhymes("bonie", "brae")
    assert prosody.spelling_key("stone") == "one"
    assert prosody.lookup("lov'd") == prosody.lookup("loved")  # elision restored


def test_syllables_from_dictionary_and_fallback() -> None:
    assert prosody.word_syllables("beautiful") == 3
    assert prosody.word_syllables("fire") in (1, 2)
    assert prosody.word_syllables("bonie") == 2  # fallback: vowel groups o, ie
    assert prosody.word_syllables("glaikit") == 2
    assert prosody.line_syllables("Once I lov'd a bonie lass,") == 7
    assert prosody.words_of("O'er the e'e, a' lassie's") == ["o'er", "the", "e'e", "a", "lassie's"]


def test_generated_text_metrics() -> None:
    song = ["The sun is in the sky", "I wander on the hill", "And all my hopes must die", "Be still"]
    assert rhyme_rate([song], "ABAB") == 1.0
    assert rhyme_rate([song], "AABB") == 0.0
    assert rhyme_rate([["the day", "the day"]], "AABB") == 0.0  # a word does not rhyme with itself
    assert syllable_error([song], "common") == (2 + 0 + 2 + 4) / 4  # 6, 6, 6, 2 syllables
    assert word_validity(["the sun is glorb"], frozenset()) == 0.75
    assert word_validity(["the sun is glorb"], frozenset({"glorb"})) == 1.0


def test_rhymes_use_the_stressed_vowel_of_the_primary_pronunciation() -> None:
    assert not prosody.rhymes("our", "star")  # AW1 ER0 vs AA1 R (a rarer "our" is AA1 R)
    assert prosody.rhymes("star", "far")
    assert prosody.rhymes("our", "hour") and prosody.rhymes("power", "flower")
    assert "our" not in prosody.rhyming_words("star") and "far" in prosody.rhyming_words("star")


def test_function_word_endings() -> None:
    assert prosody.ends_on_function_word("But not shall be from the")
    assert not prosody.ends_on_function_word("I wander on the hill")
    assert prosody.function_ending_rate(["of the", "the hill", "", "and"]) == 2 / 3
    rates = prosody.line_end_rates("the hill\nthe day\nup the hill\n")
    assert rates["hill"] == 1.0 and rates["the"] == 0.0
