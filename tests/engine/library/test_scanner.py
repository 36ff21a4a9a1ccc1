"""Incremental scans of real clips: new, unchanged, changed, moved, removed, bad files, cancel."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from sqlalchemy import select

from engine.jobs import Cancelled
from engine.library.scan.scanner import scan_folder
from engine.library.storage import models as m
from engine.library.storage.db import Library

from .conftest import CLIPS


def tracks(library: Library) -> dict[str, m.Track]:
    with library.transaction() as session:
        return {Path(t.path).name: t for t in session.scalars(select(m.Track))}


def test_first_scan_adds_and_analyses_every_clip(library: Library, music: Path) -> None:
    seen: list[tuple[float, str]] = []
    result = scan_folder(library, music, progress=lambda f, msg: seen.append((f, msg)), workers=1)
    assert (result.added, result.analysed, result.skipped) == (4, 4, [])
    found = tracks(library)
    assert set(found) == {"robin.ogg", "trumpet.ogg", "speech.flac", "vibeace.ogg"}
    assert all(t.status == m.ANALYSED and t.duration > 2 for t in found.values())
    assert found["trumpet.ogg"].title  # from tags or the file name
    with library.transaction() as session:
        assert len(session.scalars(select(m.Feature)).all()) == 4
    assert any("left" in msg for _, msg in seen), "progress carries an ETA"
    assert seen[-1][0] == 1.0


def test_pool_scan_gives_the_same_features_as_in_process(
        library: Library, music: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("engine.library.scan.scanner.SMALL_SCAN", 1)  # use the pool even for 4 files
    scan_folder(library, music, workers=2)
    other = Library(tmp_path / "other.sqlite")
    scan_folder(other, music, workers=1)
    with library.transaction() as a, other.transaction() as b:
        va = {t.path: f.vector for f, t in a.execute(select(m.Feature, m.Track).join(
            m.Track, m.Track.id == m.Feature.track_id))}
        vb = {t.path: f.vector for f, t in b.execute(select(m.Feature, m.Track).join(
            m.Track, m.Track.id == m.Feature.track_id))}
    other.close()
    assert sorted(va) == sorted(vb) and len(va) == 4
    # Equal to float32 rounding: a process that has loaded other BLAS users (the whole suite's
    # main process) can round the last bits differently from a fresh worker.
    for path, vector in va.items():
        first, second = (np.frombuffer(v, dtype=np.float32) for v in (vector, vb[path]))
        np.testing.assert_allclose(first, second, rtol=1e-5, atol=1e-6, err_msg=path)


def test_rescan_is_incremental(library: Library, music: Path) -> None:
    scan_folder(library, music, workers=1)
    before = tracks(library)
    again = scan_folder(library, music, workers=1)
    assert (again.added, again.updated, again.analysed, again.unchanged) == (0, 0, 0, 4)

    shutil.copyfile(CLIPS / "trumpet.ogg", music / "robin.ogg")  # changed content
    os.utime(music / "robin.ogg", (1e9, 1e9))
    (music / "speech.flac").rename(music / "moved speech.flac")  # moved
    (music / "Sub folder é 'q'" / "vibeace.ogg").unlink()  # removed
    tone = 0.2 * np.sin(np.linspace(0, 2000 * np.pi, 22050 * 3))
    sf.write(music / "new.ogg", tone, 22050)  # new
    result = scan_folder(library, music, workers=1)
    assert (result.added, result.updated, result.moved, result.removed) == (1, 1, 1, 1)
    assert result.analysed == 2
    after = tracks(library)
    assert after["moved speech.flac"].id == before["speech.flac"].id
    assert after["robin.ogg"].duration == pytest.approx(after["trumpet.ogg"].duration)
    assert "vibeace.ogg" not in after


def test_bad_files_are_skipped_with_reasons(library: Library, music: Path) -> None:
    (music / "zero.mp3").write_bytes(b"")
    (music / "notes.ogg").write_text("this is a text file\n" * 100)
    (music / "truncated.ogg").write_bytes((CLIPS / "vibeace.ogg").read_bytes()[:3000])
    (music / "cover.jpg").write_bytes(b"\xff\xd8 not scanned")
    result = scan_folder(library, music, workers=1)
    reasons = {Path(s.path).name: s.reason for s in result.skipped}
    assert set(reasons) == {"zero.mp3", "notes.ogg", "truncated.ogg"}
    assert "empty" in reasons["zero.mp3"]
    assert "not a readable audio file" in reasons["notes.ogg"]
    assert reasons["truncated.ogg"]
    assert result.analysed == 7 and result.added == 7  # skipped files are recorded too
    assert sum(t.status == m.ANALYSED for t in tracks(library).values()) == 4


def test_permission_denied_is_a_skip(library: Library, music: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    import engine.library.analysis.decode as audio_decode

    real = audio_decode._decode_soundfile

    def refuse(path: Path, *args):  # noqa: ANN002, ANN202
        if path.name == "robin.ogg":
            raise PermissionError(13, "Permission denied")
        return real(path, *args)

    monkeypatch.setattr(audio_decode, "_decode_soundfile", refuse)
    result = scan_folder(library, music, workers=1)
    assert [(Path(s.path).name, s.reason) for s in result.skipped] == [
        ("robin.ogg", "permission denied")]


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root reads any file")
def test_unreadable_file_mode_is_a_skip(library: Library, music: Path) -> None:
    (music / "robin.ogg").chmod(0)
    try:
        result = scan_folder(library, music, workers=1)
    finally:
        (music / "robin.ogg").chmod(0o644)
    assert [Path(s.path).name for s in result.skipped] == ["robin.ogg"]


def test_cancel_keeps_work_and_next_scan_resumes(library: Library, music: Path) -> None:
    calls = {"n": 0}

    def cancel_after_two_files() -> bool:
        calls["n"] += 1
        return calls["n"] > 3  # one check after reconcile, then one before each file

    with pytest.raises(Cancelled):
        scan_folder(library, music, cancelled=cancel_after_two_files, workers=1, batch=1)
    statuses = sorted(t.status for t in tracks(library).values())
    assert statuses == [m.ANALYSED, m.ANALYSED, m.PENDING, m.PENDING]
    result = scan_folder(library, music, workers=1)
    assert (result.added, result.resumed, result.analysed) == (0, 2, 2)
    assert all(t.status == m.ANALYSED for t in tracks(library).values())


def test_missing_folder_is_an_error(library: Library, tmp_path: Path) -> None:
    with pytest.raises(NotADirectoryError):
        scan_folder(library, tmp_path / "nope")
