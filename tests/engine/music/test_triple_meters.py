"""9/8, 3/2 and 6/4 in the triple family: hand-checked windows, the bundled tunes, the old meters'
windows unchanged, and a 9/8 chain exported with its true time signature."""

from __future__ import annotations

import hashlib
from pathlib import Path

import mido
import numpy as np
import pytest

from engine.dshl import api
from engine.dshl.chain import ChainState, block_beats, source_bar, write_midi
from engine.music.abc_import import parse_tune
from engine.music.midi_export import RenderedNote
from engine.music.midi_import import read_midi
from engine.music.segments import ARTIC, bar_beat, cycle_steps, segment_tune, to_grid
from engine.music.tune import Note, Tune
from engine.paths import assets_dir

VOCAB = ["C", "G7", "F", "Am", "G", "Dm", "D7", "E7", "Em", "Bb", "C7", "D"]  # triple, before
MIDI = assets_dir() / "nottingham" / "MIDI"


def _eighths(lengths: list[int], meter: str = "9/8", pickup: int = 0) -> Tune:
    """A tune of eighth notes: ``pickup`` eighths, then bars of ``lengths`` eighths (distinct
    pitches, so every window is its own segment), with ABC-style bar lines."""
    notes: list[Note] = []
    lines: list[float] = []
    beat = 0.0
    for count in ([pickup] if pickup else []) + lengths:
        for _ in range(count):
            notes.append(Note(beat, beat + 0.5, 48 + len(notes) % 48))  # no repeat in 96 steps
            beat += 0.5
        lines.append(beat)
    return Tune("t", notes, key="C", keys=["C"], beats_per_bar=4.5, meter=meter,
                bar_lines=lines[:-1])


def _starts(grid) -> list[int]:
    """The step where each hop slot's window starts."""
    from engine.music.segments import _slots

    return [s for s in _slots(grid, grid.family) if s + 24 <= len(grid.pitch)]


def test_9_8_windows_every_two_dotted_quarters_over_a_two_bar_cycle() -> None:
    grid = to_grid(_eighths([9] * 6))  # six bars = 108 steps
    assert cycle_steps("9/8") == 36 and grid.family.steps == 24 and grid.family.hop == 12
    segs = segment_tune(grid, VOCAB)
    assert _starts(grid) == [0, 12, 24, 36, 48, 60, 72, 84]  # uniform, never 0, 12, 18
    assert segs.features.shape == (8, 24, 29) and list(segs.positions) == list(range(8))
    assert list(segs.phases) == [0, 3, 6] * 2 + [0, 3]  # quarter beat of the two-bar cycle
    assert list(segs.features[0][:, ARTIC].nonzero()[0]) == list(range(0, 24, 2))
    assert segs.junctions == [(k, k + 2) for k in range(6)]  # successor 24 steps = 2 slots later
    assert segs.overlaps == [(k, k + 1) for k in range(7)]


def test_9_8_pickup_and_odd_bar() -> None:
    grid = to_grid(_eighths([9] * 3, pickup=3))  # a 3-eighth pick-up, then three bars
    assert _starts(grid) == [6, 18, 30]  # from the first downbeat; none in the pick-up
    assert list(segment_tune(grid, VOCAB).phases) == [0, 3, 6]
    odd = _eighths([9, 9, 9, 8, 9, 9])  # bar 4 is one eighth short (steps 54..70)
    grid = to_grid(odd)
    segs = segment_tune(grid, VOCAB)
    assert _starts(grid) == [0, 12, 24, 36, 48, 70, 82]  # the cycle restarts after it
    assert len(segs.features) == 5 and sum(segs.dropped.values()) == 2  # only 36 and 48 drop
    assert segs.dropped["odd bar (16/16 in 9/8)"] == 2
    assert segs.occurrence == [0, 1, 2, -1, -1, 3, 4] and segs.junctions == [(0, 2)]


@pytest.mark.parametrize("meter", ["3/2", "6/4"])
def test_3_2_and_6_4_one_bar_every_half_bar(meter: str) -> None:
    melody = [Note(b, b + 1, 62 + b % 11) for b in range(18)]  # three bars of quarter notes
    segs = segment_tune(to_grid(Tune("t", melody, key="C", keys=["C"], beats_per_bar=6,
                                     meter=meter)), VOCAB)
    assert segs.features.shape == (5, 24, 29) and list(segs.phases) == [0, 3, 0, 3, 0]
    assert list(segs.features[1][:, ARTIC].nonzero()[0]) == list(range(0, 24, 4))
    assert segs.junctions == [(0, 2), (1, 3), (2, 4)]


