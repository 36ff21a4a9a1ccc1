"""`segue project` subcommands: ``project show p.segue [--json]`` and ``project export p.segue --midi``,
and ``segue leadsheet p.segue --out song.musicxml [--pdf song.pdf]`` (music21, MuseScore).

``segue compose … --project p.segue`` (:mod:`engine.project.compose_command`) writes projects;
these read them.
Everything printed that comes from the file (tune names, lyrics, artists) goes through
:func:`engine.printable.printable`, so a project cannot send escape sequences to the terminal.
"""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction, eval_sub: argparse._SubParsersAction) -> None:
    """Add ``segue project`` and its actions."""
    project = sub.add_parser("project", help="show or render a .segue project")
    actions = project.add_subparsers(dest="project_command", metavar="ACTION", required=True)

    show = actions.add_parser("show", help="what a project holds (chain, lyrics, commentary)")
    show.add_argument("path", help="a .segue file")
    show.add_argument("--json", action="store_true", help="print the whole project as JSON")
    show.set_defaults(func=_run_show)

    export = actions.add_parser("export", help="render a project's chain as a MIDI file")
    export.add_argument("path", help="a .segue file")
    export.add_argument("--midi", required=True, help="MIDI file to write")
    export.set_defaults(func=_run_export)

    sheet = sub.add_parser("leadsheet", help="a project's lead sheet: MusicXML (and a PDF)")
    sheet.add_argument("path", help="a .segue file")
    sheet.add_argument("--out", required=True, help="MusicXML file to write (.musicxml)")
    sheet.add_argument("--pdf", help="also engrave it as a PDF with MuseScore 3 (mscore3)")
    sheet.add_argument("--title", help="the title (default: the project's name)")
    sheet.set_defaults(func=_run_leadsheet)


def _run_show(args: argparse.Namespace) -> int:
    from engine.printable import one_line, printable
    from engine.project.files import json_text, load_project, project_name
    from engine.project.model import project_to_dict

    project = load_project(args.path)
    if args.json:  # every control character as a JSON escape
        print(json_text(project_to_dict(project), terminal=True))
        return 0

    def p(text: str) -> str:
        return printable(text)
    print(f"{p(one_line(project_name(args.path)))} (project format {project.format_version}, "
          f"saved by Segue {p(project.segue_version) or 'unknown'})")
    chain = project.composer.chain
    if chain is None:
        print("Composer: no chain yet")
    else:
        locked = sum(s.locked for s in chain.segments)
        print(f"Composer: {len(chain.segments)} segments from '{p(chain.collection)}', key "
              f"{p(chain.key)}, {p(chain.meter)}, {chain.tempo:g} BPM, {locked} locked, "
              f"{len(chain.notes)} notes")
        print("  " + " ".join(f"{p(s.tune)}#{s.position}{'*' if s.locked else ''}"
                              for s in chain.segments))
    lyrics = project.lyrics
    print(f"Lyrics: {len(lyrics.lines)} lines, {p(lyrics.artist_a) or '?'} & "
          f"{p(lyrics.artist_b) or '?'}, pattern {p(lyrics.pattern)}")
    for line in lyrics.lines:
        print(f"  {p(line.artist)}{' (locked)' if line.locked else ''}: {p(line.text)}")
    print(f"Commentary: {len(project.commentary.tags)} tags, "
          f"{len(project.commentary.samples)} kept samples")
    return 0


def _run_export(args: argparse.Namespace) -> int:
    from engine.checkpoint import CheckpointError
    from engine.errors import UserFacingError
    from engine.project.chain import write_midi
    from engine.project.files import load_project
    from engine.safe_io import refuse_same_file

    refuse_same_file(args.midi, {"the project being exported": args.path})
    project = load_project(args.path)
    chain = project.composer.chain
    if chain is None:
        raise UserFacingError(f"{args.path}: the project has no chain to export yet")
    try:
        out, changes = write_midi(chain, args.midi)
    except (CheckpointError, ValueError, OSError) as exc:
        raise UserFacingError(f"{args.path}: cannot render: {exc}") from exc
    for change in changes:
        print(f"note: {change}", file=sys.stderr)
    print(f"wrote {out}: {len(chain.segments)} segments, key {chain.key}, {chain.tempo:g} BPM")
    return 0


def _run_leadsheet(args: argparse.Namespace) -> int:
    from engine.printable import printable
    from engine.project.leadsheet import export_project

    result, sheet = export_project(args.path, args.out, args.pdf, args.title)
    melody = sheet.melody
    print(f"wrote {printable(str(result.musicxml))}: {result.bars} bars, key "
          f"{printable(melody.key)}, {melody.meter}, {melody.tempo:g} BPM, {result.notes} notes, "
          f"{result.chords} chord symbols, "
          + (f"{result.syllables} syllables ({result.verses} verse"
             f"{'s' * (result.verses != 1)})" if result.syllables else "no lyrics"))
    if not result.syllables:
        print("note: no lyrics: the duet was not set to this chain (Lyrics > Set to melody > "
              "From the Composer's chain…, then save the project)", file=sys.stderr)
    if result.pdf is not None:
        print(f"wrote {printable(str(result.pdf))}")
    return 0
