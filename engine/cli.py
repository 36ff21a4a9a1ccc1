"""The ``segue`` command: ``gui``, ``doctor``, ``--version``, plus one set of subcommands per room.

The engine never imports ``app``: the ``segue`` console script is ``app.launcher:main``, which
hands the window's entry point to :func:`main` as ``gui``. ``python -m engine.cli`` runs every
command except the window.

Each room (``engine/<room>/commands.py``) exposes ``register(subparsers, eval_subparsers)`` and adds
its own subcommands (e.g. ``compose``, ``lyrics``, ``library``) and ``eval <room>`` entries. Handlers
take the parsed ``argparse.Namespace`` and return an exit code; they import heavy modules lazily so
``segue --version`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

import engine
from engine.errors import UserFacingError
from engine.logsetup import configure_logging

ROOM_COMMAND_MODULES = (
    "engine.dshl.commands",
    "engine.playback.commands",
    "engine.lyrics.commands",
    "engine.library.commands",
    "engine.commentary.commands",
    "engine.project.commands",
)


def build_parser() -> argparse.ArgumentParser:
    """Build the full argument parser, asking every room to register its subcommands."""
    parser = argparse.ArgumentParser(prog="segue", description="Segue: a desktop studio for musicians.")
    parser.add_argument("--version", action="version", version=f"segue {engine.__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug messages to stderr")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = sub.add_parser("gui", help="open the Segue window (the default)")
    gui.add_argument("files", nargs="*", metavar="FILE",
                     help="a .segue project or a MIDI phrase to open (the desktop entry passes it)")
    gui.set_defaults(func=None)

    doctor = sub.add_parser("doctor", help="report versions, devices, SEGUE_HOME and bundled assets")
    doctor.add_argument("--json", action="store_true", help="print one JSON object")
    doctor.set_defaults(func=_run_doctor)

    evaluate = sub.add_parser("eval", help="measure a bundled model (prints figures)")
    eval_sub = evaluate.add_subparsers(dest="what", metavar="WHAT", required=True)

    for module_name in ROOM_COMMAND_MODULES:
        importlib.import_module(module_name).register(sub, eval_sub)
    return parser


def main(argv: Sequence[str] | None = None,
         gui: Callable[[list[str]], int] | None = None) -> int:
    """Run ``segue`` with ``argv``; ``gui`` opens the window (``app.launcher`` passes it)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(verbose=args.verbose)
    func = getattr(args, "func", None)
    try:
        if func is None:  # `segue` or `segue gui`
            if gui is None:
                raise UserFacingError("the window is started by the `segue` command or "
                                      "`python -m app`; `python -m engine.cli` runs the others")
            return int(gui(list(getattr(args, "files", None) or [])) or 0)
        return int(func(args) or 0)
    except KeyboardInterrupt:
        print("segue: interrupted", file=sys.stderr)
        return 130
    except UserFacingError as exc:
        print(f"segue: error: {exc}", file=sys.stderr)
        return 2


def _run_doctor(args: argparse.Namespace) -> int:
    from engine import doctor

    report = doctor.collect()
    print(doctor.as_json(report) if args.json else doctor.as_text(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
