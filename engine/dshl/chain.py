"""A chain being edited: its state and every edit, as pure functions usable from CLI and tests.

A :class:`ChainState` is what the Composer shows and what undo restores: the chain (items and
the request that made it), its rendered notes, the locked positions, the chord symbols over
each block and the metre. Every edit returns a new state and leaves the old one untouched, so
the panel only wraps them in undo commands:

* :func:`compose_state`, :func:`continue_phrase` (the user's .mid starts the chain),
* :func:`accept` (put a candidate in), :func:`insert`, :func:`delete`, :func:`set_lock`,
  :func:`regenerate` (re-draw every unlocked block with a new seed),
* :func:`variations` (N distinct, seeded alternatives for one block, with an
  ``adventurousness`` from 0 = the re-ranker's favourites to 1 = anything retrieved).

Touching the notes (the user's own blocks, transposition, the tempo) is :mod:`engine.dshl.edits`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from engine.dshl import api
from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress
from engine.music.meters import SEGMENT_BEATS, block_beats  # noqa: F401 - block_beats re-exported
from engine.music.midi_export import RenderedNote

VARIATION_POOL = 200


@dataclass(frozen=True)
class ChordSpan:
    """A chord symbol sounding from ``start`` to ``end`` beats (e.g. ``"G7"``)."""

    start: float
    end: float
    name: str


@dataclass(frozen=True)
class ChainState:
    """What the Composer shows and undo restores (immutable)."""

    chain: api.Chain
    notes: tuple[RenderedNote, ...]
    locked: frozenset[int] = field(default_factory=frozenset)
    chords: tuple[ChordSpan, ...] = ()
    remarks: tuple[str, ...] = ()  # what reading the user's phrase estimated or changed

    @property
    def block_beats(self) -> float:
        """Quarter beats in one block: 4 in duple meters, 6 in triple ones (24 steps)."""
        return block_beats(self.chain.request.meter)

    @property
    def spans(self) -> list[tuple[float, float]]:
        """Each block's ``(start, end)`` in beats."""
        size = self.block_beats
        return [(k * size, (k + 1) * size) for k in range(len(self.chain.items))]

    @property
    def total_beats(self) -> float:
        """The chain's length in beats."""
        return float(len(self.chain.items) * self.block_beats)

    @property
    def meter(self) -> tuple[int, int]:
        """The time signature, e.g. ``(4, 4)``."""
        return api.parse_meter(self.chain.request.meter)

    @property
    def seed(self) -> int | None:
        """The seed of the last draw (what the export's provenance says)."""
        return self.chain.request.seed

    def provenance(self) -> str:
        """The provenance line the exported MIDI carries."""
        return api.provenance(self.chain)


def source_bar(item: api.ChainItem, meter: str = "4/4") -> tuple[int, str]:
    """``(bar, beat)``, both 1-based, of its source tune (in ``meter``) where a segment starts.

    The beat is counted in the meter's pulse (dotted quarters in 6/8 and 9/8, halves in 2/2 and
    3/2) and reads ``"2½"`` between two beats (the half bar of 3/2).
    """
    from engine.music.meters import FAMILIES, bar_beat, meter_family

    return bar_beat(item.position * FAMILIES[meter_family(meter)].hop, meter)


