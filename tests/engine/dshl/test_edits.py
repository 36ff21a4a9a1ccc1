"""Issue 22 (4): touching the notes in the engine (no Qt), on the tiny trained model.

An edited block becomes the user's own (kept note for note, locked, marked), survives
Regenerate, delete/insert around it and a changed collection; transposing a block or the chain
(and the key menu's move to another key) keeps the blocks; everything is saved in the project
and exported exactly; an older project without the new fields opens unchanged.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pretty_midi
import pytest

from engine.dshl import api, chain, edits
from engine.dshl import notes as dshl_notes
from engine.music.midi_export import RenderedNote
from engine.project import chain as project_chain
from engine.project.files import load_project, save_project
from engine.project.model import ComposerSection, Project, project_from_dict
from engine.project.resolve import resolve_project


def _state(segments: int = 4, seed: int = 3, key: str = "C") -> chain.ChainState:
    return chain.compose_state(api.ComposeRequest(segments=segments, seed=seed, key=key))


def _rendered_again(state: chain.ChainState) -> tuple[RenderedNote, ...]:
    """What the chain renders to from scratch (collection, model): must equal the edit's notes."""
    return tuple(api.chain_notes(state.chain))


def _exported(path: Path) -> list[tuple[float, float, int, str]]:
    """(start beats, end beats, pitch, part) of every note in a written MIDI file, sorted."""
    midi = pretty_midi.PrettyMIDI(str(path))
    beat = 60.0 / midi.get_tempo_changes()[1][0]
    return sorted((round(n.start / beat, 4), round(n.end / beat, 4), n.pitch,
                   "melody" if inst.name == "Melody" else "chords")
                  for inst in midi.instruments for n in inst.notes)


def _as_rows(notes) -> list[tuple[float, float, int, str]]:
    return sorted((round(n.start_beats, 4), round(n.end_beats, 4), n.pitch, n.track)
                  for n in notes)


def _my_edit(state: chain.ChainState, position: int = 1) -> chain.ChainState:
    """Block ``position`` replaced by three notes of the user's and one chord."""
    start = state.spans[position][0]
    mine = [RenderedNote(start, start + 1.0, 60, 96, "melody"),
            RenderedNote(start + 1.0, start + 1.5, 64, 96, "melody"),
            RenderedNote(start + 2.0, start + 4.0, 67, 90, "melody"),
            *(RenderedNote(start, start + 4.0, p, 64, "chords") for p in (48, 52, 55))]
    return edits.edit_block(state, position, mine)


def test_an_edited_block_is_kept_note_for_note_locked_and_marked(tiny_model: Path) -> None:
    state = _state()
    edited = _my_edit(state)
    item = edited.chain.items[1]
    assert item.edited and item.id == state.chain.items[1].id  # the segment stays as stand-in
    assert edits.edited_blocks(edited) == {1} and 1 in edited.locked
    assert edited.chain.request.locked == {1: item.id}
    start, end = edited.spans[1]
    assert _as_rows(edits.block_notes(edited, 1)) == _as_rows(
        dataclasses.replace(n, start_beats=n.start_beats + start, end_beats=n.end_beats + start)
        for n in item.notes)
    assert [c.name for c in edited.chords if start <= c.start < end] == ["C"]
    assert edited.notes == _rendered_again(edited)  # the edit is what rendering makes of it
    assert "(your edit)" in edited.provenance() and "your edits in blocks 2" in edited.provenance()
    assert state.chain.items[1].notes is None  # the old state is left alone
    with pytest.raises(ValueError, match="your edit"):
        chain.set_lock(edited, 1, False)

    again = chain.regenerate(edited, seed=1234)  # Regenerate never replaces the user's block
    assert again.chain.items[1].notes == item.notes and edits.edited_blocks(again) == {1}
    assert edits.block_notes(again, 1) == edits.block_notes(edited, 1)
    assert again.notes == _rendered_again(again)

    shorter = chain.delete(again, 0)  # the block moves up with its notes
    assert edits.edited_blocks(shorter) == {0} and shorter.chain.items[0].notes == item.notes
    longer = chain.insert(shorter, 0)
    assert edits.edited_blocks(longer) == {1} and longer.notes == _rendered_again(longer)

    options = chain.candidates(edited, 1, limit=3)  # Accept puts a segment in its place
    back = chain.accept(edited, 1, options[0].id)
    assert not back.chain.items[1].edited and edits.edited_blocks(back) == frozenset()


