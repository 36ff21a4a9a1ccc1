"""Find the licence and attribution files shipped next to bundled data and models."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine import paths

LICENCE_PREFIXES = ("LICENSE", "LICENCE", "COPYING", "ATTRIBUTION", "NOTICE", "SOURCES")


@dataclass(frozen=True)
class LicenceFile:
    """One licence/attribution file: what it covers (its folder) and where it is."""

    covers: str
    path: Path


def is_licence_file(path: Path) -> bool:
    """Tell whether a file name marks a licence or attribution file."""
    return path.is_file() and path.name.upper().startswith(LICENCE_PREFIXES)


def bundled_licences(root: Path | None = None) -> list[LicenceFile]:
    """List every licence/attribution file under ``assets/`` (and the project's own COPYING)."""
    root = root or paths.assets_dir()
    found = [
        LicenceFile(str(p.parent.relative_to(root)) or "assets", p)
        for p in sorted(root.rglob("*"))
        if is_licence_file(p)
    ]
    project_licence = root.parent / "LICENSE"
    if project_licence.is_file():
        found.insert(0, LicenceFile("Segue (GPL-3.0-or-later)", project_licence))
    return found
