"""The ``segue`` command: ``gui``, ``doctor``, ``--version``, plus one set of subcommands per room.

The engine never imports ``app``: the ``segue`` console script is ``app.launcher:main``, which
hands the window's entry point to :func:`main` as ``gui``. ``python -m engine.cli`` runs every
command except the window.

Each room (``engine/<room>/commands.py``) exposes ``register(subparsers, eval_subparsers)`` and adds
its own subcommands (e.g. ``lyrics``, ``library``) and ``eval <room>`` entries; so does
``engine/project/compose_command.py`` for ``compose``, which spans the dshl and project rooms and is
registered right after the dshl room so ``segue --help`` lists it in its usual place. Handlers
take the parsed ``argparse.Namespace`` and return an exit code; they import heavy modules lazily so
``segue --version`` stays instant.

Bad input never ends in a traceback: a bad option, a user-facing error, an ``OSError``, a database
error or a parse error (JSON, zip, MIDI, text decoding) becomes ONE line on stderr,
``segue: error: <file>: <problem>``, and exit code 2; the traceback goes to the log file.
"""

from __future__ import annotations

import argparse
import errno
import importlib
import os
import sys
import warnings
from collections.abc import Callable, Sequence

import engine
from engine.errors import UserFacingError
from engine.logsetup import configure_logging
from engine.printable import one_line

ROOM_COMMAND_MODULES = (
    "engine.dshl.commands",
    "engine.project.compose_command",  # `compose`: composes (dshl), may save a project
    "engine.playback.commands",
    "engine.lyrics.commands",
    "engine.library.commands",
    "engine.commentary.commands",
    "engine.project.commands",
)


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line (``segue: error: …``), exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        """Print the problem and where to find help on one line, then exit 2."""
        hint = f" (see '{self.prog} --help')"
        print(f"segue: error: {one_line(message)}{hint}", file=sys.stderr)
        raise SystemExit(2)


def build_parser() -> argparse.ArgumentParser:
    """Build the full argument parser, asking every room to register its subcommands."""
    parser = OneLineParser(prog="segue", description="Segue: a desktop studio for musicians.")
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
    if not args.verbose:  # library warnings (torch, librosa) go to the log, not between our lines
        warnings.showwarning = _log_warning
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
    except Exception as exc:  # noqa: BLE001 - the one place that turns any failure into one line
        return _report(exc, verbose=args.verbose)


def _log_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Send a Python warning to the log file instead of stderr."""
    from engine.logsetup import get_logger

    get_logger("warnings").info("%s:%s: %s: %s", filename, lineno, category.__name__, message)


def describe(exc: BaseException) -> str | None:
    """The one-line message for a failure caused by bad input, or None for a bug."""
    import zipfile

    from engine.checkpoint import CheckpointError
    from engine.music.tune import ImportProblem

    if isinstance(exc, (UserFacingError, CheckpointError, ImportProblem)):
        return str(exc) or type(exc).__name__
    if isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        if exc.errno in (errno.EACCES, errno.EROFS):
            reason += " (read-only?)"
        name = exc.filename if exc.filename is not None else exc.filename2
        return f"{os.fsdecode(name)}: {reason}" if name is not None else reason
    if _is_database_error(exc):
        from engine.paths import db_path

        cause = getattr(exc, "orig", None) or exc
        first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
        return f"{db_path()}: database error: {first}"
    if isinstance(exc, SyntaxError) and type(exc).__module__.startswith("xml."):
        return f"not valid XML ({exc})"
    if isinstance(exc, UnicodeDecodeError):
        return f"not valid {exc.encoding} text (bad byte at position {exc.start})"
    if isinstance(exc, (ValueError, EOFError, zipfile.BadZipFile)):
        return f"{type(exc).__name__}: {exc}" if not str(exc) else str(exc)
    return None


def _is_database_error(exc: BaseException) -> bool:
    """Tell sqlite3/SQLAlchemy errors apart without importing SQLAlchemy."""
    return any(cls.__module__ in ("sqlite3", "sqlalchemy.exc") and cls.__name__ == "DatabaseError"
               for cls in type(exc).__mro__)


def _report(exc: Exception, verbose: bool = False) -> int:
    """Print one line for ``exc`` on stderr and log its traceback; return the exit code."""
    from engine.logsetup import get_logger

    get_logger("cli").info("command failed", exc_info=exc)  # to the log file (and -v stderr)
    message = describe(exc)
    if message is None:
        print(f"segue: error: internal error ({one_line(f'{type(exc).__name__}: {exc}')}); "
              "details in the log file", file=sys.stderr)
        return 1
    print(f"segue: error: {one_line(message)}", file=sys.stderr)
    return 2


def _run_doctor(args: argparse.Namespace) -> int:
    from engine import doctor

    report = doctor.collect()
    print(doctor.as_json(report) if args.json else doctor.as_text(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
