"""What the composer is asked for and what it gives back: a :class:`ComposeRequest`, the
:class:`ChainItem` of each block and the :class:`Chain` they make.

Plain dataclasses, below :mod:`engine.dshl.api` (which re-exports them: callers name them
``api.Chain`` and so on) and below the chain-notes renderer (:mod:`engine.dshl.notes`), so both
can use them without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.music.midi_export import RenderedNote

__all__ = ["Chain", "ChainItem", "ComposeRequest"]


@dataclass
class ComposeRequest:
    """What to compose: length, seed, output key/tempo, mode, reuse limit, collection, instruments."""

    segments: int = 8
    seed: int | None = None
    key: str = "C"
    tempo: float = 120.0
    mode: str = "min"  # "min" (compose by nearest codes) or "max" (paper's Task 2)
    reuse_limit: int | None = 2  # max segments taken from one tune
    collection: str = "nottingham"
    start: int | None = None  # segment id to start from
    prefer_ending: bool = True
    melody_program: int = 73
    chord_program: int = 0
    locked: dict[int, int] = field(default_factory=dict)  # chain position -> segment id kept as is
    # time signature of the ruler and the exported MIDI, and the tunes drawn from: 2/4, 4/4, 2/2
    # (4-beat segments) or 3/4, 6/8, 9/8, 3/2, 6/4 (24-step segments); meters never mix in a chain
    meter: str = "4/4"
    phrase: str = ""  # name of the user's MIDI phrase the chain continues, if any
    # the phrase itself: its notes as played (beats from the chain's start) fill the first
    # ``phrase_blocks`` blocks (items with id -1); ``segments`` counts them too
    phrase_notes: tuple[RenderedNote, ...] = ()
    phrase_blocks: int = 0
    # semitones added to the segments' notes beyond the key's own move from C (-6..5): a
    # multiple of 12 once the chain was transposed by hand, so "up 7" goes a fifth up, not a
    # fourth down (engine.dshl.edits.transpose_chain)
    pitch_offset: int = 0


@dataclass
class ChainItem:
    """One segment of a chain: its id, source tune, position in that tune, code distance, score.

    ``fit`` (0–100, None for a chain's opening) is the share of the collection's real junctions
    that the re-ranker scores lower than this join: 50 joins as smoothly as a typical real one.
    ``notes`` (None for a generated block) makes it the user's own block (an edited block, see
    :mod:`engine.dshl.edits`): its notes, in beats from the block's start, sound instead of the
    segment's; the segment stays as the stand-in the search and re-ranker see (id -1: none).
    """

    id: int
    tune: str
    position: int
    distance: int
    score: float
    ends_tune: bool
    fit: int | None = None
    notes: tuple[RenderedNote, ...] | None = None

    @property
    def edited(self) -> bool:
        """Whether this block is the user's own (edited note for note, locked)."""
        return self.notes is not None


@dataclass
class Chain:
    """A composed chain of segments and the request that produced it."""

    request: ComposeRequest
    items: list[ChainItem]
