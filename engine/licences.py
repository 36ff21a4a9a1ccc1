"""Find the licence and attribution files shipped next to bundled data and models."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine import paths

LICENCE_PREFIXES = ("LICENSE", "LICENCE", "COPYING", "ATTRIBUTION", "NOTICE", "SOURCES")
CREDITS_FILE = "CREDITS.md"
#: Files next to ``assets/`` in a desktop bundle: Python packages' licences, Qt's LGPL text.
BUNDLE_LICENCE_FILES = ("THIRD-PARTY-LICENSES.md", "LICENSE.LGPL-3.0.txt")


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
    found += [LicenceFile("bundled software", root.parent / name)
              for name in BUNDLE_LICENCE_FILES if (root.parent / name).is_file()]
    return found


def credits_file(root: Path | None = None) -> Path:
    """Return ``assets/CREDITS.md``: who made each bundled dataset and model, under which licence."""
    return (root or paths.assets_dir()) / CREDITS_FILE


def uncredited_folders(root: Path | None = None) -> list[str]:
    """Asset folders holding a licence/attribution file that ``CREDITS.md`` does not name."""
    root = root or paths.assets_dir()
    try:
        text = credits_file(root).read_text(encoding="utf-8")
    except OSError:
        text = ""
    folders = sorted({str(p.parent.relative_to(root)) for p in root.rglob("*")
                      if p.parent != root and is_licence_file(p)})
    return [f for f in folders if f"assets/{f}" not in text]
