"""Opening a project against what is installed now: keep what can be kept, say what changed.

:func:`resolve_project` runs on the engine thread (it loads the composer model and lists the
lyric artists) and returns the project updated for this installation plus a list of plain
sentences for the user: a missing collection or artist, segments found again or removed, a chain
measured by another model. Nothing is dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from engine.checkpoint import CheckpointError
from engine.jobs import CancelledFn, ProgressFn, never_cancelled, no_progress
from engine.project.model import Project


@dataclass
class Resolved:
    """A project ready for the panels and what changed on the way."""

    project: Project
    changes: list[str] = field(default_factory=list)


def resolve_project(project: Project, progress: ProgressFn = no_progress,
                    cancelled: CancelledFn = never_cancelled) -> Resolved:
    """Check ``project``'s chain and artists against this installation (see module docstring)."""
    changes: list[str] = []
    composer = project.composer
    if composer.chain is not None:
        progress(0.1, "checking the chain")
        from engine.project.chain import resolve_chain

        try:
            chain, found = resolve_chain(composer.chain)
        except (CheckpointError, ValueError, OSError) as exc:
            chain, found = composer.chain, [f"The chain could not be checked ({exc}); it is kept "
                                            "as saved."]
        changes += found
        composer = replace(composer, chain=chain)
    progress(0.6, "checking the lyric artists")
    changes += _artist_changes(project)
    progress(1.0, "done")
    return Resolved(replace(project, composer=composer), changes)


def _artist_changes(project: Project) -> list[str]:
    """Name the project's lyric artists that are not installed here (their lines are kept)."""
    lyrics = project.lyrics
    wanted = [slug for slug in (lyrics.artist_a, lyrics.artist_b) if slug]
    if not wanted:
        return []
    from engine.lyrics import artists

    try:
        installed = {info.slug for info in artists.list_artists()}
    except (CheckpointError, OSError) as exc:
        return [f"The lyric artists could not be listed ({exc})."]
    return [f"The lyric artist '{slug}' is not installed here: the lines are kept; choose another "
            "artist to write new ones." for slug in dict.fromkeys(wanted) if slug not in installed]
