"""Touch the notes: the user's own blocks, transposition by semitones or to a key, the tempo.

An edited block becomes the user's own block, as a phrase is: its chain item holds the notes
(:attr:`engine.dshl.api.ChainItem.notes`, beats from the block's start, sounding pitches), it is
locked, marked (the Composer titles it "your edit"), kept note for note by Regenerate, saved in
projects (``Segment.user_notes``), played and exported exactly. The segment it was made from
stays as its stand-in for the search and the re-ranker (the block after it is still ranked as a
successor of that segment); Accept puts a segment back in its place. A block of the user's
phrase is edited in place (``ComposeRequest.phrase_notes``).

Every edit takes a :class:`~engine.dshl.chain.ChainState` and returns a new one, without the
collection or the model (the notes around an edited block are cut where it starts and ends, as
rendering would cut them): :func:`set_notes` (the roll's select/move/delete/draw, in one go),
:func:`edit_block`, :func:`transpose_block`, :func:`transpose_chain` (the key label follows),
:func:`transpose_to_key` (the key menu with a chain: the shortest move, blocks kept) and
:func:`set_tempo`. The notes are cut, moved and ordered by :mod:`engine.dshl.notes`, which
also renders every chain's notes (:func:`engine.dshl.notes.render_chain`, behind
:func:`engine.dshl.api.chain_notes`).
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterable, Sequence

from engine.dshl import api
from engine.dshl.chain import ChainState, _check, chord_spans
from engine.dshl.notes import EPS, HIGHEST, LOWEST, clip, cut, moved, note_piece, sorted_notes
from engine.music.midi_export import RenderedNote

GRID = 0.25  # beats in one step of the roll's grid (a 16th note)
PARTS = ("melody", "chords")


# -- blocks -------------------------------------------------------------------------------------
def block_at(state: ChainState, beats: float) -> int | None:
    """The block sounding at ``beats`` (None outside the chain)."""
    k = int(beats // state.block_beats)
    return k if 0 <= k < len(state.chain.items) and beats >= 0 else None


def block_notes(state: ChainState, position: int) -> tuple[RenderedNote, ...]:
    """The notes sounding in block ``position``, cut to it, in beats from the chain's start."""
    start, end = state.spans[position]
    return tuple(sorted_notes(clip(state.notes, start, end)))


def edited_blocks(state: ChainState) -> frozenset[int]:
    """The positions of the user's own (edited) blocks."""
    head = state.chain.request.phrase_blocks
    return frozenset(k for k, it in enumerate(state.chain.items) if it.notes is not None
                     and k >= head)


