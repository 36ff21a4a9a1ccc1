"""The CLI contract: `segue library scan --json`, `segue playlist --json`, errors exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.cli import main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict | list]:
    code = main(list(argv))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else {}


def test_scan_list_playlist_and_import(music: Path, tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    (music / "broken.flac").write_bytes(b"fLaC garbage")
    code, scan = run(capsys, "library", "scan", str(music), "--json", "--workers", "1")
    assert code == 0
    assert {"added", "updated", "removed", "skipped", "seconds"} <= set(scan)
    assert scan["added"] == 5 and scan["removed"] == 0
    assert [Path(s["path"]).name for s in scan["skipped"]] == ["broken.flac"]
    assert scan["skipped"][0]["reason"]

    code, rows = run(capsys, "library", "list", "--json")
    assert code == 0 and len(rows) == 5

    out = tmp_path / "lists" / "mix é.m3u8"
    code, playlist = run(capsys, "playlist", "--seed", str(music / "trumpet.ogg"), "--length",
                         "2", "--no-repeat-artist", "1", "--out", str(out), "--json")
    assert code == 0 and playlist["out"] == str(out.resolve())
    # the only other music is Vibe Ace: the robin and the speech clip are not music (issue 23)
    assert [Path(t["path"]).name for t in playlist["tracks"]] == ["vibeace.ogg"]
    assert set(playlist["tracks"][0]) == {"id", "path", "artist", "title", "distance"}
    assert out.read_text(encoding="utf-8").startswith("#EXTM3U")
    kinds = {Path(r["path"]).name: r["kind"] for r in rows}
    assert kinds["robin.ogg"] == "other" and kinds["speech.flac"] == "speech"

    code, imported = run(capsys, "library", "import", str(out), "--json")
    assert code == 0 and imported["tracks"] == 1 and imported["missing"] == []


def test_unknown_seed_and_missing_folder_exit_2(tmp_path: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["library", "scan", str(tmp_path / "nope")]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert main(["playlist", "--seed", "nothing.ogg", "--out", str(tmp_path / "x.m3u8")]) == 2
    assert "scan a folder first" in capsys.readouterr().err
