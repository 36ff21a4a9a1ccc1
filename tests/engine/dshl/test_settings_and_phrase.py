"""Issue 21 (1, 2): one Composer settings record everywhere, and "continue my phrase" keeping
the user's own notes, in its own key, meter and tempo (tiny trained model)."""

from __future__ import annotations

import json
from pathlib import Path

import mido
import pytest

from engine.cli import main
from engine.dshl import api, chain
from engine.dshl.settings import ComposerSettings
from engine.project import chain as project_chain
from engine.project.files import load_project
from engine.project.model import ProjectFormatError, project_from_dict

PHRASE = [(62, 0, 1), (64, 1, 2), (66, 2, 3), (69, 3, 4), (71, 4, 5), (69, 5, 6), (66, 6, 8)]
# without a key signature: a tune that Krumhansl's profile clearly hears in D major
TUNE = [(62, 0, 2), (66, 2, 3), (69, 3, 4), (74, 4, 5), (71, 5, 6), (69, 6, 7), (67, 7, 7.5),
        (64, 7.5, 8), (62, 8, 10)]
ODD = ComposerSettings(segments=5, seed=42, random_seed=True, key="Em", meter="6/8",
                       tonality="minor", tempo=97.0, mode="max", reuse_limit=3,
                       collection="reels", melody_program=10, chord_program=5)


def make_phrase(path: Path, meta: bool = True, nudge: float = 0.0,
                notes: list = PHRASE) -> Path:
    """The folk musician's D-major phrase (D E F# A B A F#), with or without meta events."""
    mid = mido.MidiFile(ticks_per_beat=480)
    track = mido.MidiTrack()
    mid.tracks.append(track)
    if meta:
        track.append(mido.MetaMessage("key_signature", key="D"))
        track.append(mido.MetaMessage("time_signature", numerator=4, denominator=4))
        track.append(mido.MetaMessage("set_tempo", tempo=mido.bpm2tempo(100)))
    now = 0
    for k, (pitch, start, end) in enumerate(notes):
        at = int((start + (nudge if k == 2 else 0.0)) * 480)
        track.append(mido.Message("note_on", note=pitch, velocity=90, time=at - now))
        track.append(mido.Message("note_off", note=pitch, velocity=0, time=int(end * 480) - at))
        now = int(end * 480)
    mid.save(str(path))
    return path


def melody(path: Path) -> list[tuple[int, float, float]]:
    """(pitch, start, end) in beats of the exported melody track, in order."""
    import pretty_midi

    midi = pretty_midi.PrettyMIDI(str(path))
    beat = 60.0 / midi.get_tempo_changes()[1][0]
    track = next(i for i in midi.instruments if i.name == "Melody")
    return [(n.pitch, round(n.start / beat, 3), round(n.end / beat, 3)) for n in track.notes]


def meta(path: Path) -> tuple[str, str]:
    """The exported key signature and time signature."""
    msgs = [m for t in mido.MidiFile(str(path)).tracks for m in t if m.is_meta]
    key = next(m.key for m in msgs if m.type == "key_signature")
    ts = next(m for m in msgs if m.type == "time_signature")
    return key, f"{ts.numerator}/{ts.denominator}"


def test_settings_survive_request_and_plain_data() -> None:
    again = ComposerSettings.from_request(ODD.request(), random_seed=True)
    assert again == ODD
    assert ComposerSettings.from_dict(ODD.to_dict()) == ODD
    assert ComposerSettings.from_dict({"key": "Em"}).tonality == "minor"  # derived from the key


def test_an_older_project_takes_the_chains_meter_and_key() -> None:
    data = {"format": "segue-project", "format_version": 1, "composer": {
        "settings": {"segments": 8, "seed": 1, "key": "Em", "meter": "4/4", "tempo": 110.0},
        "chain": {"key": "Em", "meter": "6/8", "segments": [], "notes": []}}}
    settings = project_from_dict(data).composer.settings
    assert (settings.meter, settings.key, settings.tonality) == ("6/8", "Em", "minor")
    data["composer"]["settings"]["tonality"] = "major"  # a new file: major does not fit Em
    with pytest.raises(ProjectFormatError, match="tonality"):
        project_from_dict(data)


def test_saved_notes_are_written_in_the_chains_meter_and_key(tmp_path: Path) -> None:
    from engine.project.model import Chain, Note, Segment

    record = Chain(collection="not-installed", key="Em", meter="6/8", tempo=90.0,
                   segments=[Segment(3, "jig", 0)],
                   notes=[Note(0.0, 1.5, 64, 96, "melody"), Note(1.5, 3.0, 67, 96, "melody")])
    path, _changes = project_chain.write_midi(record, tmp_path / "saved.mid")
    assert meta(path) == ("Em", "6/8")