def test_set_notes_changes_only_the_blocks_that_differ(tiny_model: Path) -> None:
    state = _state()
    melody = [n for n in state.notes if n.track == "melody"]
    first = next(n for n in melody if n.end_beats <= state.spans[0][1])
    moved = dshl_notes.moved(first, 0.25, 2)
    drawn = RenderedNote(state.spans[2][0] + 1.0, state.spans[2][0] + 1.25, 90, 96, "melody")
    notes = [moved if n is first else n for n in state.notes] + [drawn]
    after = edits.set_notes(state, notes)
    assert edits.edited_blocks(after) == {0, 2}
    assert moved in after.notes and drawn in after.notes and first not in after.notes
    assert after.notes == _rendered_again(after)
    assert edits.block_notes(after, 1) == edits.block_notes(state, 1)
    assert edits.set_notes(state, state.notes) is state  # nothing changed: the same state
    deleted = edits.set_notes(after, [n for n in after.notes if n != drawn])
    assert drawn not in deleted.notes and edits.edited_blocks(deleted) == {0, 2}
    with pytest.raises(ValueError, match="outside MIDI"):
        edits.set_notes(state, [*state.notes, dataclasses.replace(drawn, pitch=128)])
    with pytest.raises(ValueError, match="outside the chain"):
        edits.set_notes(state, [*state.notes, dshl_notes.moved(drawn, 100.0)])


def test_notes_are_clamped_to_midi_the_chain_and_their_block(tiny_model: Path) -> None:
    state = _state()
    note = RenderedNote(3.5, 5.0, 130, 96, "melody")
    kept, said = edits.clamp_note(state, note)
    assert (kept.start_beats, kept.end_beats, kept.pitch) == (3.5, 4.0, 127)
    assert said == ["kept within MIDI 0–127", "cut at the end of block 1"]
    kept, said = edits.clamp_note(state, RenderedNote(-1.0, -0.5, 60, 96, "melody"))
    assert (kept.start_beats, kept.end_beats) == (0.0, 0.5) and "chain's start" in said[0]
    assert edits.clamp_note(state, RenderedNote(16.0, 16.5, 60, 96, "melody"))[0] is None


def test_transpose_a_block_and_the_chain(tiny_model: Path) -> None:
    state = _state()
    up = edits.transpose_block(state, 2, 2)
    assert edits.edited_blocks(up) == {2} and up.chain.request.key == "C"
    assert [n.pitch for n in edits.block_notes(up, 2)] == [
        n.pitch + 2 for n in edits.block_notes(state, 2)]
    assert edits.block_notes(up, 1) == edits.block_notes(state, 1)
    assert up.notes == _rendered_again(up)
    span = up.spans[2]
    before = [c.name for c in state.chords if span[0] <= c.start < span[1]]
    after = [c.name for c in up.chords if span[0] <= c.start < span[1]]
    assert len(after) == len(before) and after != before  # the chord symbols follow

    fifth = edits.transpose_chain(up, 7)  # up a fifth, not down a fourth
    assert fifth.chain.request.key == "G" and fifth.chain.request.pitch_offset == 12
    assert [n.pitch for n in fifth.notes] == [n.pitch + 7 for n in up.notes]
    assert [it.id for it in fifth.chain.items] == [it.id for it in up.chain.items]
    assert fifth.notes == _rendered_again(fifth) and edits.edited_blocks(fifth) == {2}
    assert fifth.locked == up.locked
    redrawn = chain.regenerate(fifth, seed=5)  # new segments come out in G, in the same octave
    assert redrawn.chain.request.key == "G" and redrawn.notes == _rendered_again(redrawn)
    assert edits.block_notes(redrawn, 2) == edits.block_notes(fifth, 2)

    down, semitones = edits.transpose_to_key(state, "F#")  # the tritone goes down
    assert semitones == -6 and down.chain.request.key == "F#"
    assert [n.pitch for n in down.notes] == [n.pitch - 6 for n in state.notes]
    assert edits.transpose_to_key(state, "Bb")[1] == -2
    with pytest.raises(ValueError, match="keeps the mode"):
        edits.transpose_to_key(state, "Em")
    with pytest.raises(ValueError, match="leave MIDI"):
        edits.transpose_chain(state, 100)
    assert edits.shift_words(-1) == "down a semitone" and edits.shift_words(12) == "up an octave"


def test_tempo_is_the_chains_own(tiny_model: Path) -> None:
    state = _state()
    faster = edits.set_tempo(state, 132.0)
    assert faster.chain.request.tempo == 132.0 and state.chain.request.tempo == 120.0
    assert faster.notes == state.notes
    with pytest.raises(ValueError, match="20–400"):
        edits.set_tempo(state, 1000.0)


