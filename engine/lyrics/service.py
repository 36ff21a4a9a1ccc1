"""Job-shaped entry points for the app: resolve artists by slug, then write, rewrite or continue.

Each function takes the ``progress``/``cancelled`` keywords the job runner passes and returns plain
data (lists of :class:`~engine.lyrics.duet.DuetLine`), so the Lyrics panel needs no model objects.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress
from engine.lyrics import artists
from engine.lyrics.duet import DuetLine, DuetSpec, continue_duet, regenerate_line, write_duet


def _models(a: str, b: str) -> tuple:
    """Load artists A and B (cached after the first call)."""
    return artists.load(a), artists.load(b)


def write(
    a: str, b: str, spec: DuetSpec, existing: Sequence[DuetLine] | None = None,
    progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled,
) -> list[DuetLine]:
    """Write a duet between artists ``a`` and ``b`` (slugs or names), keeping locked lines."""
    progress(0.0, "loading artists")
    return write_duet(_models(a, b), spec, existing, progress=progress, cancelled=cancelled)


def regenerate(
    a: str, b: str, lines: Sequence[DuetLine], index: int, spec: DuetSpec, attempt: int = 1,
    progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled,
) -> list[DuetLine]:
    """Rewrite line ``index`` of ``lines``; the other lines come back unchanged."""
    return regenerate_line(_models(a, b), lines, index, spec, attempt)


def extend(
    a: str, b: str, lines: Sequence[DuetLine], user_text: str, spec: DuetSpec, count: int = 4,
    progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled,
) -> list[DuetLine]:
    """Append the user's line and ``count`` lines continuing it."""
    return continue_duet(lines, user_text, _models(a, b), spec, count, progress=progress,
                         cancelled=cancelled)


def installed_artists(
    progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled,
) -> list[artists.ArtistInfo]:
    """List the installed artists (bundled and the user's), for a job on the engine thread."""
    return artists.list_artists()


def artist_listing(
    progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled,
) -> tuple[list[artists.ArtistInfo], list[str]]:
    """The installed artists and, for each unreadable user model, "file: reason" (for the panel)."""
    problems: list = []
    found = artists.list_artists(problems)
    return found, [f"{path.name}: {why}" for path, why in problems]


def train(
    name: str, files: Sequence[str], minutes: float = 15.0,
    progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled,
) -> artists.ArtistInfo:
    """Train and install a new artist from the user's lyric files (see :func:`artists.train_artist`)."""
    return artists.train_artist(name, list(files), minutes=minutes, progress=progress,
                                cancelled=cancelled)


def melody(
    lines: Sequence[str], midi_in: str, midi_out: str,
    progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled,
) -> object:
    """Set the duet's lines to the melody of ``midi_in``; write a MIDI with lyric events."""
    from engine.lyrics.melody import set_to_melody

    return set_to_melody(list(lines), midi_in, midi_out)


def sing_chain(
    lines: Sequence[str], melody: object, midi_out: str,
    progress: ProgressFn = no_progress, cancelled: CancelledFn = never_cancelled,
) -> object:
    """Set the duet's lines to a chain's melody in memory (:class:`~engine.music.syllables.Melody`,
    from the Composer's chain or a project's saved notes): no temporary file, no model."""
    from engine.lyrics.melody import sing

    return sing(list(lines), melody, midi_out)  # type: ignore[arg-type]
