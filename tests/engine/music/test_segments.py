"""Segmentation: hand-checked features, transposition, repeat removal, triplets."""

from __future__ import annotations

import pytest

from engine.music.segments import (
    ARTIC,
    CHORD0,
    OCT0,
    PC0,
    STEPS,
    encode,
    segment_phase,
    segment_tune,
    to_grid,
)
from engine.music.tune import ImportProblem, Note, Tune

VOCAB = ["C", "G7", "F", "G", "Dm", "Am", "D7", "Bb", "C7", "D", "A7", "Em"]


def _tune(melody, chords=(), key="C") -> Tune:
    return Tune("t", [Note(*n) for n in melody], [Note(*c) for c in chords], key, [key])


def test_known_tune_features_hand_checked() -> None:
    # D major: D5 quarter, F#5 eighth, A5 eighth, rest, D6 half; D chord for 2 beats, A7 after.
    melody = [(0, 1, 74), (1, 1.5, 78), (1.5, 2, 81), (3, 5, 86)]
    chords = [(0, 2, 50), (0, 2, 54), (0, 2, 57), (2, 5, 45), (2, 5, 49), (2, 5, 52), (2, 5, 55)]
    grid = to_grid(_tune(melody, chords, key="D"))
    feats = encode(grid, VOCAB)
    assert feats.shape == (20, 29)
    # step 0: onset of D5 -> C5 after transposition (MIDI 72: octave slot 2, pitch class 0)
    assert feats[0, ARTIC] == 1 and feats[0, OCT0 + 2] == 1 and feats[0, PC0 + 0] == 1
    # step 1: C5 held, no articulation
    assert feats[1, ARTIC] == 0 and feats[1, PC0 + 0] == 1
    # step 4: F#5 -> E5 (pitch class 4); step 6: A5 -> G5 (pitch class 7)
    assert feats[4, ARTIC] == 1 and feats[4, PC0 + 4] == 1
    assert feats[6, ARTIC] == 1 and feats[6, PC0 + 7] == 1
    # steps 8..11: rest -> no melody bits
    assert feats[8:12, :CHORD0].sum() == 0
    # step 12: D6 -> C6 (MIDI 84: octave slot 3)
    assert feats[12, OCT0 + 3] == 1 and feats[12, PC0] == 1
    # chords: D -> C (vocab 0) for steps 0..7, A7 -> G7 (vocab 1) after
    assert feats[0:8, CHORD0 + 0].all() and feats[8:20, CHORD0 + 1].all()
    assert feats.sum(1).max() <= 1 + 1 + 1 + 1


def test_octave_clamps_and_rows_are_one_hot() -> None:
    feats = encode(to_grid(_tune([(0, 4, 30), (4, 8, 120)])), VOCAB)
    assert feats[0, OCT0] == 1 and feats[16, OCT0 + 3] == 1
    assert (feats[:, OCT0:PC0].sum(1) <= 1).all() and (feats[:, PC0:CHORD0].sum(1) <= 1).all()


def test_repeats_are_removed_and_junctions_kept() -> None:
    part = [(b, b + 1, 72 + (b % 8)) for b in range(8)]
    melody = part + [(s + 8, e + 8, p) for s, e, p in part]  # the same 2 bars played twice
    segs = segment_tune(to_grid(_tune(melody)), VOCAB)
    # 16 beats -> 7 windows; the second half repeats the first: windows 4, 5, 6 == 0, 1, 2
    assert len(segs.features) == 4
    assert list(segs.positions) == [0, 1, 2, 3]
    assert (0, 2) in segs.junctions and (3, 1) in segs.junctions  # wrap into the repeat
    assert segs.ends[2] and not segs.ends[0]


def test_triplet_segments_are_skipped() -> None:
    straight = [(b, b + 1, 72) for b in range(4)]
    third = 1 / 3
    triplets = [(4 + k * third, 4 + (k + 1) * third, 74) for k in range(3)]
    tail = [(b, b + 1, 76) for b in range(5, 12)]
    segs = segment_tune(to_grid(_tune(straight + triplets + tail)), VOCAB)
    starts = [int(p) * 8 for p in segs.positions]
    assert all(not (s <= 16 < s + STEPS) for s in starts)  # no window covers the triplet beat
    assert len(segs.features) >= 2


def test_only_triplets_raises() -> None:
    third = 1 / 3
    melody = [(k * third, (k + 1) * third, 72 + k % 3) for k in range(3 * 8)]
    with pytest.raises(ImportProblem, match=r"no usable segment: triplet \(3 windows\)"):
        segment_tune(to_grid(_tune(melody)), VOCAB)


def test_phase() -> None:
    assert [segment_phase(p, 4) for p in range(4)] == [0, 2, 0, 2]
    assert {segment_phase(p, 2) for p in range(4)} == {0}


def test_real_tune_first_segment_hand_checked() -> None:
    """reelsa-c1 (D major) opens A5 F#5 G5 F#5 in quarter notes over a D chord."""
    from pathlib import Path

    from engine.music.midi_import import read_midi

    path = Path(__file__).resolve().parents[2] / "data" / "dshl" / "reelsa-c1.mid"
    segs = segment_tune(to_grid(read_midi(path)), VOCAB)
    first = segs.features[0]
    assert list(first[:, ARTIC].nonzero()[0]) == [0, 4, 8, 12]
    # transposed down a tone: A F# G F# -> G E F E, octave slot 2 (MIDI 72..83)
    assert [int(first[s, PC0:CHORD0].argmax()) for s in (0, 4, 8, 12)] == [7, 4, 5, 4]
    assert first[:, OCT0 + 2].all()
    assert first[:8, CHORD0 + VOCAB.index("C")].all()  # D -> C for the first two beats
    assert segs.positions[0] == 0 and segs.ends.sum() == 1
