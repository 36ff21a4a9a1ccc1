"""Icons from ``resources.qrc`` (compiled to ``app/resources_rc.py`` by ``make resources``).

``get(name)`` caches icons; when the compiled module is missing it falls back to the SVG files
in ``assets/icons`` so a source checkout still shows icons.
"""

from __future__ import annotations

import contextlib
from functools import cache

from PySide6.QtCore import QFile
from PySide6.QtGui import QIcon

from engine import paths

with contextlib.suppress(ImportError):
    from app import resources_rc  # noqa: F401 - registers the ":/icons/..." resources


@cache
def get(name: str) -> QIcon:
    """Return the icon called ``name`` (e.g. ``"play"``); an empty icon if there is none."""
    resource = f":/icons/{name}.svg"
    if QFile.exists(resource):
        return QIcon(resource)
    fallback = paths.assets_dir() / "icons" / f"{name}.svg"
    return QIcon(str(fallback)) if fallback.is_file() else QIcon()
