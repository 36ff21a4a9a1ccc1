"""Chain edits in the engine (no Qt): insert, delete, lock, regenerate, accept, variations,
continue-my-phrase, chord symbols, fit scores and provenance, on the tiny trained model."""

from __future__ import annotations

from pathlib import Path

import mido
import pytest

from engine.dshl import api, chain
from engine.music.segments import SEGMENT_BEATS


def _state(segments: int = 5, seed: int = 3) -> chain.ChainState:
    return chain.compose_state(api.ComposeRequest(segments=segments, seed=seed))


def test_edits_keep_locks_and_leave_the_old_state_alone(tiny_model: Path) -> None:
    first = _state()
    ids = [it.id for it in first.chain.items]
    locked = chain.set_lock(first, 1, True)
    assert locked.locked == {1} and first.locked == frozenset()
    assert locked.chain.request.locked == {1: ids[1]}
    again = chain.regenerate(locked, seed=99)
    assert again.chain.items[1].id == ids[1] and again.seed == 99 and len(again.chain.items) == 5
    shorter = chain.delete(again, 3)
    assert len(shorter.chain.items) == 4 and shorter.locked == {1}
    longer = chain.insert(shorter, 0)
    assert len(longer.chain.items) == 5 and longer.locked == {2}
    assert longer.chain.items[2].id == ids[1]  # the locked block moved with the insert
    unlocked = chain.set_lock(longer, 2, False)
    assert unlocked.locked == frozenset() and unlocked.chain.request.locked == {}
    options = chain.candidates(first, 2, limit=4)
    taken = chain.accept(first, 2, options[-1].id)
    assert taken.chain.items[2].id == options[-1].id and [it.id for it in first.chain.items] == ids
    assert [n.start_beats for n in taken.notes] == sorted(n.start_beats for n in taken.notes)
    assert taken.locked == {2}  # a chosen block is locked ...
    redrawn = chain.regenerate(taken, seed=1234)
    assert redrawn.chain.items[2].id == options[-1].id  # ... so Regenerate keeps it (issue 21)
    with pytest.raises(IndexError, match="block 9"):
        chain.delete(first, 8)
    with pytest.raises(ValueError, match="at least one block"):
        chain.delete(_state(segments=1), 0)


def test_fit_scores_are_percentiles_and_the_opening_has_none(tiny_model: Path) -> None:
    state = _state(segments=6)
    assert state.chain.items[0].fit is None
    fits = [it.fit for it in state.chain.items[1:]]
    assert all(isinstance(f, int) and 0 <= f <= 100 for f in fits)
    ranked = chain.candidates(state, 3, limit=10)
    assert [c.fit for c in ranked] == sorted((c.fit for c in ranked), reverse=True)
    col = __import__("engine.dshl.store", fromlist=["x"]).load_collection()
    real = api._real_scores(col)
    assert api.fit_score(col, float(real.max()) + 1) == 100
    assert api.fit_score(col, float(real.min()) - 1) == 0


def test_variations_are_distinct_seeded_and_follow_adventurousness(tiny_model: Path) -> None:
    state = _state(segments=4, seed=5)
    current = state.chain.items[2].id
    four = chain.variations(state, 2, count=4, adventurousness=0.5, seed=11)
    assert len(four) == 4 and len({v.id for v in four}) == 4 and current not in {v.id for v in four}
    assert [v.id for v in chain.variations(state, 2, 4, 0.5, seed=11)] == [v.id for v in four]
    others = {tuple(v.id for v in chain.variations(state, 2, 4, 0.5, seed=s)) for s in range(6)}
    assert len(others) > 1  # another seed, other variations
    ranking = [c.id for c in chain.candidates(state, 2, limit=200) if c.id != current]

    def mean_rank(adventurousness: float) -> float:
        ranks = [ranking.index(v.id) for s in range(8)
                 for v in chain.variations(state, 2, 3, adventurousness, seed=s)]
        return sum(ranks) / len(ranks)
    assert mean_rank(0.0) < mean_rank(1.0)
    assert mean_rank(0.0) < 6  # the re-ranker's favourites
    with pytest.raises(ValueError, match="adventurousness"):
        chain.variations(state, 2, 4, 1.5)


def test_continue_my_phrase_from_a_small_midi_file(tiny_model: Path, tmp_path: Path) -> None:
    source = _state(segments=2, seed=8)
    phrase = api.write_midi(source.chain, tmp_path / "my phrase.mid")  # 8 beats, in C
    state = chain.continue_phrase(phrase, api.ComposeRequest(segments=3, seed=1))
    ids = [it.id for it in state.chain.items]
    assert ids[:2] == [-1, -1]  # the phrase itself starts it, note for note
    melody = [n for n in source.notes if n.track == "melody"]
    assert [n for n in state.notes if n.track == "melody"][:len(melody)] == melody
    assert len(ids) == 5 and state.locked == {0, 1}
    assert "continues my phrase.mid" in state.provenance()
    assert chain.regenerate(state, 4).notes[:len(melody)] == state.notes[:len(melody)]
    empty = tmp_path / "empty.mid"
    mido.MidiFile().save(str(empty))
    with pytest.raises(ValueError, match="empty.mid"):
        chain.continue_phrase(empty, api.ComposeRequest(segments=2))


def test_chord_symbols_sit_inside_their_blocks(tiny_model: Path) -> None:
    state = _state(segments=4, seed=2)
    assert state.chords, "the tiny corpus has chord tracks"
    for span in state.chords:
        block = int(span.start // SEGMENT_BEATS)
        assert block * SEGMENT_BEATS <= span.start < span.end <= (block + 1) * SEGMENT_BEATS
        assert span.name[0] in "ABCDEFG"
    in_d = chain.compose_state(api.ComposeRequest(segments=4, seed=2, key="D"))
    assert [s.name[0] for s in in_d.chords] != [s.name[0] for s in state.chords]


def test_export_provenance_matches_the_state(tiny_model: Path, tmp_path: Path) -> None:
    state = chain.regenerate(chain.set_lock(_state(), 0, True), seed=967869666)
    path = chain.write_midi(state, tmp_path / "out.mid")
    text = next(m.text for t in mido.MidiFile(str(path)).tracks for m in t if m.type == "text")
    assert text == state.provenance() and "seed 967869666" in text and "locked blocks 1" in text
    again = api.write_midi(state.chain, tmp_path / "again.mid")  # re-rendered from the model
    assert mido.MidiFile(str(again)).tracks == mido.MidiFile(str(path)).tracks


def test_cli_continues_a_phrase(tiny_model: Path, tmp_path: Path, capsys) -> None:
    import json

    from engine.cli import main

    source = _state(segments=2, seed=8)
    phrase = api.write_midi(source.chain, tmp_path / "mine.mid")
    out = tmp_path / "more.mid"
    assert main(["compose", "--continue", str(phrase), "--segments", "2", "--seed", "3",
                 "--out", str(out), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["id"] for s in data["segments"][:2]] == [-1, -1]  # the phrase, as played
    assert len(data["segments"]) == 4 and "continues mine.mid" in data["provenance"]
    assert exported(out) == data["provenance"]
    missing = tmp_path / "nope.mid"
    assert main(["compose", "--continue", str(missing), "--out", str(out)]) == 2
    assert "nope.mid" in capsys.readouterr().err


def exported(path: Path) -> str:
    return next(m.text for t in mido.MidiFile(str(path)).tracks for m in t if m.type == "text")
