"""Reading and writing `.segue` files: small JSON, written atomically, refused with one clear line.

Every problem (missing, unreadable, too large, not JSON, not a project, newer format, a field of
the wrong type, a value out of range: see :mod:`engine.project.schema`) raises
:class:`~engine.project.model.ProjectFormatError` whose message starts with the file's path, so
the CLI prints it as is and the GUI shows it in one box. A project is checked once, when read,
and the same checks run before writing: Segue never writes a file it could not open again.
Text that is not valid Unicode (a lone surrogate such as ``"\\ud800"``) is written as its JSON
escape, so it is saved and read back as it was.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import engine
from engine import safe_io
from engine.atomic import atomic_write_text
from engine.errors import UserFacingError
from engine.project import schema
from engine.project.model import (
    Project,
    ProjectFormatError,
    project_from_dict,
    project_to_dict,
)

SUFFIX = ".segue"
_FLAT_LIST = re.compile(r"\[[^\[\]{}]*\]")  # a list of scalars (JSON strings hold no raw newline)
MAX_BYTES = 32 * 1024 * 1024  # a project with a few thousand notes is well under 1 MB
_SURROGATE = re.compile("[\ud800-\udfff]")
_TERMINAL = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                       "\ud800-\udfff]")  # what json.dumps leaves raw but a terminal obeys


def project_name(path: str | Path | None) -> str:
    """The name shown in the title bar: the file name without ``.segue`` ("Untitled" if none)."""
    if not path:
        return "Untitled"
    path = Path(path)
    return path.stem if path.suffix == SUFFIX else path.name


def read_data(path: str | Path) -> dict[str, Any]:
    """Read a project file's JSON object (not yet checked field by field)."""
    path = Path(path)
    safe_io.check_input_file(path, "project", None, ProjectFormatError)  # /dev/zero, FIFOs
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            size = max(len(raw), path.stat().st_size)
            raise ProjectFormatError(f"{path}: too large for a Segue project ({size // 2**20} MB; "
                                     f"the limit is {MAX_BYTES // 2**20} MB)")
        text = raw.decode("utf-8")
    except FileNotFoundError as exc:
        raise ProjectFormatError(f"{path}: no such project file") from exc
    except UnicodeDecodeError as exc:
        raise ProjectFormatError(f"{path}: not a Segue project (not UTF-8 text)") from exc
    except OSError as exc:
        raise ProjectFormatError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        return schema.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectFormatError(f"{path}: not a Segue project (bad JSON at line {exc.lineno}, "
                                 f"column {exc.colno}: {exc.msg})") from exc
    except RecursionError as exc:
        raise ProjectFormatError(f"{path}: not a Segue project (JSON nested too deeply)") from exc


def project_from_data(data: Any, source: str | Path) -> Project:
    """Check project ``data`` read from ``source`` (sizes, ranges, types) and build the project.

    Raises :class:`ProjectFormatError` naming ``source`` and the field.
    """
    try:
        schema.check(data)
        return project_from_dict(data)
    except ProjectFormatError as exc:
        raise ProjectFormatError(f"{source}: {exc}") from exc
    except RecursionError as exc:  # guarded by the schema's depth limit; never a traceback
        raise ProjectFormatError(f"{source}: nested too deeply") from exc


def load_project(path: str | Path) -> Project:
    """Read and check the project at ``path`` (see module docstring)."""
    return project_from_data(read_data(path), path)


def json_text(data: Any, terminal: bool = False, **options: Any) -> str:
    """``json.dumps(data, ensure_ascii=False, **options)`` with lone surrogates as JSON escapes.

    A lone surrogate cannot be written as UTF-8; ``\\ud800`` inside a JSON string reads back as
    the same character. They only ever occur inside strings, so the escape is always valid JSON.
    ``terminal=True`` escapes C1 controls and bidirectional overrides too (for printing).
    """
    text = json.dumps(data, ensure_ascii=False, **options)
    return (_TERMINAL if terminal else _SURROGATE).sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def project_json(project: Project | dict[str, Any]) -> str:
    """The file text of ``project`` (a Project or its plain data), stamped with Segue's version."""
    data = project_to_dict(project) if isinstance(project, Project) else dict(project)
    data["segue_version"] = engine.__version__
    text = json_text(data, indent=1)
    return _FLAT_LIST.sub(lambda m: _one_line(m.group(0)), text) + "\n"


def _one_line(text: str) -> str:
    """Put an indented JSON list of scalars on one line (only indentation whitespace changes)."""
    return re.sub(r"\n\s*\]", "]", re.sub(r"\[\n\s*", "[", re.sub(r",\n\s*", ", ", text)))


def save_project(project: Project | dict[str, Any], path: str | Path) -> Path:
    """Write ``project`` to ``path`` atomically (a crash never leaves half a file); return the path.

    Data this Segue could not open again is refused, as is any failure to write, with a
    :class:`UserFacingError` naming ``path``.
    """
    path = Path(path)
    data = project_to_dict(project) if isinstance(project, Project) else project
    try:
        project_from_data(data, path)  # never write a file this Segue could not open again
        text = project_json(project)
    except ProjectFormatError as exc:
        raise ProjectFormatError(f"{exc} (not saved)") from exc
    except (TypeError, ValueError) as exc:  # not JSON data at all: a bug, said plainly
        raise UserFacingError(f"{path}: cannot save: {exc}") from exc
    try:
        atomic_write_text(path, text)
    except UserFacingError:
        raise
    except (OSError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise UserFacingError(f"{path}: cannot save: {reason}") from exc
    return path
