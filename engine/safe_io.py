"""Checks on a user's files: before reading one, and before a command writes one.

Readers of MIDI, ABC and lyric files call :func:`check_input_file` first, so ``/dev/zero``, a
FIFO, a folder or a 100 MB "MIDI" file is refused with one clear line instead of a hang or an
out-of-memory kill. Limits are generous for real music and lyrics.

Commands that write a file (``segue compose``, ``segue project export``, ``segue leadsheet``) call
:func:`refuse_same_file` first, so an output never replaces one of the command's inputs or its
other output (:func:`same_file` sees through links and ``..``).
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from engine.errors import UserFacingError

MB = 1024 * 1024
MAX_MIDI_BYTES = 8 * MB  # the largest real-world MIDI files (full orchestral scores) are ~2 MB
MAX_ABC_BYTES = 16 * MB  # whole ABC tune books are a few MB
MAX_LYRICS_BYTES = 64 * MB  # per lyric file; a lifetime of songs is well under this


class InputFileError(UserFacingError):
    """A file Segue refuses to read (not a regular file, or larger than the limit)."""


def check_input_file(path: str | os.PathLike[str], kind: str, limit: int | None,
                     error: type[Exception] = InputFileError) -> Path:
    """Return ``path`` if it is a regular file of at most ``limit`` bytes; else raise ``error``.

    ``limit=None`` checks the kind of file only (for readers that word their own size limit).

    ``kind`` names the file type in the message ("MIDI", "ABC", "lyrics"). Missing files are left
    for the reader to report, so callers keep their own "not found" wording.
    """
    path = Path(path)
    try:
        info = path.stat()
    except FileNotFoundError:
        return path
    except OSError as exc:
        raise error(f"{path}: cannot read ({exc.strerror or exc})") from exc
    if stat.S_ISDIR(info.st_mode):
        raise error(f"{path}: is a folder, not a {kind} file")
    if not stat.S_ISREG(info.st_mode):
        raise error(f"{path}: is a device, pipe or socket, not a {kind} file")
    if limit is not None and info.st_size > limit:
        raise error(f"{path}: {kind} file too large ({info.st_size / MB:.1f} MB; "
                    f"the limit is {limit // MB} MB)")
    return path


def same_file(first: str | Path, second: str | Path) -> bool:
    """True when two paths name one file: the same once resolved (links, ``..``) or one inode."""
    try:
        if os.path.samefile(first, second):
            return True
    except OSError:  # one of them does not exist (yet)
        pass
    return os.path.realpath(first) == os.path.realpath(second)


def refuse_same_file(output: str | Path, others: dict[str, str | Path | None]) -> None:
    """Refuse to write ``output`` over a file the same command reads or writes.

    ``others`` maps a description (``"the project being exported"``) to a path or None.
    """
    for what, other in others.items():
        if other is not None and same_file(output, other):
            raise UserFacingError(f"{output}: is also {what}; refusing to overwrite it "
                                  "(give another file name)")
