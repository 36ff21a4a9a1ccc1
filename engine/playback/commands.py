"""`segue play FILE.mid [--port NAME | --virtual | --synth]`: any MIDI file through an output;
`segue render IN.mid|IN.segue --out OUT.wav|.flac|.ogg`: the same music rendered to a file.

`play` opens the output through :mod:`engine.playback.outputs`, the same call the Composer panel
uses; `render` goes through :mod:`engine.playback.render`, as the panel's File > Export audio….
"""

from __future__ import annotations

import argparse
import sys

from engine.argtypes import integer, number
from engine.printable import printable


def register(sub: argparse._SubParsersAction, eval_sub: argparse._SubParsersAction) -> None:
    """Add this room's subcommands to `segue` and its entries to `segue eval`."""
    play = sub.add_parser("play", help="play a MIDI file through a MIDI port or the internal synth")
    play.add_argument("file", nargs="?", help="the .mid file to play")
    where = play.add_mutually_exclusive_group()
    where.add_argument("--port", metavar="NAME", help="a MIDI output port (exact or unique part)")
    where.add_argument("--virtual", action="store_true",
                       help='play into a virtual output port named "Segue"')
    where.add_argument("--synth", action="store_true",
                       help="play through the internal SoundFont synth (the default)")
    play.add_argument("--soundfont", metavar="SF2", help="SoundFont for --synth")
    play.add_argument("--delay", type=number(0, 3600), default=0.05, metavar="SECONDS",
                      help="wait before playing (e.g. to connect a DAW to --virtual)")
    play.add_argument("--list", action="store_true", help="list MIDI and audio outputs and exit")
    play.add_argument("--count-in", type=integer(0, 64), default=0, metavar="BARS",
                      help="click this many bars before the music starts")
    play.add_argument("--click", action="store_true", help="a metronome click on every beat")
    play.set_defaults(func=_run_play)

    render = sub.add_parser(
        "render", help="render a MIDI file or a project's chain to WAV, FLAC or Ogg audio",
        description="Render through the internal SoundFont synth (no sound card needed), with the "
                    "music's tempo and instruments and a short tail; the format follows --out's "
                    "extension. The audio is normalised to a -1 dBFS peak.")
    render.add_argument("file", help="a .mid/.midi file or a .segue project (its Composer chain)")
    render.add_argument("--out", required=True, metavar="OUT",
                        help="the audio file to write: .wav, .flac or .ogg")
    render.add_argument("--soundfont", metavar="SF2", help="a General MIDI SoundFont (default: "
                        "the bundled TimGM6mb.sf2)")
    render.add_argument("--rate", type=integer(8000, 192000), default=44100, metavar="HZ",
                        help="sample rate (default 44100)")
    render.add_argument("--tail", type=number(0, 60), default=1.0, metavar="SECONDS",
                        help="release after the last note (default 1)")
    render.set_defaults(func=_run_render)


def _run_play(args: argparse.Namespace) -> int:
    from engine.errors import UserFacingError
    from engine.playback import outputs
    from engine.playback.events import MidiLoadError, duration, events_from_midi

    if args.list:
        found, problems = outputs.list_outputs()
        for output in found:
            print(printable(output.label))
        for problem in problems:
            print(printable(f"({problem})"))
        return 0
    if not args.file:
        raise UserFacingError("play: give a MIDI file (or --list)")
    try:
        events = events_from_midi(args.file)
    except MidiLoadError as exc:
        raise UserFacingError(str(exc)) from exc
    if args.count_in or args.click:
        events, _ = outputs.with_click(events, _file_tempo(args.file), _file_meter(args.file),
                                       args.count_in, args.click)
    try:
        player = outputs.open_output(outputs.choose(args.port, args.virtual), args.soundfont)
    except outputs.OutputError as exc:
        raise UserFacingError(f"{exc}; to hear it without a device: segue render "
                              f"{args.file} --out FILE.wav") from exc
    print(printable(f"playing {args.file} ({duration(events):.1f} s) on {player.name}; Ctrl+C stops"),
          file=sys.stderr)
    try:
        player.play(events, start_delay=max(0.0, args.delay))
        while not player.wait(0.2):
            pass
    finally:
        player.stop()
        player.close()
    if player.error:
        raise UserFacingError(f"playback stopped: {player.error}")
    return 0


def _run_render(args: argparse.Namespace) -> int:
    import time

    from engine.playback.render import render_file

    started = time.perf_counter()
    done = render_file(args.file, args.out, sample_rate=args.rate, soundfont=args.soundfont,
                       tail_seconds=args.tail)
    print(printable(f"wrote {done.path} ({done.format}, {done.seconds:.1f} s at "
                    f"{done.sample_rate} Hz, rendered in {time.perf_counter() - started:.1f} s)"))
    return 0


def _file_tempo(path: str) -> float:
    """The first tempo of a MIDI file in BPM (120 if it has none)."""
    import pretty_midi

    tempi = pretty_midi.PrettyMIDI(path).get_tempo_changes()[1]
    return float(tempi[0]) if len(tempi) else 120.0


def _file_meter(path: str) -> tuple[int, int]:
    """The first time signature of a MIDI file (4/4 if it has none)."""
    import pretty_midi

    signatures = pretty_midi.PrettyMIDI(path).time_signature_changes
    return (signatures[0].numerator, signatures[0].denominator) if signatures else (4, 4)
