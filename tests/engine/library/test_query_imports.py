"""The query path stays light: a cold `segue playlist` / `segue library list` never imports torch,
the audio stack (librosa, scipy, numba), scikit-learn, SQLAlchemy, Alembic or faiss.

Each command runs in a fresh interpreter on a real library file that a scan (with the tagger)
filled; the modules it imported are read from ``-X importtime``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from engine.library.service import scan

ROOT = Path(__file__).resolve().parents[3]
HEAVY = ("torch", "librosa", "scipy", "numba", "sklearn", "sqlalchemy", "alembic", "faiss",
         "soundfile", "mutagen")


def _imported(args: list[str], home: Path) -> tuple[set[str], str]:
    env = {**os.environ, "SEGUE_HOME": str(home)}
    out = subprocess.run([sys.executable, "-X", "importtime", "-m", "engine.cli", *args],
                         capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    names = {line.split("|")[-1].strip() for line in out.stderr.splitlines()
             if line.startswith("import time:") and "|" in line}
    return names, out.stdout


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("home")
    os.environ["SEGUE_HOME"] = str(home)
    try:
        scan(ROOT / "tests" / "data" / "library", workers=1)
    finally:
        del os.environ["SEGUE_HOME"]
    return home


@pytest.mark.parametrize("args", [
    ["playlist", "--seed", "vibeace", "--length", "3", "--include-non-music"],
    ["playlist", "--seed", "vibeace", "--to", "trumpet", "--length", "3", "--json"],
    ["playlist", "--seed", "vibeace", "--length", "3", "--json"],  # the default embedding
    ["playlist", "--seed", "vibeace", "--length", "3", "--same-cluster", "--embedding",
     "features", "--include-non-music", "--json"],
    ["library", "list", "--json"],
])
def test_cold_queries_import_nothing_heavy(scanned: Path, args: list[str]) -> None:
    names, stdout = _imported(args, scanned)
    heavy = sorted(n for n in names if n.split(".")[0] in HEAVY)
    assert heavy == [], f"{' '.join(args)} imported {heavy[:8]}"
    assert stdout.strip()


def test_the_list_reports_kind_and_tags(scanned: Path) -> None:
    _, stdout = _imported(["library", "list", "--json"], scanned)
    rows = json.loads(stdout)
    assert rows and all(r["kind"] in ("music", "speech", "other") for r in rows)
    assert all(isinstance(r["tags"], dict) for r in rows)
    assert any(r["tags"] for r in rows), "the tagger tagged nothing"