def chord_spans(notes: Sequence[RenderedNote], size: float = SEGMENT_BEATS
                ) -> tuple[ChordSpan, ...]:
    """Name the chords of the ``"chords"`` track, split at block boundaries (one set per block
    of ``size`` beats)."""
    from engine.music.chords import chord_name

    groups: dict[tuple[float, float], list[int]] = {}
    for note in notes:
        if note.track == "chords":
            groups.setdefault((note.start_beats, note.end_beats), []).append(note.pitch)
    spans: list[ChordSpan] = []
    for (start, end), pitches in sorted(groups.items()):
        name = chord_name(pitches)
        while name and start < end:
            stop = min(end, (start // size + 1) * size)
            spans.append(ChordSpan(start, stop, name))
            start = stop
    return tuple(spans)


def make_state(chain: api.Chain, locked: frozenset[int] | set[int] = frozenset()) -> ChainState:
    """Build the state of ``chain``: notes, chords, and the request recording the locks (the
    user's own blocks are always locked)."""
    locked = frozenset(k for k in locked if 0 <= k < len(chain.items)) | {
        k for k, it in enumerate(chain.items) if it.notes is not None}
    request = dataclasses.replace(chain.request, segments=len(chain.items),
                                  locked={k: chain.items[k].id for k in sorted(locked)})
    chain = api.Chain(request=request, items=list(chain.items))
    notes = tuple(api.chain_notes(chain))
    return ChainState(chain, notes, locked, chord_spans(notes, block_beats(request.meter)))


def compose_state(request: api.ComposeRequest, progress: ProgressFn = no_progress,
                  cancelled: CancelledFn = never_cancelled) -> ChainState:
    """Compose a new chain."""
    return make_state(api.compose(request, progress=progress, cancelled=cancelled),
                      frozenset(request.locked))


def compose_with_note(request: api.ComposeRequest, progress: ProgressFn = no_progress,
                      cancelled: CancelledFn = never_cancelled) -> tuple[ChainState, str | None]:
    """Compose a new chain, with a line for the musician when the collection holds too few
    tunes of the meter and mode for the reuse limit (None when there are enough)."""
    from engine.dshl.style import variety_message

    state = compose_state(request, progress, cancelled)
    try:
        note = variety_message(request.collection, request.meter, request.key,
                               len(state.chain.items), request.reuse_limit)
    except (KeyError, ValueError):  # a collection without this meter: the chain says enough
        note = None
    return state, note


def accept(state: ChainState, position: int, segment_id: int) -> ChainState:
    """Put segment ``segment_id`` at ``position`` (a candidate or a variation), locked.

    A block the musician chose is kept by :func:`regenerate` like any locked block (unlock it to
    let Regenerate draw it again).
    """
    _check(state, position)
    return make_state(api.replace(state.chain, position, segment_id), state.locked | {position})


def set_lock(state: ChainState, position: int, locked: bool) -> ChainState:
    """Lock (kept by :func:`regenerate`) or unlock block ``position``; a block you edited stays
    locked (a ValueError says so: Accept a candidate in its place, or undo the edit)."""
    _check(state, position)
    if not locked and state.chain.items[position].notes is not None:
        raise ValueError(f"block {position + 1} is your edit: it stays locked (accept another "
                         "block in its place, or undo the edit)")
    keep = state.locked | {position} if locked else state.locked - {position}
    request = dataclasses.replace(state.chain.request,
                                  locked={k: state.chain.items[k].id for k in sorted(keep)})
    return dataclasses.replace(state, chain=api.Chain(request, list(state.chain.items)),
                               locked=frozenset(keep))


def regenerate(state: ChainState, seed: int | None) -> ChainState:
    """Re-draw every unlocked block with ``seed`` (recorded in the chain's request)."""
    return make_state(api.regenerate(state.chain, set(state.locked), seed), state.locked)


def delete(state: ChainState, position: int) -> ChainState:
    """Remove block ``position`` and re-measure the join that closes the gap."""
    _check(state, position)
    api._check_not_phrase(state.chain, position)
    items = [it for k, it in enumerate(state.chain.items) if k != position]
    if not items:
        raise ValueError("a chain needs at least one block")
    locked = frozenset(k - (k > position) for k in state.locked if k != position)
    chain = api.Chain(request=state.chain.request, items=items)
    if position < len(items):
        chain = api.rescore(chain, position)  # a user's block moving up keeps its notes
    return make_state(chain, locked)


def insert(state: ChainState, position: int) -> ChainState:
    """Insert the best continuation of block ``position - 1`` as a new block at ``position``."""
    if not 0 <= position <= len(state.chain.items):
        raise IndexError(f"cannot insert at {position} (0..{len(state.chain.items)})")
    if position < state.chain.request.phrase_blocks:
        raise ValueError("your phrase stays as you played it: insert after it")
    items = list(state.chain.items)
    items.insert(position, items[max(0, position - 1)])  # placeholder, replaced below
    chain = api.Chain(request=state.chain.request, items=items)
    ranked = api.candidates(chain, position, limit=1)
    if not ranked:
        raise ValueError("no segment can continue this block")
    chain = api.replace(chain, position, ranked[0].id)  # also measures the join after it
    return make_state(chain, frozenset(k + (k >= position) for k in state.locked))


def candidates(state: ChainState, position: int, limit: int = 10) -> list[api.ChainItem]:
    """Ranked replacements for block ``position`` (best first)."""
    _check(state, position)
    return api.candidates(state.chain, position, limit)


def variations(state: ChainState, position: int, count: int = 4, adventurousness: float = 0.5,
               seed: int | None = None) -> list[api.ChainItem]:
    """``count`` distinct alternatives for block ``position``, drawn (seeded) from the ranking.

    ``adventurousness`` 0 draws among the re-ranker's few favourites (sharp softmax);
    1 draws almost evenly among everything the hash index retrieved. The current block is
    never offered. Same state, seed and settings give the same variations.
    """
    import numpy as np

    _check(state, position)
    if count < 1:
        raise ValueError("count must be at least 1")
    if not 0.0 <= adventurousness <= 1.0:
        raise ValueError("adventurousness must be between 0 and 1")
    current = state.chain.items[position].id
    pool = [c for c in api.candidates(state.chain, position, VARIATION_POOL) if c.id != current]
    if not pool:
        return []
    size = min(len(pool), max(count, int(round(count + adventurousness * (len(pool) - count)))))
    pool = pool[:size]
    scores = np.array([c.score for c in pool], dtype=np.float64)
    temperature = 0.25 + 4.0 * adventurousness
    probs = np.exp((scores - scores.max()) / temperature)
    probs /= probs.sum()
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(pool), size=min(count, len(pool)), replace=False, p=probs)
    return [pool[int(k)] for k in picks]


def continue_phrase(path: str | Path, request: api.ComposeRequest,
                    progress: ProgressFn = no_progress,
                    cancelled: CancelledFn = never_cancelled) -> ChainState:
    """Continue the user's phrase: its notes, as played, are the first block(s) of the chain
    (locked), in its own key, meter and tempo; ``request.segments`` new blocks follow.

    The state's ``remarks`` say what was estimated (no key signature: Krumhansl-Schmuckler; no
    time signature: 4/4; no tempo: 120 BPM) or moved onto the 16th grid.
    """
    from engine.dshl.phrase import read_phrase

    progress(0.0, "reading your phrase")
    phrase = read_phrase(path)
    head = phrase.blocks
    request = dataclasses.replace(
        request, key=phrase.key, meter=phrase.meter, tempo=phrase.tempo,
        segments=head + request.segments, start=None, phrase=phrase.name,
        phrase_notes=phrase.notes, phrase_blocks=head, locked=dict.fromkeys(range(head), -1))
    state = compose_state(request, progress, cancelled)  # the phrase's blocks are locked
    return dataclasses.replace(state, remarks=phrase.remarks)


def to_midi(state: ChainState):
    """The state as a Type-1 PrettyMIDI, from exactly the notes it shows, with its provenance."""
    from engine.music.midi_export import to_pretty_midi

    req = state.chain.request
    return to_pretty_midi(list(state.notes), req.key, req.tempo, req.melody_program,
                          req.chord_program, state.provenance(), state.meter)


def write_midi(state: ChainState, path: str | Path) -> Path:
    """Write the state's MIDI to ``path`` atomically and return the path."""
    from engine.music.midi_export import write_pretty_midi

    return write_pretty_midi(to_midi(state), path)


def _check(state: ChainState, position: int) -> None:
    """Reject a position outside the chain with a readable reason."""
    if not 0 <= position < len(state.chain.items):
        raise IndexError(f"block {position + 1} is not in the chain (1..{len(state.chain.items)})")