def _by_block(notes: Iterable[RenderedNote], size: float, count: int) -> dict[int, Counter]:
    """Each block's notes (cut to it) as a multiset."""
    blocks: dict[int, Counter] = {}
    for note in notes:
        k = max(0, int(note.start_beats // size))
        while k < count and k * size < note.end_beats - EPS:
            piece = note_piece(note, k * size, (k + 1) * size)
            if piece is not None:
                blocks.setdefault(k, Counter())[piece] += 1
            k += 1
    return blocks


# -- checks -------------------------------------------------------------------------------------
def clamp_note(state: ChainState, note: RenderedNote) -> tuple[RenderedNote | None, list[str]]:
    """``note`` kept where a note may go in ``state`` (see :func:`clamp_to`)."""
    return clamp_to(note, state.spans)


def clamp_to(note: RenderedNote, spans: Sequence[tuple[float, float]]
             ) -> tuple[RenderedNote | None, list[str]]:
    """``note`` kept where a note may go (MIDI 0–127, from beat 0, within the block of
    ``spans`` it starts in), with what had to change; None when it starts past the last block."""
    said: list[str] = []
    pitch = max(LOWEST, min(HIGHEST, note.pitch))
    if pitch != note.pitch:
        said.append(f"kept within MIDI {LOWEST}–{HIGHEST}")
    start, end = note.start_beats, note.end_beats
    if start < 0:
        start, end = 0.0, end - start
        said.append("moved to the chain's start")
    k = next((k for k, (a, b) in enumerate(spans) if a <= start < b), None)
    if k is None:
        return None, ["past the chain's end"]
    if end > spans[k][1] + EPS:
        end = spans[k][1]
        said.append(f"cut at the end of block {k + 1}")
    end = max(end, start + GRID / 4)
    return dataclasses.replace(note, start_beats=start, end_beats=end, pitch=pitch), said


def _check_notes(state: ChainState, notes: Sequence[RenderedNote]) -> None:
    """Refuse notes no block can hold, naming the first."""
    total = state.total_beats
    for note in notes:
        if not LOWEST <= note.pitch <= HIGHEST:
            raise ValueError(f"pitch {note.pitch} is outside MIDI {LOWEST}–{HIGHEST}")
        if not (0 <= note.start_beats < note.end_beats <= total + EPS):
            raise ValueError(f"a note from beat {note.start_beats:g} to {note.end_beats:g} is "
                             f"outside the chain (0 to {total:g} beats)")
        if note.track not in PARTS or not 0 <= note.velocity <= 127:
            raise ValueError(f"a note of part {note.track!r}, velocity {note.velocity}: "
                             "not a melody or chord note")


def _check_range(notes: Iterable[RenderedNote], semitones: int, what: str) -> None:
    """Refuse a transposition that would take a note outside MIDI 0–127."""
    pitches = [n.pitch for n in notes]
    if pitches and not LOWEST <= min(pitches) + semitones <= max(pitches) + semitones <= HIGHEST:
        raise ValueError(f"{what} cannot go {shift_words(semitones)}: a note would leave "
                         f"MIDI {LOWEST}–{HIGHEST}")


def shift_words(semitones: int) -> str:
    """``2`` → ``"up 2 semitones"``, ``-1`` → ``"down a semitone"``, ``12`` → ``"up an octave"``."""
    way, size = ("up" if semitones > 0 else "down"), abs(semitones)
    amount = {1: "a semitone", 12: "an octave"}.get(size, f"{size} semitones")
    return f"{way} {amount}" if size else "nowhere"


# -- edits --------------------------------------------------------------------------------------
def _apply(state: ChainState, blocks: dict[int, Sequence[RenderedNote]]) -> ChainState:
    """``state`` with each block ``k`` of ``blocks`` holding exactly those notes (absolute beats,
    within the block): a block of the phrase is edited in place, any other becomes the user's."""
    req, head = state.chain.request, state.chain.request.phrase_blocks
    items, phrase, notes = list(state.chain.items), list(req.phrase_notes), list(state.notes)
    for k, block in sorted(blocks.items()):
        start, end = state.spans[k]
        block = clip(block, start, end)
        notes = cut(notes, start, end) + block
        if k < head:
            phrase = cut(phrase, start, end) + block
        else:
            items[k] = dataclasses.replace(items[k], notes=tuple(
                moved(n, -start) for n in sorted_notes(block)))
    locked = state.locked | {k for k in blocks if k >= head}
    request = dataclasses.replace(req, phrase_notes=tuple(sorted_notes(phrase)),
                                  locked={k: items[k].id for k in sorted(locked)})
    notes = sorted_notes(notes)
    return ChainState(api.Chain(request, items), tuple(notes), frozenset(locked),
                      chord_spans(notes, state.block_beats))


def set_notes(state: ChainState, notes: Iterable[RenderedNote]) -> ChainState:
    """The chain with exactly ``notes`` (the roll's notes after a move, delete or draw): every
    block whose notes differ becomes the user's own; the others stay as they are. A note across
    a block line counts in both blocks. Returns ``state`` itself when nothing changed."""
    notes = list(notes)
    _check_notes(state, notes)
    count, size = len(state.chain.items), state.block_beats
    want, have = _by_block(notes, size, count), _by_block(state.notes, size, count)
    changed = {k: list(want.get(k, Counter()).elements()) for k in range(count)
               if want.get(k, Counter()) != have.get(k, Counter())}
    return _apply(state, changed) if changed else state


def edit_block(state: ChainState, position: int, notes: Iterable[RenderedNote]) -> ChainState:
    """Block ``position`` with exactly ``notes`` (beats from the chain's start, cut to the
    block): it becomes the user's own block, kept note for note and locked."""
    _check(state, position)
    notes = list(notes)
    _check_notes(state, notes)
    return _apply(state, {position: notes})


def transpose_block(state: ChainState, position: int, semitones: int) -> ChainState:
    """Block ``position`` moved by ``semitones`` (its chord symbols follow): a user's block."""
    _check(state, position)
    notes = block_notes(state, position)
    if not notes or not semitones:
        return state
    _check_range(notes, semitones, f"block {position + 1}")
    return _apply(state, {position: [moved(n, semitones=semitones) for n in notes]})


def transpose_chain(state: ChainState, semitones: int) -> ChainState:
    """The whole chain moved by ``semitones``, blocks kept: every note and chord symbol, the
    phrase, the user's blocks, and the key (the label, the export's key signature and what
    Regenerate and candidates draw in). Segments rendered again sound exactly as shifted here."""
    from engine.music.transpose import shift_from_c, transposed_key

    if not semitones:
        return state
    _check_range(state.notes, semitones, "the chain")
    req = state.chain.request
    key = transposed_key(req.key, semitones)
    offset = req.pitch_offset + semitones + shift_from_c(req.key) - shift_from_c(key)
    items = [it if it.notes is None else dataclasses.replace(
        it, notes=tuple(moved(n, semitones=semitones) for n in it.notes))
        for it in state.chain.items]
    request = dataclasses.replace(req, key=key, pitch_offset=offset, phrase_notes=tuple(
        moved(n, semitones=semitones) for n in req.phrase_notes))
    notes = [moved(n, semitones=semitones) for n in state.notes]
    return ChainState(api.Chain(request, items), tuple(notes), state.locked,
                      chord_spans(notes, state.block_beats))


def transpose_to_key(state: ChainState, key: str) -> tuple[ChainState, int]:
    """The chain moved to ``key`` by the shortest interval (−6..5 semitones; the same mode),
    its blocks kept; and the interval. A ValueError says why when the mode differs."""
    from engine.music.transpose import key_interval

    semitones = key_interval(state.chain.request.key, key)
    return transpose_chain(state, semitones), semitones


def set_tempo(state: ChainState, tempo: float) -> ChainState:
    """The chain at ``tempo`` BPM (what it plays and exports at)."""
    if not 20.0 <= float(tempo) <= 400.0:
        raise ValueError(f"tempo {tempo:g} is outside 20–400 BPM")
    request = dataclasses.replace(state.chain.request, tempo=float(tempo))
    return dataclasses.replace(state, chain=api.Chain(request, list(state.chain.items)))

