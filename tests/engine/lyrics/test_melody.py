"""Setting a duet to a melody: syllables and a MIDI file with lyric meta-events."""

from __future__ import annotations

from pathlib import Path

import mido
import pytest

from engine.lyrics.melody import set_to_melody
from engine.music.syllables import line_syllables, word_syllables


def _melody(path: Path, pitches: list[int]) -> Path:
    midi = mido.MidiFile(type=1, ticks_per_beat=480)
    track = mido.MidiTrack()
    track.append(mido.MetaMessage("time_signature", numerator=4, denominator=4))
    track.append(mido.MetaMessage("set_tempo", tempo=600_000))
    for pitch in pitches:
        track.append(mido.Message("note_on", note=pitch, velocity=90, time=0))
        track.append(mido.Message("note_off", note=pitch, velocity=0, time=480))
    midi.tracks.append(track)
    midi.save(str(path))
    return path


@pytest.mark.parametrize(("word", "parts"), [
    ("love", ["love"]), ("many", ["ma", "ny"]), ("singing", ["sin", "ging"]), ("a", ["a"]),
    ("rose", ["rose"]), ("summer", ["sum", "mer"]),
])
def test_word_syllables(word: str, parts: list[str]) -> None:
    assert word_syllables(word) == parts


def test_line_syllables_mark_word_ends_and_keep_punctuation() -> None:
    assert line_syllables("O my luve, singing!") == ["O ", "my ", "luve, ", "sin", "ging! "]


def test_set_to_melody_writes_one_lyric_per_note(tmp_path: Path) -> None:
    tune = _melody(tmp_path / "tune.mid", [60, 62, 64, 65, 67, 69, 71, 72])
    fit = set_to_melody(["O my luve is like", "a red red rose"], tune, tmp_path / "out" / "duet.mid")
    assert fit.syllables == 9 and fit.notes == 8 and fit.repeats == 2
    midi = mido.MidiFile(str(fit.path))
    lyrics = [m.text for t in midi.tracks for m in t if m.type == "lyrics"]
    notes = [m.note for t in midi.tracks for m in t if m.type == "note_on"]
    assert "".join(lyrics) == "O my luve is like\ra red red rose\r"
    # "like" holds to the bar line; the second line starts on the melody's repeat
    assert notes == [60, 62, 64, 65, 67, 69, 71, 72, 60, 62, 64, 65]
    tempos = [m.tempo for t in midi.tracks for m in t if m.type == "set_tempo"]
    assert tempos == [600_000]


def test_set_to_melody_needs_words(tmp_path: Path) -> None:
    tune = _melody(tmp_path / "tune.mid", [60, 62, 64, 65])
    with pytest.raises(ValueError, match="no words"):
        set_to_melody(["...", ""], tune, tmp_path / "x.mid")
