"""`segue play FILE.mid [--port NAME | --virtual | --synth]`: any MIDI file through the scheduler."""

from __future__ import annotations

import argparse
import sys

from engine.argtypes import number


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
    play.set_defaults(func=_run_play)


def _run_play(args: argparse.Namespace) -> int:
    from engine.errors import UserFacingError
    from engine.playback import audio_devices, ports
    from engine.playback.audio_out import AudioError, SynthOutput
    from engine.playback.events import MidiLoadError, duration, events_from_midi
    from engine.playback.scheduler import Scheduler

    if args.list:
        midi, why = ports.list_outputs()
        audio, audio_why = audio_devices.list_outputs()
        print("MIDI outputs: " + (", ".join(midi) or f"none ({why or 'no ports'})"))
        print("Audio outputs: " + (", ".join(audio) or f"none ({audio_why})"))
        return 0
    if not args.file:
        raise UserFacingError("play: give a MIDI file (or --list)")
    try:
        events = events_from_midi(args.file)
    except MidiLoadError as exc:
        raise UserFacingError(str(exc)) from exc
    try:
        if args.port:
            sink = ports.open_output(args.port)
        elif args.virtual:
            sink = ports.open_virtual_output()
        else:
            sink = SynthOutput(soundfont=args.soundfont)
    except (ports.PortError, AudioError) as exc:
        raise UserFacingError(str(exc)) from exc
    scheduler = Scheduler(sink)
    print(f"playing {args.file} ({duration(events):.1f} s) on {sink.name}; Ctrl+C stops",
          file=sys.stderr)
    try:
        scheduler.play(events, start_delay=max(0.0, args.delay))
        while not scheduler.wait(0.2):
            pass
    finally:
        scheduler.stop()
        sink.close()
    if scheduler.error:
        raise UserFacingError(f"playback stopped: {scheduler.error}")
    return 0
