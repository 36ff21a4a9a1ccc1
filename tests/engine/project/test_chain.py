"""A saved chain opened again: unchanged, by another model, with moved or vanished segments, or
without its collection; and the CLI round trip compose --project → project export --midi."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path

import mido
import pytest

from engine.dshl import api
from engine.project import chain as pc
from engine.project.files import load_project, save_project
from engine.project.model import Project
from engine.project.resolve import resolve_project
from tests.conftest import REPO


@pytest.fixture()
def record(tiny_model: Path) -> pc.Chain:
    chain = api.compose(api.ComposeRequest(segments=4, seed=3, key="D", tempo=100.0))
    return pc.chain_to_project(chain, api.chain_notes(chain), {1})


def test_an_unchanged_chain_opens_as_saved(record) -> None:
    resolved, changes = pc.resolve_chain(record)
    assert changes == [] and resolved == record
    chain, notes, locked = pc.chain_from_project(record)
    assert [it.id for it in chain.items] == [s.id for s in record.segments]
    assert locked == {1} and chain.request.locked == {1: record.segments[1].id}
    assert chain.request.key == "D" and len(notes) == len(record.notes) > 0


def test_another_model_keeps_segments_and_remeasures(record) -> None:
    old = dataclasses.replace(record, model=dataclasses.replace(record.model, format_version=1,
                                                                fingerprint="0ld"),
                              segments=[dataclasses.replace(s, distance=99, score=9.0)
                                        for s in record.segments])
    resolved, changes = pc.resolve_chain(old)
    assert len(changes) == 1 and "another composer model (format 1, 0ld)" in changes[0]
    assert [s.id for s in resolved.segments] == [s.id for s in record.segments]
    assert [s.distance for s in resolved.segments] == [s.distance for s in record.segments]
    assert resolved.model == record.model and resolved.segments[1].locked


def test_moved_and_vanished_segments_are_found_or_removed(record) -> None:
    segments = list(record.segments)
    moved_from = segments[2].id
    segments[2] = dataclasses.replace(segments[2], id=(moved_from + 1) % 40)
    segments[3] = dataclasses.replace(segments[3], tune="no-such-tune")
    resolved, changes = pc.resolve_chain(dataclasses.replace(record, segments=segments))
    assert [s.id for s in resolved.segments] == [s.id for s in record.segments[:3]]
    assert any("Block 3" in c and "found by tune and position" in c for c in changes)
    assert any("Block 4 (no-such-tune" in c and "removed" in c for c in changes)
    assert len(resolved.notes) < len(record.notes)


def test_a_missing_collection_keeps_the_chain_and_exports_saved_notes(record, tmp_path) -> None:
    missing = dataclasses.replace(record, collection="reels-gone")
    project = Project()
    project.composer.chain = missing
    project.lyrics.artist_a = "nobody_installed"
    resolved = resolve_project(project)
    assert resolved.project.composer.chain == missing
    assert any("collection 'reels-gone', which is not installed" in c for c in resolved.changes)
    assert any("'nobody_installed' is not installed" in c for c in resolved.changes)
    out, changes = pc.write_midi(missing, tmp_path / "saved.mid")
    assert changes and sum(m.type == "note_on" and m.velocity > 0
                           for t in mido.MidiFile(out).tracks for m in t) == len(record.notes)


def segue(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], capture_output=True,
                          text=True, timeout=300, env={**os.environ, "PYTHONPATH": str(REPO)})


def test_cli_compose_project_then_export_midi(tiny_model: Path, tmp_path: Path) -> None:
    project = tmp_path / "tune.segue"
    out = segue("compose", "--segments", "3", "--seed", "5", "--key", "G", "--tempo", "90",
                "--project", str(project), "--json")
    assert out.returncode == 0, out.stderr
    composed = json.loads(out.stdout)
    assert composed["out"] is None and composed["project"] == str(project)
    saved = load_project(project)
    assert [s.id for s in saved.composer.chain.segments] == [s["id"] for s in composed["segments"]]
    assert saved.composer.chain.key == "G" and saved.composer.settings.tempo == 90.0

    midi = tmp_path / "tune.mid"
    out = segue("project", "export", str(project), "--midi", str(midi))
    assert out.returncode == 0, out.stderr
    track_notes = [sum(m.type == "note_on" and m.velocity > 0 for m in t)
                   for t in mido.MidiFile(midi).tracks]
    assert sum(track_notes) == len(saved.composer.chain.notes) > 0
    assert abs(mido.MidiFile(midi).length - 3 * 4 * 60 / 90) < 0.5

    shown = segue("project", "show", str(project), "--json")
    assert json.loads(shown.stdout)["composer"]["chain"]["key"] == "G"
    text = segue("project", "show", str(project)).stdout
    assert "3 segments from 'nottingham', key G, 4/4, 90 BPM" in text

    project.write_text("{\"format\": \"segue-project\", \"format_version\": 7}")
    bad = segue("project", "export", str(project), "--midi", str(midi))
    assert bad.returncode == 2 and bad.stderr.strip().count("\n") == 0
    assert bad.stderr.startswith(f"segue: error: {project}: made by a newer Segue")


def test_save_then_load_a_composed_chain(record, tmp_path: Path) -> None:
    path = pc.save_chain_project(pc.chain_from_project(record)[0], tmp_path / "c.segue")
    loaded = load_project(path)
    assert [s.id for s in loaded.composer.chain.segments] == [s.id for s in record.segments]
    assert save_project(loaded, path) == path
