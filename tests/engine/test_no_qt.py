"""``engine/`` must never import Qt: walk every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

ENGINE = Path(__file__).resolve().parents[2] / "engine"
QT_PACKAGES = ("PySide6", "PyQt5", "PyQt6", "PySide2", "shiboken6", "superqt", "qtpy")


def imported_roots(source: str) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_engine_has_no_qt_import():
    modules = sorted(ENGINE.rglob("*.py"))
    assert len(modules) > 10
    offenders = [str(m.relative_to(ENGINE)) for m in modules
                 if imported_roots(m.read_text(encoding="utf-8")) & set(QT_PACKAGES)]
    assert offenders == []


def test_engine_never_imports_app():
    """Not directly, and not by name through importlib either."""
    offenders = []
    for module in sorted(ENGINE.rglob("*.py")):
        source = module.read_text(encoding="utf-8")
        if "app" in imported_roots(source) or any(
                f"import_module({quote}app" in source for quote in "'\""):
            offenders.append(str(module.relative_to(ENGINE)))
    assert offenders == []


def test_the_walker_catches_app_imports():
    assert "app" in imported_roots("def f():\n    from app.main import main\n")


def test_the_walker_catches_qt_imports():
    assert "PySide6" in imported_roots("def f():\n    from PySide6.QtCore import QObject\n")