def test_bar_and_beat_in_the_meter_pulse() -> None:
    assert [bar_beat(s, "9/8") for s in (0, 12, 24, 36)] == [(1, "1"), (1, "3"), (2, "2"),
                                                              (3, "1")]
    assert bar_beat(12, "3/2") == (1, "2½") and bar_beat(12, "6/4") == (1, "2")
    assert bar_beat(12, "3/4") == (2, "1") and bar_beat(8, "4/4") == (1, "3")
    item = api.ChainItem(0, "slip1", 2, 0, 0.0, False)
    assert source_bar(item, "9/8") == (2, "2") and source_bar(item, "4/4") == (2, "1")
    assert block_beats("9/8") == 6.0 and block_beats("2/2") == 4.0


def test_abc_9_8_import() -> None:
    slip = parse_tune("X:1\nT:Slip\nM:9/8\nL:1/8\nK:G\n" + "GAB cBA GAB|" * 4)
    assert slip.meter == "9/8" and slip.beats_per_bar == 4.5 and slip.bar_lines[:2] == [4.5, 9]
    segs = segment_tune(to_grid(slip), VOCAB)  # every bar the same: three distinct windows
    assert len(segs.features) == 3 and segs.occurrence == [0, 1, 2, 0, 1]


def test_bundled_9_8_3_2_6_4_tunes_import_and_segment() -> None:
    counts: dict[str, list[int]] = {}
    for path in sorted(MIDI.glob("*.mid")):
        if path.stem.startswith(("slip", "morris3", "playford", "jigs168")):
            tune = read_midi(path)
            if tune.meter in ("9/8", "3/2", "6/4"):
                segs = segment_tune(to_grid(tune), VOCAB)
                tally = counts.setdefault(tune.meter, [0, 0, 0])
                tally[0] += 1
                tally[1] += len(segs.features)
                tally[2] += len(segs.junctions)
    # tunes, distinct segments, junctions (the tune whose longest meter is 9/8 or 6/4 counts)
    assert counts == {"9/8": [14, 295, 321], "3/2": [3, 76, 83], "6/4": [2, 49, 46]}


# (meter, distinct segments, junctions, sha256 prefix of the segmentation) before 9/8 joined
BEFORE = {
    "ashover10": ["4/4", 31, 42, "98c203852a8ce756"], "ashover17": ["4/4", 10, 7, "d06ca609212626a2"],
    "ashover16": ["2/4", 15, 20, "77fb72ff4e28f686"], "ashover33": ["2/4", 14, 10, "a2395db566c580fb"],
    "ashover2": ["2/2", 31, 26, "ee0bc3245b16984f"], "ashover1": ["3/4", 11, 9, "5606f7979c363633"],
    "waltzes1": ["3/4", 26, 25, "1738f1f4fc667493"], "ashover11": ["6/8", 18, 20, "6ce2737d039ee247"],
    "jigs107": ["6/8", 13, 15, "ec920bb53187d95b"],
}
DUPLE_VOCAB = ["C", "G7", "F", "G", "Am", "Dm", "D7", "Bb", "E7", "C7", "D", "A7"]


def test_old_meters_windows_unchanged() -> None:
    for name, (meter, count, junctions, digest) in BEFORE.items():
        grid = to_grid(read_midi(MIDI / f"{name}.mid"))
        segs = segment_tune(grid, VOCAB if grid.family.name == "triple" else DUPLE_VOCAB)
        sha = hashlib.sha256()
        for part in (segs.features, segs.positions, segs.ends, segs.phases,
                     np.asarray(segs.junctions), np.asarray(segs.overlaps),
                     np.asarray(segs.occurrence)):
            sha.update(np.ascontiguousarray(part).tobytes())
        assert [grid.meter, len(segs.features), len(segs.junctions), sha.hexdigest()[:16]] == [
            meter, count, junctions, digest], name


def test_9_8_chain_exports_a_9_8_time_signature(tmp_path: Path) -> None:
    request = api.ComposeRequest(segments=2, seed=3, key="G", meter="9/8")
    items = [api.ChainItem(k, "slip1", k, 0, 0.0, k == 1) for k in range(2)]
    notes = (RenderedNote(0.0, 1.5, 67, 96, "melody"), RenderedNote(6.0, 12.0, 71, 96, "melody"))
    state = ChainState(api.Chain(request, items), notes)
    assert state.spans == [(0.0, 6.0), (6.0, 12.0)] and state.meter == (9, 8)
    written = write_midi(state, tmp_path / "slip.mid")
    sigs = [(m.numerator, m.denominator) for t in mido.MidiFile(str(written)).tracks for m in t
            if m.type == "time_signature"]
    assert sigs == [(9, 8)]
