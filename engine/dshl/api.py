"""Public API of the Composer engine (Deep Segment Hash Learning), used by the Composer panel.

Every function here is Qt-free and safe to call on the GUI's engine thread. Models and indexes
load once and are cached; the first call may take a moment.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress

if TYPE_CHECKING:  # pragma: no cover
    import pretty_midi


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


@dataclass
class ChainItem:
    """One segment of a chain: its id, source tune, position in that tune, code distance, score."""

    id: int
    tune: str
    position: int
    distance: int
    score: float
    ends_tune: bool


@dataclass
class Chain:
    """A composed chain of segments and the request that produced it."""

    request: ComposeRequest
    items: list[ChainItem]


@dataclass
class NoteEvent:
    """One note of a rendered chain, in beats from the chain's start; ``track`` is melody/chords."""

    start_beats: float
    end_beats: float
    pitch: int
    velocity: int
    track: str


@dataclass
class ImportReport:
    """Outcome of importing a folder: segment/tune counts and skipped files with their reasons."""

    name: str
    tunes: int
    segments: int
    skipped: list[tuple[str, str]] = field(default_factory=list)
    path: Path | None = None


def list_collections() -> list[str]:
    """Return the names of the collections one can compose from (bundled first, then imported)."""
    raise NotImplementedError


def compose(
    request: ComposeRequest,
    progress: ProgressFn = no_progress,
    cancelled: CancelledFn = never_cancelled,
) -> Chain:
    """Compose a chain of ``request.segments`` segments."""
    raise NotImplementedError


def candidates(chain: Chain, position: int, limit: int = 10) -> list[ChainItem]:
    """Return ranked replacements for item ``position`` given its predecessor."""
    raise NotImplementedError


def replace(chain: Chain, position: int, segment_id: int) -> Chain:
    """Return a new chain with item ``position`` replaced by segment ``segment_id``."""
    raise NotImplementedError


def regenerate(chain: Chain, keep: set[int], seed: int | None = None) -> Chain:
    """Return a new chain that keeps the positions in ``keep`` and re-draws the others."""
    raise NotImplementedError


def chain_notes(chain: Chain) -> list[NoteEvent]:
    """Return the chain's notes in the request's key, for the piano roll and playback."""
    raise NotImplementedError


def chain_to_midi(chain: Chain) -> pretty_midi.PrettyMIDI:
    """Render the chain as a Type-1 MIDI: melody + chord tracks, tempo, key/time signature."""
    raise NotImplementedError


def write_midi(chain: Chain, path: str | Path) -> Path:
    """Write the chain's MIDI to ``path`` atomically and return the path."""
    raise NotImplementedError


def import_collection(
    folder: str | Path,
    name: str,
    progress: ProgressFn = no_progress,
    cancelled: CancelledFn = never_cancelled,
) -> ImportReport:
    """Index a folder of MIDI/ABC tunes as collection ``name``; skipped files come with reasons."""
    raise NotImplementedError