def test_cli_project_holds_the_real_settings(tiny_model: Path, tmp_path: Path, capsys) -> None:
    project = tmp_path / "p.segue"
    assert main(["compose", "--segments", "3", "--seed", "4", "--key", "D", "--meter", "2/2",
                 "--tempo", "97", "--mode", "max", "--reuse-limit", "3",
                 "--melody-program", "10", "--chord-program", "5", "--project",
                 str(project)]) == 0
    settings = load_project(project).composer.settings
    assert settings == ComposerSettings(segments=3, seed=4, key="D", meter="2/2",
                                        tonality="major", tempo=97.0, mode="max",
                                        reuse_limit=3, melody_program=10, chord_program=5)
    capsys.readouterr()
    assert main(["project", "show", str(project), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["composer"]["settings"]
    assert (shown["meter"], shown["tonality"], shown["tempo"]) == ("2/2", "major", 97.0)


def test_continue_keeps_the_phrase_note_for_note(tiny_model: Path, tmp_path: Path) -> None:
    phrase = make_phrase(tmp_path / "folk.mid")
    state = chain.continue_phrase(phrase, api.ComposeRequest(segments=3, seed=1, key="G",
                                                             meter="2/4", tempo=140))
    req = state.chain.request
    assert (req.key, req.meter, req.tempo) == ("D", "4/4", 100.0) and state.remarks == ()
    items = state.chain.items
    assert [it.id for it in items[:2]] == [-1, -1] and items[0].tune == "your phrase"
    assert len(items) == 5 and all(it.id >= 0 for it in items[2:])  # Length: 3 added
    assert state.locked == {0, 1} and "continues folk.mid" in state.provenance()
    out = chain.write_midi(state, tmp_path / "out.mid")
    assert melody(out)[:7] == [(p, float(a), float(b)) for p, a, b in PHRASE]
    assert meta(out) == ("D", "4/4")
    assert chain.candidates(state, 2, 3), "the phrase → segment junction has candidates"
    assert chain.candidates(state, 0) == []
    again = chain.regenerate(state, 9)
    assert again.notes[:7] == state.notes[:7] and [it.id for it in again.chain.items[:2]] == [-1, -1]
    with pytest.raises(ValueError, match="your phrase"):
        chain.accept(state, 1, items[3].id)
    with pytest.raises(ValueError, match="your phrase"):
        chain.delete(state, 0)


def test_a_phrase_without_meta_is_estimated_and_said(tiny_model: Path, tmp_path: Path) -> None:
    phrase = make_phrase(tmp_path / "bare.mid", meta=False, nudge=0.1, notes=TUNE)
    state = chain.continue_phrase(phrase, api.ComposeRequest(segments=2, seed=1))
    req = state.chain.request
    assert (req.key, req.meter, req.tempo) == ("D", "4/4", 120.0)
    said = " ".join(state.remarks)
    assert "estimated" in said and "4/4" in said and "120 BPM" in said
    assert "1 note moved onto the 16th grid" in said
    assert [(n.pitch, n.start_beats) for n in state.notes[:9]] == [(p, a) for p, a, _ in TUNE]
    assert state.chain.request.phrase_blocks == 3  # 10 beats: three 4-beat blocks


def test_the_phrase_is_saved_and_reopened(tiny_model: Path, tmp_path: Path, capsys) -> None:
    phrase = make_phrase(tmp_path / "folk.mid")
    project, out = tmp_path / "p.segue", tmp_path / "more.mid"
    assert main(["compose", "--continue", str(phrase), "--segments", "2", "--seed", "3",
                 "--key", "G", "--project", str(project), "--out", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["key"], data["meter"], data["tempo"]) == ("D", "4/4", 100.0)
    assert [s["id"] for s in data["segments"]] [:2] == [-1, -1] and len(data["segments"]) == 4
    assert melody(out)[:7] == [(p, float(a), float(b)) for p, a, b in PHRASE]
    opened = load_project(project).composer
    assert (opened.settings.key, opened.settings.segments) == ("D", 2)
    assert opened.chain.phrase_blocks == 2 and len(opened.chain.phrase_notes) == 7
    state = project_chain.state_from_project(opened.chain)
    assert [(n.pitch, n.start_beats) for n in state.notes[:7]] == [(p, a) for p, a, _ in PHRASE]
    again = tmp_path / "again.mid"
    assert main(["project", "export", str(project), "--midi", str(again)]) == 0
    assert melody(again)[:7] == melody(out)[:7]
