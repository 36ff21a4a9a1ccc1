"""Logging: a rotating log file in ``SEGUE_HOME/logs`` plus warnings on stderr."""

from __future__ import annotations

import logging
import logging.handlers
import sys

from engine import paths

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"


class _QuietFileHandler(logging.handlers.RotatingFileHandler):
    """The log file handler; a full disk or a vanished folder never spills onto stderr."""

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        """Drop the record: the one error line the user sees must stay one line."""


class _OneLineFormatter(logging.Formatter):
    """Console lines without tracebacks: those belong in the log file (``-v`` shows them)."""

    def format(self, record: logging.LogRecord) -> str:
        """Format the message only; ``exc_info`` and a cached traceback text are left out."""
        record.message = record.getMessage()
        return self.formatMessage(record)


class _Once(logging.Filter):
    """Let each distinct console message through once: a repeated failure is not a flood."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[tuple[int, str]] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        """True the first time this level and message are seen."""
        key = (record.levelno, record.getMessage())
        if key in self.seen:
            return False
        self.seen.add(key)
        return True


def configure_logging(verbose: bool = False, to_file: bool = True) -> logging.Logger:
    """Configure the ``segue`` logger once; file logging is skipped when the folder is unwritable.

    Without ``verbose`` the console shows warnings and errors on one line each, once, without
    tracebacks (the log file keeps those); with it, everything, tracebacks included.
    """
    root = logging.getLogger("segue")
    if getattr(root, "_segue_configured", False):
        return root
    root.setLevel(logging.DEBUG)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.DEBUG if verbose else logging.WARNING)
    console_format = "segue: %(levelname)s: %(message)s"
    if verbose:
        console.setFormatter(logging.Formatter(console_format))
    else:  # tracebacks go to the log file only; each message is said once
        console.setFormatter(_OneLineFormatter(console_format))
        console.addFilter(_Once())
    root.addHandler(console)
    if to_file:
        try:
            paths.logs_dir().mkdir(parents=True, exist_ok=True)
            handler = _QuietFileHandler(
                paths.logs_dir() / "segue.log", maxBytes=1_000_000, backupCount=3, encoding="utf-8",
                errors="backslashreplace",  # file names that are not UTF-8 must not break logging
            )
        except OSError as exc:
            root.info("no log file (%s)", exc)  # not a warning: one error line must stay one line
        else:
            handler.setLevel(logging.INFO)
            handler.setFormatter(logging.Formatter(LOG_FORMAT))
            root.addHandler(handler)
    root._segue_configured = True  # type: ignore[attr-defined]
    return root


def get_logger(name: str) -> logging.Logger:
    """Return a child of the ``segue`` logger, e.g. ``get_logger(__name__)``."""
    return logging.getLogger("segue").getChild(name.removeprefix("engine.").removeprefix("app."))
