"""The library's sub-packages are layers: each imports only those below it, and nothing cycles.

Every ``engine.library`` import in every module counts, at module level or inside a function
(a lazy import is still a dependency). The facades at the top (service, commands, ...) may
import anything; nothing below imports them.
"""

from __future__ import annotations

import ast
from pathlib import Path

import engine.library

ROOT = Path(engine.library.__file__).resolve().parent
ALLOWED = {
    "storage": {"storage"},
    "analysis": {"storage", "analysis"},
    "scan": {"storage", "analysis", "scan"},
    "embeddings": {"storage", "analysis", "embeddings"},
    "playlists": {"storage", "analysis", "embeddings", "playlists"},
    "evaluation": {"storage", "analysis", "scan", "embeddings", "playlists", "evaluation"},
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT).with_suffix("")
        if "migrations" in rel.parts[:2] and rel.parts[0] == "storage" and len(rel.parts) > 2:
            continue  # alembic revisions and env.py: loaded by alembic, never imported
        parts = [p for p in rel.parts if p != "__init__"]
        found[".".join(["engine.library", *parts])] = path
    return found


def _imports(path: Path, module_level_only: bool = False) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if module_level_only else list(ast.walk(tree))
    out = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("engine.library")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("engine.library"):
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out


def _package(module: str) -> str | None:
    parts = module.split(".")
    return parts[2] if len(parts) >= 3 and parts[2] in ALLOWED else None


def test_each_sub_package_imports_only_the_layers_below_it() -> None:
    modules = _modules()
    wrong = []
    for name, path in modules.items():
        package = _package(name)
        if package is None:
            continue
        for target in _imports(path):
            if target not in modules:
                continue  # a name imported from a module, not a module
            other = _package(target)
            if other is None:
                wrong.append(f"{name} imports the facade {target}")
            elif other not in ALLOWED[package]:
                wrong.append(f"{name} ({package}) imports {target} ({other})")
    assert wrong == []


def test_no_import_cycles_between_library_modules() -> None:
    modules = _modules()
    graph = {name: {t for t in _imports(path, module_level_only=True) if t in modules and t != name}
             for name, path in modules.items()}
    state: dict[str, int] = {}
    cycles: list[str] = []

    def visit(node: str, stack: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, [*stack, nxt])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert cycles == []


def test_the_old_flat_modules_are_gone() -> None:
    flat = sorted(p.stem for p in ROOT.glob("*.py") if p.stem != "__init__")
    assert flat == ["commands", "demo", "embed_commands", "player", "preview", "service",
                    "spotify"]
