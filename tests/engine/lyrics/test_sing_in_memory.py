"""Singing a chain from its notes in memory: no temporary file, no model, no collection needed."""

from __future__ import annotations

import tempfile
from pathlib import Path

import mido
import pytest

from engine.lyrics import service
from engine.lyrics.melody import melody_of_state, sing
from engine.music.syllables import Melody, MelodyNote, lay_syllables, melody_line
from engine.project.files import load_project
from engine.project.leadsheet import melody_of_record
from engine.project.model import project_from_dict, project_to_dict
from tests.engine.music.leadsheet_helpers import LINES, chain_record, project_file


def test_a_project_whose_collection_is_missing_is_sung_without_temporary_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from engine.dshl import api

    record = load_project(project_file(tmp_path, chain_record("6/8"))).composer.chain
    assert record.collection == "reels-not-installed"  # singing never looks for it
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads TMPDIR again
    assert tempfile.gettempdir() == str(scratch)
    for name in ("write_midi", "chain_notes", "list_collections"):  # no re-render, no model
        monkeypatch.setattr(api, name, lambda *a, n=name, **k: pytest.fail(f"api.{n} called"))
    out = tmp_path / "sung" / "duet.mid"
    fit = service.sing_chain(list(LINES), melody_of_record(record), str(out))
    assert list(scratch.iterdir()) == []  # no temporary file anywhere
    assert sorted(p.name for p in out.parent.iterdir()) == ["duet.mid"]
    midi = mido.MidiFile(str(out))
    assert [m.tempo for t in midi.tracks for m in t if m.type == "set_tempo"] == [600_000]
    assert [(m.numerator, m.denominator) for t in midi.tracks for m in t
            if m.type == "time_signature"] == [(6, 8)]
    events = [m for m in midi.tracks[1] if m.type in ("lyrics", "note_on")]
    lyrics = [m.text for m in events if m.type == "lyrics"]
    assert "".join(lyrics) == "\r".join(LINES) + "\r"  # every syllable, in order
    sung_pitches = [events[k + 1].note for k, m in enumerate(events) if m.type == "lyrics"]
    melody = melody_of_record(record)
    setting = lay_syllables(LINES, melody)
    assert sung_pitches == [melody.notes[s.index].pitch for s in setting.notes if s.text]
    assert fit.syllables == setting.syllables and fit.repeats == 2
    assert fit.fingerprint == melody.fingerprint()


def test_lines_start_on_bar_lines_and_a_last_syllable_holds_up_to_a_rest() -> None:
    q = [(0, 1, 60), (1, 2, 62), (2, 3, 64), (3, 4, 65),  # bar 1
         (4, 5, 67), (5, 6, 65), (7, 8, 64),  # bar 2: a rest on beat 3
         (8.5, 10, 62), (10, 12, 60)]  # bar 3 starts with a rest
    melody = Melody(tuple(MelodyNote(*n) for n in q), "4/4", 90.0, "C", 12)
    setting = lay_syllables(["one two three", "four five", "singing"], melody)
    shown = [(s.index, s.text, s.syllabic, s.held) for s in setting.notes]
    assert shown == [
        (0, "one", "single", False), (1, "two", "single", False), (2, "three", "single", False),
        (3, "", "", True),  # "three" holds to the bar line (a melisma)
        (4, "four", "single", False), (5, "five", "single", False),
        (6, "", "", False),  # after the rest: nothing sung
        (7, "sin", "begin", False), (8, "ging", "end", False)]  # first note of bar 3
    assert setting.repeats == 1 and setting.syllables == 7
    assert [s.karaoke() for s in setting.notes if s.text] == [
        "one ", "two ", "three\r", "four ", "five\r", "sin", "ging\r"]


def test_melody_line_snaps_to_the_grid_and_keeps_the_top_note() -> None:
    line = melody_line([(0.02, 0.49, 60), (0.0, 1.0, 64), (0.5, 1.5, 67), (1.49, 1.5, 70)])
    assert line == (MelodyNote(0.0, 0.5, 64), MelodyNote(0.5, 1.5, 67),
                    MelodyNote(1.5, 1.75, 70))


def test_the_chain_in_memory_and_its_saved_record_have_one_fingerprint(tmp_path: Path) -> None:
    from engine.project.chain import state_from_project

    record = chain_record("3/4", phrase=True)
    state = state_from_project(record)  # what the Composer shows after opening the project
    assert melody_of_state(state) == melody_of_record(record)
    assert melody_of_state(state).fingerprint() == melody_of_record(record).fingerprint()
    other = chain_record("3/4", blocks=3)
    assert melody_of_record(other).fingerprint() != melody_of_record(record).fingerprint()
    fit = sing(["la la la"], melody_of_state(state), tmp_path / "la.mid")
    assert fit.notes == len(melody_of_record(record).notes)


def test_sung_to_is_saved_and_older_projects_open_unsung(tmp_path: Path) -> None:
    path = project_file(tmp_path, chain_record())
    song = load_project(path)
    assert song.lyrics.sung_to == melody_of_record(song.composer.chain).fingerprint()
    data = project_to_dict(song)
    del data["lyrics"]["sung_to"]  # as written by a Segue before lead sheets
    assert project_from_dict(data).lyrics.sung_to == ""
