"""A chain's notes: cut, move and order notes, and render a chain's notes (:func:`render_chain`).

Every chain's notes are made here (:func:`engine.dshl.api.chain_notes` is the public face): the
user's phrase and edited blocks exactly as they are, the segments rendered from the collection in
the request's key around them. The note helpers (:func:`clip`, :func:`cut`, :func:`moved`,
:func:`sorted_notes`) are the ones the edits use too (:mod:`engine.dshl.edits`). Below
:mod:`engine.dshl.api`: it needs only the chain types (:mod:`engine.dshl.request`) and the
collection store.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from engine.dshl.request import Chain
from engine.music.meters import block_beats
from engine.music.midi_export import RenderedNote

LOWEST, HIGHEST = 0, 127  # MIDI pitches
EPS = 1e-9  # beats: closer than this is the same time


def note_piece(note: RenderedNote, start: float, end: float) -> RenderedNote | None:
    """The part of ``note`` between ``start`` and ``end`` beats (None if it does not sound there)."""
    begin, stop = max(note.start_beats, start), min(note.end_beats, end)
    if stop - begin <= EPS:
        return None
    if (begin, stop) == (note.start_beats, note.end_beats):
        return note
    return dataclasses.replace(note, start_beats=begin, end_beats=stop)


def clip(notes: Iterable[RenderedNote], start: float, end: float) -> list[RenderedNote]:
    """The notes sounding between ``start`` and ``end`` beats, cut to that span."""
    return [p for p in (note_piece(n, start, end) for n in notes) if p is not None]


def cut(notes: Iterable[RenderedNote], start: float, end: float) -> list[RenderedNote]:
    """The notes with the span ``start``–``end`` taken out (a note across it keeps both ends)."""
    kept: list[RenderedNote] = []
    for note in notes:
        if note.end_beats <= start + EPS or note.start_beats >= end - EPS:
            kept.append(note)
            continue
        kept += [p for p in (note_piece(note, note.start_beats, start),
                             note_piece(note, end, note.end_beats)) if p is not None]
    return kept


def moved(note: RenderedNote, beats: float = 0.0, semitones: int = 0) -> RenderedNote:
    """``note`` later by ``beats`` and higher by ``semitones``."""
    return dataclasses.replace(note, start_beats=note.start_beats + beats,
                               end_beats=note.end_beats + beats, pitch=note.pitch + semitones)


def note_order(note: RenderedNote) -> tuple:
    """The order a chain keeps its notes in: by start, part, pitch (then end, velocity)."""
    return (note.start_beats, note.track, note.pitch, note.end_beats, note.velocity)


def sorted_notes(notes: Iterable[RenderedNote]) -> list[RenderedNote]:
    """``notes`` in the order a chain keeps them (:func:`note_order`)."""
    return sorted(notes, key=note_order)


def user_notes(chain: Chain) -> list[RenderedNote]:
    """The notes of the chain's user blocks (not the phrase), in beats from the chain's start."""
    size, head = block_beats(chain.request.meter), chain.request.phrase_blocks
    notes: list[RenderedNote] = []
    for k, item in enumerate(chain.items):
        if item.notes is not None and k >= head:
            notes += [moved(n, k * size) for n in clip(item.notes, 0.0, size)]
    return notes


def render_chain(chain: Chain) -> list[RenderedNote]:
    """The chain's notes: the phrase and the user's blocks as they are, the segments rendered
    from the collection in the request's key around them (silence in the user's blocks, so a
    note held into one ends where it starts, and one held out of it starts where it ends)."""
    import numpy as np

    from engine.dshl import store
    from engine.music.midi_export import render

    req, head = chain.request, chain.request.phrase_blocks
    own = list(req.phrase_notes) if head else []
    own += user_notes(chain)
    if all(it.notes is not None or k < head for k, it in enumerate(chain.items)):
        return sorted_notes(own)  # nothing to render: no collection needed
    col = store.collection_for(req.collection, req.meter)
    feats = col.corpus.features
    silent = np.zeros_like(feats[0])
    grid = np.concatenate([feats[it.id] if it.id >= 0 and it.notes is None and k >= head
                           else silent for k, it in enumerate(chain.items)])
    rendered = [dataclasses.replace(n, pitch=max(LOWEST, min(HIGHEST, n.pitch + req.pitch_offset)))
                for n in render(grid, col.loaded.vocab, req.key, col.corpus.steps)]
    return sorted_notes(rendered + own)
