"""Meters beyond 2/4 and 4/4, minor keys, and irregular input that drops only its own windows."""

from __future__ import annotations

from pathlib import Path

import mido
import numpy as np

from engine.music.abc_import import parse_tune
from engine.music.midi_import import read_midi
from engine.music.segments import ARTIC, CHORD0, PC0, encode, segment_tune, to_grid
from engine.music.tune import Note, Tune

VOCAB = ["C", "G7", "F", "G", "Am", "Dm", "D7", "E7", "Em", "Bb", "C7", "D"]
DATA = Path(__file__).resolve().parents[2] / "data" / "dshl"


def _onsets_and_classes(window: np.ndarray, upto: int) -> tuple[list[int], list[int]]:
    steps = [int(s) for s in window[:upto, ARTIC].nonzero()[0]]
    return steps, [int(window[s, PC0:CHORD0].argmax()) for s in steps]


def test_jig_6_8_segments_are_two_bars_hand_checked() -> None:
    """jigs1 (A major, 6/8): a pick-up eighth in bar 1, then E C# C# C#-quarter F# in bar 2."""
    tune = read_midi(DATA / "jigs1.mid")
    assert tune.meter == "6/8" and tune.beats_per_bar == 3 and tune.mode == "major"
    grid = to_grid(tune)
    assert grid.family.steps == 24 and grid.family.hop == 12
    segs = segment_tune(grid, VOCAB)
    assert segs.features.shape[1:] == (24, 29)
    assert list(segs.positions[:2]) == [0, 1] and set(segs.phases) == {0}  # one window a bar
    bar2 = segs.features[1]  # starts on bar 2 (beat 3)
    steps, classes = _onsets_and_classes(bar2, 12)
    assert steps == [0, 2, 4, 6, 10]  # eighth, eighth, eighth, quarter, eighth
    assert classes == [7, 4, 4, 4, 9]  # A major -> C: E C# C# C# F# -> G E E E A
    assert bar2[:12, CHORD0 + VOCAB.index("C")].all()  # the A chord -> C
    occ = segs.occurrence  # junctions join windows two bars (one segment) apart
    assert {(occ[k], occ[k + 2]) for k in range(len(occ) - 2)} == set(segs.junctions)


def test_waltz_3_4_windows_every_bar() -> None:
    melody = [Note(b, b + 1, 72 + (b % 7)) for b in range(18)]  # six bars of quarter notes
    grid = to_grid(Tune("w", melody, key="C", keys=["C"], beats_per_bar=3, meter="3/4"))
    segs = segment_tune(grid, VOCAB)
    assert len(segs.occurrence) == 5 and list(segs.positions) == [0, 1, 2, 3, 4]
    first = segs.features[0]
    assert list(first[:, ARTIC].nonzero()[0]) == [0, 4, 8, 12, 16, 20]  # six beats, two bars
    assert segs.junctions == [(0, 2), (1, 3), (2, 4)]


def test_minor_tune_moves_to_a_minor() -> None:
    tune = Tune("m", [Note(b, b + 1, 64 + (b % 3)) for b in range(8)], key="Em", keys=["Em"])
    grid = to_grid(tune)
    assert grid.mode == "minor" and int(grid.pitch[0]) == 69  # E4 -> A4: tonic to tonic


ODD = """X:1
T:Odd Hornpipe
M:2/4
L:1/16
K:G
|GABc dcBA|GABc d2B2|ABcd efg2|fedc BAGF|GABcd|ABcd efga|gfed cBAG|G2B2 d4|]
"""


def test_odd_bar_drops_only_its_windows() -> None:
    grid = to_grid(parse_tune(ODD))
    segs = segment_tune(grid, VOCAB)
    assert dict(segs.dropped) == {"odd bar (5/16 in 2/4)": 1}
    # bars 1-4 give windows at steps 0, 8, 16 (24 touches the 5/16 bar); bars 6-8 restart on
    # the bar line at step 37: windows at 37 and 45
    assert len(segs.occurrence) == 6 and segs.occurrence[3] == -1
    assert len(segs.features) == 5
    steps, classes = _onsets_and_classes(segs.features[3], 4)
    assert steps == [0, 1, 2, 3] and classes == [9 - 7 + 0, 11 - 7 + 0, 0 + 5, 2 + 5]  # ABcd in G
    regular = segment_tune(to_grid(parse_tune(ODD.replace("GABcd|", "GABc dBGB|"))), VOCAB)
    assert not regular.dropped and len(regular.occurrence) == 7


def test_ornaments_are_quantised_and_triplets_named() -> None:
    melody = [Note(0, 0.125, 74), Note(0.125, 0.25, 72), Note(0.25, 1, 74)]  # 32nd ornament
    melody += [Note(b, b + 1, 72 + b % 5) for b in range(1, 8)]
    melody += [Note(8 + k / 3, 8 + (k + 1) / 3, 76) for k in range(3)]  # a real triplet
    melody += [Note(b, b + 1, 72) for b in range(9, 16)]
    grid = to_grid(Tune("o", melody))
    assert grid.ornaments == 1 and grid.found["ornament"] == "32nd-note ornament"
    assert list(grid.onset[:2]) == [True, True] and int(grid.pitch[1]) == 74
    segs = segment_tune(grid, VOCAB)
    assert set(segs.dropped) == {"triplet"}  # never blamed on the ornament
    assert segs.occurrence[0] >= 0  # the ornamented window is kept


def test_meter_change_drops_only_that_bar(tmp_path: Path) -> None:
    midi = mido.MidiFile(type=1, ticks_per_beat=480)
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("time_signature", numerator=4, denominator=4, time=0))
    events = [(8 * 480, mido.MetaMessage("time_signature", numerator=5, denominator=4)),
              (13 * 480, mido.MetaMessage("time_signature", numerator=4, denominator=4))]
    for b in range(21):
        events.append((b * 480, mido.Message("note_on", note=72 + b % 5, velocity=80)))
        events.append(((b + 1) * 480 - 1, mido.Message("note_off", note=72 + b % 5, velocity=0)))
    now = 0
    for tick, msg in sorted(events, key=lambda e: (e[0], e[1].type != "time_signature")):
        track.append(msg.copy(time=tick - now))
        now = tick
    midi.tracks.append(track)
    midi.save(str(tmp_path / "change.mid"))
    tune = read_midi(tmp_path / "change.mid")
    assert tune.meter == "4/4" and tune.irregular == [(8.0, 13.0, "meter change to 5/4")]
    segs = segment_tune(to_grid(tune), VOCAB)
    assert dict(segs.dropped) == {"meter change to 5/4": 1}  # the window at step 24 touches it
    kept = [k for k, o in enumerate(segs.occurrence) if o >= 0]
    assert len(kept) == 6  # 0, 8, 16 before; 52, 60, 68 after (back on the bar line)
    assert encode(to_grid(tune), VOCAB).shape == (84, 29)
