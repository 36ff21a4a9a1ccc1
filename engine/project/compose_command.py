"""``segue compose``: compose a tune from hashed segments (DSHL) and write it as MIDI, a
``.segue`` project, or both.

Composing is :mod:`engine.dshl`'s; saving the project (``--project``) is this layer's
(:func:`engine.project.chain.save_chain_project`), so the command lives here, above both.
:mod:`engine.cli` registers it right after the dshl room's commands, where ``segue --help`` has
always listed it. The handler imports torch and the model lazily so that ``segue --version`` stays
instant.
"""

from __future__ import annotations

import argparse
import json
import sys

from engine.argtypes import integer, number
from engine.errors import UserFacingError
from engine.printable import printable

MAX_SEGMENTS = 1000  # a 4000-beat tune; longer chains are refused before composing


def register(sub: argparse._SubParsersAction, eval_sub: argparse._SubParsersAction) -> None:
    """Add ``segue compose`` (it has no ``segue eval`` entry)."""
    compose = sub.add_parser("compose", help="compose a tune from hashed segments (DSHL)")
    compose.add_argument("--segments", type=integer(1, MAX_SEGMENTS), default=8,
                         help="chain length (4 beats each)")
    compose.add_argument("--seed", type=integer(0, 2**31 - 1),
                         help="random seed (same seed, same chain; 0 to 2147483647)")
    compose.add_argument("--out", help="MIDI file to write (default tune.mid, or none with --project)")
    compose.add_argument("--project", help="also (or, without --out, only) write a .segue project")
    compose.add_argument("--key", default="C", help="output key, e.g. D, Bb, F#m")
    compose.add_argument("--tempo", type=number(20, 400), default=120.0, help="beats per minute")
    compose.add_argument("--meter", default="4/4",
                         help="2/4, 4/4, 2/2, 3/4, 6/8, 9/8, 3/2 or 6/4 (a minor --key draws "
                              "minor tunes)")
    compose.add_argument("--collection", default="nottingham",
                         help="bundled 'nottingham' or a name given to `segue dshl import`")
    compose.add_argument("--mode", choices=("min", "max"), default="min",
                         help="min: nearest codes + re-ranker; max: farthest codes (paper Task 2)")
    compose.add_argument("--reuse-limit", type=integer(0, MAX_SEGMENTS), default=2,
                         help="max segments from one tune (0 = no limit)")
    compose.add_argument("--start", type=integer(0), help="segment id to start from")
    compose.add_argument("--start-midi", help="start from the segment closest to this MIDI phrase")
    compose.add_argument("--continue", dest="continue_midi", metavar="PHRASE.mid",
                         help="continue your phrase: its notes start the chain (in its own key, "
                              "meter and tempo), then --segments more follow")
    compose.add_argument("--no-ending", action="store_true", help="do not prefer a tune ending")
    compose.add_argument("--melody-program", type=integer(0, 127), default=73, help="General MIDI program")
    compose.add_argument("--chord-program", type=integer(0, 127), default=0, help="General MIDI program")
    compose.add_argument("--json", action="store_true", help="print the chain as JSON")
    compose.set_defaults(func=_run_compose)


def _run_compose(args: argparse.Namespace) -> int:
    """Compose a chain, write the MIDI file and/or the project, and report what was written."""
    from dataclasses import replace

    from engine.checkpoint import CheckpointError
    from engine.dshl.api import compose, provenance, write_midi
    from engine.dshl.settings import ComposerSettings, key_tonality
    from engine.safe_io import refuse_same_file

    phrases = {"the --start-midi phrase": args.start_midi,
               "the --continue phrase": args.continue_midi}
    if args.project:  # before composing: one output must never replace the other or an input
        refuse_same_file(args.project, {"the --out MIDI file": args.out, **phrases})
    if args.out or not args.project:
        refuse_same_file(args.out or "tune.mid", phrases)
    try:
        start = args.start
        if args.start_midi:
            from engine.dshl.phrase import closest_segment

            start = closest_segment(args.start_midi, args.collection, args.meter)
        settings = ComposerSettings(
            segments=args.segments, seed=args.seed if args.seed is not None else 1,
            random_seed=args.seed is None, key=args.key, meter=args.meter,
            tonality=key_tonality(args.key), tempo=args.tempo, mode=args.mode,
            reuse_limit=args.reuse_limit or None, collection=args.collection,
            melody_program=args.melody_program, chord_program=args.chord_program)
        request = replace(settings.request(seed=args.seed), start=start,
                          prefer_ending=not args.no_ending)
        if args.continue_midi:
            from engine.dshl.chain import continue_phrase

            state = continue_phrase(args.continue_midi, request)
            chain = state.chain
            req = chain.request  # the phrase's key, meter and tempo
            settings = settings.follow(req.key, req.meter, req.tempo)
            for remark in state.remarks:
                print(printable(f"segue: note: {args.continue_midi}: {remark}"), file=sys.stderr)
        else:
            chain = compose(request)
        out = write_midi(chain, args.out or "tune.mid") if args.out or not args.project else None
        if args.project:
            from engine.project.chain import save_chain_project

            save_chain_project(chain, args.project, settings)
    except (ValueError, CheckpointError) as exc:  # OSError: one line from engine.cli
        raise UserFacingError(str(exc)) from exc
    if not args.continue_midi and len(chain.items) < args.segments:
        print(f"segue: warning: collection {args.collection!r} ran out of segments: the chain has "
              f"{len(chain.items)} of the {args.segments} asked for", file=sys.stderr)
    from engine.dshl.style import variety_message

    note = variety_message(args.collection, args.meter, args.key, args.segments,
                           args.reuse_limit or None)
    if note:
        print(f"segue: note: {note}", file=sys.stderr)
    if args.json:
        print(json.dumps({
            "segments": [{"id": it.id, "tune": it.tune, "position": it.position,
                          "distance": it.distance, "score": round(it.score, 4),
                          "ends_tune": it.ends_tune} for it in chain.items],
            "out": str(out) if out else None, "project": args.project,
            "key": chain.request.key, "tempo": chain.request.tempo, "mode": request.mode,
            "meter": chain.request.meter,
            "collection": request.collection, "seed": request.seed,
            "provenance": provenance(chain)}))
    else:
        written = " and ".join(str(p) for p in (out, args.project) if p)
        print(printable(f"wrote {written}: " + " ".join(f"{it.tune}#{it.position}" for it in chain.items)))
    return 0
