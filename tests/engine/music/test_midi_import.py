"""Reading MIDI and ABC files, and the reasons given for files that cannot be used."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.music.abc_import import parse_tune, read_abc
from engine.music.midi_import import read_midi, top_line
from engine.music.tune import ImportProblem, Note
from tests.engine.music.helpers import scale_tune, write_midi

DATA = Path(__file__).resolve().parents[2] / "data" / "dshl"


def test_nottingham_file_melody_and_chords() -> None:
    tune = read_midi(DATA / "reelsa-c1.mid")
    assert tune.key == "D" and tune.meter == "4/4" and tune.beats_per_bar == 4
    assert tune.melody[0] == Note(0.0, 1.0, 81)
    assert len(tune.chords) > 50 and min(n.pitch for n in tune.chords) < 60
    assert tune.length_beats == 96.0


def test_picks_melody_over_chords_by_part(tmp_path: Path) -> None:
    chords = [(float(b), float(b + 2), [50, 54, 57]) for b in range(0, 16, 2)]
    path = write_midi(tmp_path / "t.mid", scale_tune(4), chords, key="D")
    tune = read_midi(path)
    assert [n.pitch for n in tune.melody[:3]] == [74, 76, 78]
    assert len(tune.chords) == 24


def test_melody_only_file(tmp_path: Path) -> None:
    tune = read_midi(write_midi(tmp_path / "m.mid", scale_tune(2)))
    assert len(tune.melody) == 8 and tune.chords == []


@pytest.mark.parametrize(("content", "reason"), [
    (b"not a midi file at all", "cannot parse MIDI"),
    (b"MThd\x00\x00\x00\x06\x00\x01\x00\x02\x01", "cannot parse MIDI"),
])
def test_bad_bytes(tmp_path: Path, content: bytes, reason: str) -> None:
    path = tmp_path / "bad.mid"
    path.write_bytes(content)
    with pytest.raises(ImportProblem, match=reason):
        read_midi(path)


def test_unsupported_meter_and_no_melody(tmp_path: Path) -> None:
    with pytest.raises(ImportProblem, match=r"unsupported meter 5/4 \(supported: .*9/8, 3/2, 6/4\)"):
        read_midi(write_midi(tmp_path / "odd.mid", scale_tune(2), meter=(5, 4)))
    jig = read_midi(write_midi(tmp_path / "jig.mid", scale_tune(2), meter=(6, 8)))
    assert jig.meter == "6/8" and jig.beats_per_bar == 3
    slip = read_midi(write_midi(tmp_path / "slip.mid", scale_tune(2), meter=(9, 8)))
    assert slip.meter == "9/8" and slip.beats_per_bar == 4.5
    with pytest.raises(ImportProblem, match="no notes"):
        read_midi(write_midi(tmp_path / "empty.mid", []))


def test_top_line_keeps_highest_note() -> None:
    line = top_line([Note(0, 1, 60), Note(0, 1, 67), Note(0.5, 1, 64)])
    assert line == [Note(0, 0.5, 67), Note(0.5, 1, 64)]


ABC = """X:1
T:Test Reel
M:4/4
L:1/8
K:D
"D"DF A2 "G"B>c d2|"A7"c/d/e (3fga "D"d4|]
"""


def test_abc_tune() -> None:
    tune = parse_tune(ABC)
    assert tune.key == "D" and tune.meter == "4/4"
    pitches = [n.pitch for n in tune.melody]
    assert pitches[:4] == [62, 66, 69, 71]  # D F# A B: F sharpened by the key
    assert tune.melody[3].end - tune.melody[3].start == pytest.approx(0.75)  # B> dotted
    assert tune.melody[-1].end == pytest.approx(8.0)
    assert {n.pitch % 12 for n in tune.chords if n.start == 0} == {2, 6, 9}


def test_abc_bad_inputs(tmp_path: Path) -> None:
    waltz = tmp_path / "w.abc"
    waltz.write_text(ABC.replace("M:4/4", "M:5/4"))
    with pytest.raises(ImportProblem, match="unsupported meter 5/4"):
        read_abc(waltz)
    junk = tmp_path / "j.abc"
    junk.write_text("hello")
    with pytest.raises(ImportProblem, match="no tune"):
        read_abc(junk)


def test_abc_file_reports_skipped_tunes(tmp_path: Path) -> None:
    from engine.music.abc_import import read_abc_report

    path = tmp_path / "mixed.abc"
    path.write_text(ABC + "\n" + ABC.replace("X:1", "X:2").replace("M:4/4", "M:5/4"))
    tunes, skipped = read_abc_report(path)
    assert len(tunes) == 1
    assert skipped == [("mixed.abc:mixed-2 Test Reel",
                        "unsupported meter 5/4 (supported: 2/4, 4/4, 2/2, 3/4, 6/8, 9/8, 3/2, "
                        "6/4)")]
