"""Constrained decoding on a tiny trained model: rhyme schemes, metre, real words, turn-taking."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import torch

from engine.lyrics import prosody
from engine.lyrics.constrained import (
    LineGoal,
    choose_line,
    normalise_metre,
    normalise_rhyme,
    rhyme_partner,
    syllable_target,
)
from engine.lyrics.duet import DuetLine, DuetSpec, write_duet
from engine.lyrics.metrics import rhyme_rate
from engine.lyrics.model import Context
from tests.engine.lyrics.helpers import trained_tiny_artist


@pytest.fixture(scope="module")
def pair(tmp_path_factory: pytest.TempPathFactory) -> tuple:
    artist = trained_tiny_artist(Path(tmp_path_factory.mktemp("tiny")) / "tiny.pt")
    return replace(artist, name="Ann"), replace(artist, name="Bob")


def test_schemes_and_metres() -> None:
    assert [rhyme_partner(i, "AABB") for i in range(4)] == [None, 0, None, 2]
    assert [rhyme_partner(i, "ABAB") for i in range(8)] == [None, None, 0, 1, None, None, 4, 5]
    assert [rhyme_partner(i, "ABCB") for i in range(4)] == [None, None, None, 1]
    assert [syllable_target(i, "common") for i in range(4)] == [8, 6, 8, 6]
    assert syllable_target(3, "free") is None
    assert normalise_rhyme("abcb") == "ABCB" and normalise_metre("Common 8-6-8-6") == "common"
    with pytest.raises(ValueError, match="rhyme scheme"):
        DuetSpec(rhyme="ABBA")


def test_a_line_rhymes_with_its_partner_and_uses_real_words(pair: tuple) -> None:
    gen = torch.Generator().manual_seed(4)
    line = choose_line(Context(pair[0], "\n\nThe night is still\n"), LineGoal(rhyme_with="still"), 0.8, gen)
    end = prosody.end_word(line)
    assert end != "still" and prosody.rhymes(end, "still"), line
    assert all(prosody.is_real(w, pair[0].words) for w in prosody.words_of(line)), line


def test_a_line_keeps_its_syllable_count(pair: tuple) -> None:
    for seed in range(3):
        gen = torch.Generator().manual_seed(seed)
        line = choose_line(Context(pair[0]), LineGoal(syllables=6, real_words=False), 0.8, gen,
                           candidates=24)
        assert abs(prosody.line_syllables(line) - 6) <= 1, line


@pytest.mark.parametrize("scheme", ["AABB", "ABAB", "ABCB"])
def test_duet_honours_the_rhyme_scheme_and_still_alternates(pair: tuple, scheme: str) -> None:
    spec = DuetSpec(lines=8, seed=3, rhyme=scheme, real_words=True, candidates=16)
    lines = write_duet(pair, spec)
    assert [line.artist for line in lines] == ["Ann", "Bob"] * 4
    assert rhyme_rate([[line.text for line in lines]], scheme) >= 0.75


def test_each_artist_continues_from_the_others_last_line(pair: tuple) -> None:
    spec = DuetSpec(lines=2, seed=9, rhyme="AABB", real_words=True)
    one = write_duet(pair, spec, existing=[DuetLine("Ann", "The bee is in the clover", 0, locked=True)])
    two = write_duet(pair, spec, existing=[DuetLine("Ann", "I hear the mill", 0, locked=True)])
    assert prosody.rhymes(prosody.end_word(one[1].text), "clover"), one[1].text
    assert prosody.rhymes(prosody.end_word(two[1].text), "mill"), two[1].text


def test_constrained_lines_never_draw_unsung_characters() -> None:
    """The bundled Burns model once wrote 'fear.""And' and '&c.': quotes, ampersands, digits and
    markup are never drawn in a constrained line's candidates (the plain sampler keeps them)."""
    from engine.lyrics.artists import find_artist
    from engine.lyrics.constrained import UNSUNG, _sample_batch
    from engine.lyrics.model import load_artist

    burns = load_artist(find_artist("burns").path)
    gen = torch.Generator().manual_seed(0)
    batch = _sample_batch(Context(burns, '\n\n"O wha will buy my troggin," &c.\n1. "'), 64, 1.5, gen,
                          max_chars=60)
    assert all(ch not in UNSUNG for text in batch.texts for ch in text), batch.texts
    assert sum(ch in UNSUNG for ch in burns.vocab.itos) >= 5  # the model can write them


def test_regenerate_keeps_the_rhyme_partner_that_comes_later(pair: tuple) -> None:
    """Line 2 of ABAB rhymes with line 4: rewriting line 2 against a kept '...still' rhymes."""
    from engine.lyrics.duet import regenerate_line

    spec = DuetSpec(lines=4, seed=5, rhyme="ABAB", metre="common", real_words=True, candidates=16)
    lines = write_duet(pair, spec)
    lines[3] = DuetLine(lines[3].artist, "I hear the mill", lines[3].voice, locked=True)
    for attempt in (1, 2, 3):
        new = regenerate_line(pair, lines, 1, spec, attempt)
        end = prosody.end_word(new[1].text)
        assert end != "mill" and prosody.rhymes(end, "mill"), new[1].text
        assert abs(prosody.line_syllables(new[1].text) - 6) <= 1, new[1].text
        assert new[0] == lines[0] and new[2:] == lines[2:]


def test_a_locked_later_partner_is_rhymed_when_the_duet_is_written(pair: tuple) -> None:
    spec = DuetSpec(lines=4, seed=2, rhyme="AABB", real_words=True, candidates=16)
    existing = [DuetLine("Ann", "", 0), DuetLine("Ann", "The bee is in the clover", 0, locked=True)]
    lines = write_duet(pair, spec, existing=existing)
    assert lines[1].text == "The bee is in the clover"
    assert prosody.rhymes(prosody.end_word(lines[0].text), "clover"), lines[0].text


def test_no_line_ends_on_a_function_word_the_writers_never_end_on(pair: tuple) -> None:
    from engine.lyrics.constrained import weak_ending

    assert weak_ending("the") and weak_ending("of") and weak_ending("and")
    assert not weak_ending("thee") and not weak_ending("star")
    ends = []
    for seed in range(4):
        spec = DuetSpec(lines=8, seed=seed, rhyme="ABAB", metre="common", real_words=True)
        ends += [prosody.end_word(line.text) for line in write_duet(pair, spec)]
    assert not [w for w in ends if weak_ending(w)], ends


def test_rhyme_candidates_follow_the_primary_pronunciation() -> None:
    from engine.lyrics.constrained import rhyme_candidates

    pool = rhyme_candidates("star", frozenset())
    assert "far" in pool and "our" not in pool and "the" not in pool


def test_a_function_word_twice_in_a_row_costs_but_a_red_red_rose_does_not() -> None:
    from engine.lyrics.constrained import STUTTER_PENALTY, _ending_penalty

    goal = LineGoal(real_words=False)
    words = frozenset()
    assert _ending_penalty("shall shall great God", goal, words) == pytest.approx(
        _ending_penalty("shall great God", goal, words) + STUTTER_PENALTY)
    assert _ending_penalty("a red, red rose", goal, words) == _ending_penalty("a red rose", goal, words)
