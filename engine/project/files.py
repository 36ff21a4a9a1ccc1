"""Reading and writing `.segue` files: small JSON, written atomically, refused with one clear line.

Every problem (missing, unreadable, too large, not JSON, not a project, newer format, a field of
the wrong type) raises :class:`~engine.project.model.ProjectFormatError` whose message starts with
the file's path, so the CLI prints it as is and the GUI shows it in one box.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import engine
from engine.atomic import atomic_write_text
from engine.errors import UserFacingError
from engine.project.model import (
    Project,
    ProjectFormatError,
    project_from_dict,
    project_to_dict,
)

SUFFIX = ".segue"
_FLAT_LIST = re.compile(r"\[[^\[\]{}]*\]")  # a list of scalars (JSON strings hold no raw newline)
MAX_BYTES = 32 * 1024 * 1024  # a project with a few thousand notes is well under 1 MB


def project_name(path: str | Path | None) -> str:
    """The name shown in the title bar: the file name without ``.segue`` ("Untitled" if none)."""
    if not path:
        return "Untitled"
    path = Path(path)
    return path.stem if path.suffix == SUFFIX else path.name


def read_data(path: str | Path) -> dict[str, Any]:
    """Read a project file's JSON object (not yet checked field by field)."""
    path = Path(path)
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise ProjectFormatError(f"{path}: too large for a Segue project ({size // 2**20} MB; "
                                     f"the limit is {MAX_BYTES // 2**20} MB)")
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ProjectFormatError(f"{path}: no such project file") from exc
    except UnicodeDecodeError as exc:
        raise ProjectFormatError(f"{path}: not a Segue project (not UTF-8 text)") from exc
    except OSError as exc:
        raise ProjectFormatError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ProjectFormatError(f"{path}: not a Segue project (bad JSON at line {exc.lineno}, "
                                 f"column {exc.colno}: {exc.msg})") from exc
    except RecursionError as exc:
        raise ProjectFormatError(f"{path}: not a Segue project (JSON nested too deeply)") from exc


def load_project(path: str | Path) -> Project:
    """Read and check the project at ``path``."""
    data = read_data(path)
    try:
        return project_from_dict(data)
    except ProjectFormatError as exc:
        raise ProjectFormatError(f"{path}: {exc}") from exc


def project_json(project: Project | dict[str, Any]) -> str:
    """The file text of ``project`` (a Project or its plain data), stamped with Segue's version."""
    data = project_to_dict(project) if isinstance(project, Project) else dict(project)
    data["segue_version"] = engine.__version__
    text = json.dumps(data, indent=1, ensure_ascii=False)
    return _FLAT_LIST.sub(lambda m: _one_line(m.group(0)), text) + "\n"


def _one_line(text: str) -> str:
    """Put an indented JSON list of scalars on one line (only indentation whitespace changes)."""
    return re.sub(r"\n\s*\]", "]", re.sub(r"\[\n\s*", "[", re.sub(r",\n\s*", ", ", text)))


def save_project(project: Project | dict[str, Any], path: str | Path) -> Path:
    """Write ``project`` to ``path`` atomically (a crash never leaves half a file); return the path."""
    path = Path(path)
    if isinstance(project, dict):
        project_from_dict(project)  # never write a file this Segue could not open again
    try:
        atomic_write_text(path, project_json(project))
    except OSError as exc:
        raise UserFacingError(f"{path}: cannot save: {exc.strerror or exc}") from exc
    return path