def test_an_edited_block_survives_save_reopen_and_export(tiny_model: Path, tmp_path: Path) -> None:
    state = edits.transpose_chain(_my_edit(_state(key="D")), -3)  # B major, block 2 mine
    assert state.chain.request.key == "B"
    section = project_chain.composer_section({"key": "B"}, state)
    path = save_project(Project(composer=project_from_dict(
        {"format": "segue-project", "format_version": 1, "composer": section}).composer),
        tmp_path / "edited.segue")
    saved = json.loads(path.read_text(encoding="utf-8"))["composer"]["chain"]
    assert "user_notes" in saved["segments"][1] and "user_notes" not in saved["segments"][0]
    assert saved["pitch_offset"] == state.chain.request.pitch_offset

    project = resolve_project(load_project(path))
    assert project.changes == []
    record = project.project.composer.chain
    reopened = project_chain.state_from_project(record)
    assert reopened.notes == state.notes and reopened.chain.items[1].notes == \
        state.chain.items[1].notes
    assert edits.edited_blocks(reopened) == {1} and 1 in reopened.locked

    out, changes = project_chain.write_midi(record, tmp_path / "edited.mid")
    assert changes == [] and _exported(out) == _as_rows(state.notes)
    start, end = state.spans[1]
    assert [r for r in _exported(out) if start <= r[0] < end] == _as_rows(
        edits.block_notes(state, 1))
    panel_export = chain.write_midi(reopened, tmp_path / "panel.mid")  # the Composer's Export
    assert _exported(panel_export) == _exported(out)


def test_an_edit_keeps_its_notes_when_its_segment_or_collection_is_gone(tiny_model: Path,
                                                                       tmp_path: Path) -> None:
    state = _my_edit(_state())
    record = project_chain.chain_to_project(state.chain, state.notes, state.locked)
    segments = [dataclasses.replace(s, tune="vanished-tune", id=(s.id + 7) % 40)
                if k == 1 else s for k, s in enumerate(record.segments)]
    resolved, changes = project_chain.resolve_chain(dataclasses.replace(record, segments=segments))
    assert len(resolved.segments) == 4 and resolved.segments[1].id == -1
    assert any("Block 2 (your edit of vanished-tune) keeps your notes" in c for c in changes)
    again = project_chain.state_from_project(resolved)
    assert edits.block_notes(again, 1) == edits.block_notes(state, 1)
    redrawn = chain.regenerate(again, seed=2)  # a user's block without a stand-in still works
    assert edits.block_notes(redrawn, 1) == edits.block_notes(state, 1)
    out, _ = project_chain.write_midi(resolved, tmp_path / "gone.mid")
    assert [r for r in _exported(out) if 4.0 <= r[0] < 8.0] == _as_rows(
        edits.block_notes(state, 1))

    missing = dataclasses.replace(record, collection="reels-gone")
    out, changes = project_chain.write_midi(missing, tmp_path / "saved.mid")
    assert "not installed" in changes[0] and _exported(out) == _as_rows(state.notes)


def test_an_older_project_without_the_new_fields_opens_unchanged(tiny_model: Path) -> None:
    chain_data = {"collection": "nottingham", "key": "G", "tempo": 90.0,
                  "segments": [{"id": 3, "tune": "a"}, {"id": 5, "tune": "b", "locked": True}],
                  "notes": [[0.0, 1.0, 67, 96, "melody"]]}
    project = project_from_dict({"format": "segue-project", "format_version": 1,
                                 "composer": {"chain": chain_data}})
    record = project.composer.chain
    assert record.pitch_offset == 0 and [s.user_notes for s in record.segments] == [None, None]
    state = project_chain.state_from_project(record)
    assert edits.edited_blocks(state) == frozenset() and state.locked == {1}
    assert isinstance(project.composer, ComposerSection)


def test_editing_a_phrase_block_changes_the_phrase_in_place(tiny_model: Path,
                                                            tmp_path: Path) -> None:
    from tests.engine.dshl.test_settings_and_phrase import make_phrase

    state = chain.continue_phrase(make_phrase(tmp_path / "folk.mid"),
                                  api.ComposeRequest(segments=2, seed=1))
    up = edits.transpose_block(state, 0, 1)
    assert edits.edited_blocks(up) == frozenset() and up.chain.items[0].id == -1
    assert [n.pitch for n in up.chain.request.phrase_notes[:4]] == [63, 65, 67, 70]
    assert up.notes == _rendered_again(up)
