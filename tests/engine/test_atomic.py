"""Atomic writes leave either the old file or the new one, never a half-written file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from engine import atomic
from engine.atomic import atomic_open, atomic_path, atomic_write_bytes, atomic_write_text


def test_write_replaces_content(tmp_path: Path):
    target = tmp_path / "sub" / "model.bin"
    atomic_write_bytes(target, b"one")
    atomic_write_text(target, "two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["model.bin"]


def test_failure_keeps_the_old_file_and_no_temp(tmp_path: Path):
    target = tmp_path / "export.mid"
    target.write_bytes(b"good")
    with pytest.raises(RuntimeError), atomic_open(target) as handle:
        handle.write(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["export.mid"]


def test_atomic_path_lets_a_library_write(tmp_path: Path):
    target = tmp_path / "tune.mid"
    with atomic_path(target) as tmp:
        assert tmp.parent == tmp_path and tmp != target
        tmp.write_bytes(b"MThd")
        assert not target.exists()
    assert target.read_bytes() == b"MThd"


def test_read_mode_is_refused(tmp_path: Path):
    with pytest.raises(ValueError), atomic_open(tmp_path / "x", "rb"):
        pass


def test_new_files_get_the_usual_permissions(tmp_path: Path):
    atomic_write_bytes(tmp_path / "tune.mid", b"MThd")
    expected = 0o666 & ~atomic._UMASK
    assert stat.S_IMODE((tmp_path / "tune.mid").stat().st_mode) == expected != 0o600
