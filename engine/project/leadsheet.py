"""A project's lead sheet: its saved chain (notes, key, meter, tempo, chords) and — when the
Lyrics tab was set to this chain — the duet's lines under the melody.

Only the saved notes are used (:func:`melody_of_record`, which the Lyrics tab also sings a saved
project's chain from), so a project whose collection is not installed here still makes its lead
sheet. The lyrics are printed when the project's ``lyrics.sung_to`` names this chain's melody
(:meth:`engine.music.syllables.Melody.fingerprint`); a duet set to another chain, or never set,
leaves the lead sheet without words (and says so).
"""

from __future__ import annotations

from pathlib import Path

from engine.errors import UserFacingError
from engine.music.leadsheet import LeadSheet, LeadSheetResult, write_leadsheet
from engine.music.syllables import Melody, melody_line
from engine.project.model import Chain, Project


def melody_of_record(record: Chain) -> Melody:
    """The melody of a project's saved chain, from its saved notes (no collection or model)."""
    from engine.music.meters import block_beats, known_meter

    meter = known_meter(record.meter)
    notes = melody_line((n.start, n.end, n.pitch) for n in record.notes if n.track == "melody")
    return Melody(notes, meter, float(record.tempo), record.key,
                  len(record.segments) * block_beats(meter))


def lyricist(artists: list[str]) -> str:
    """The writers of the duet's lines, each once, in order (``"Robert Burns & Emily Dickinson"``)."""
    return " & ".join(dict.fromkeys(a for a in artists if a))


def sung_lines(project: Project, melody: Melody) -> tuple[str, ...]:
    """The duet's lines when the Lyrics tab was set to ``melody``, else ``()``."""
    lyrics = project.lyrics
    if lyrics.sung_to and lyrics.sung_to == melody.fingerprint():
        return tuple(line.text for line in lyrics.lines)
    return ()


def sheet_from_project(project: Project, title: str, source: str | Path = "the project"
                       ) -> LeadSheet:
    """The lead sheet of ``project``'s chain (UserFacingError naming ``source`` if it has none)."""
    from engine.dshl.chain import chord_spans
    from engine.music.meters import block_beats
    from engine.music.midi_export import RenderedNote

    record = project.composer.chain
    if record is None:
        raise UserFacingError(f"{source}: the project has no chain to make a lead sheet of yet")
    melody = melody_of_record(record)
    if not melody.notes:
        raise UserFacingError(f"{source}: the chain holds no melody notes (the project keeps "
                              "none and its collection is needed to render them)")
    notes = [RenderedNote(n.start, n.end, n.pitch, n.velocity, n.track) for n in record.notes]
    chords = tuple((c.start, c.end, c.name) for c in chord_spans(notes, block_beats(melody.meter)))
    lines = sung_lines(project, melody)
    names = lyricist([line.artist for line in project.lyrics.lines]) if lines else ""
    return LeadSheet(title, melody, chords, lines, names)


def export_project(path: str | Path, out: str | Path, pdf: str | Path | None = None,
                   title: str | None = None) -> tuple[LeadSheetResult, LeadSheet]:
    """Write the lead sheet of the project at ``path`` to ``out`` (and ``pdf``); the title is
    the project's name unless given."""
    from engine.project.files import load_project, project_name
    from engine.safe_io import refuse_same_file

    refuse_same_file(out, {"the project": path, "the PDF": pdf})
    if pdf is not None:
        refuse_same_file(pdf, {"the project": path})
    project = load_project(path)
    sheet = sheet_from_project(project, title or project_name(path), path)
    return write_leadsheet(sheet, out, pdf), sheet
