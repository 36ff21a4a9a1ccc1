"""`.segue` files: a full round trip, and one clear error naming the file for every bad file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from engine.errors import UserFacingError
from engine.project import files
from engine.project.model import (
    FORMAT_VERSION,
    Chain,
    CommentarySection,
    ComposerSection,
    LyricLine,
    LyricsSection,
    ModelStamp,
    Note,
    Project,
    ProjectFormatError,
    Segment,
    project_from_dict,
    project_to_dict,
)


def full_project() -> Project:
    chain = Chain(collection="reels", model=ModelStamp("dshl", 2, "abc123"), key="Bb",
                  meter="4/4", tempo=96.5, seed=None, reuse_limit=None,
                  segments=[Segment(4, "reel-a", 3, 0, 0.25, False, True),
                            Segment(9, "reel-b", 0, 2, -1.5, True, False)],
                  notes=[Note(0.0, 1.5, 62, 96, "melody"), Note(0.0, 4.0, 50, 64, "chords")])
    lyrics = LyricsSection("robert_burns", "emily_dickinson", [0.7, 1.1], "AABB", 6, 42, 3, False,
                           [LyricLine("Robert Burns", "My luve  is [like] \"a\" rose", 0, True),
                            LyricLine("You", "ünïcode line\nwith a newline", 2, False)],
                           rhyme="ABCB", metre="short")
    commentary = CommentarySection(["folk", "a  b"], [{"text": "kept", "score": 0.5}])
    return Project(ComposerSection(chain=chain), lyrics, commentary)


def test_round_trip_keeps_every_field(tmp_path: Path) -> None:
    project = full_project()
    path = files.save_project(project, tmp_path / "song.segue")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "segue-project" and data["format_version"] == FORMAT_VERSION
    assert data["composer"]["chain"]["notes"][0] == [0.0, 1.5, 62, 96, "melody"]
    loaded = files.load_project(path)
    loaded.segue_version = ""
    assert loaded == project
    assert files.project_name(path) == "song" and files.project_name(None) == "Untitled"


def test_older_files_missing_optional_fields_take_defaults() -> None:
    project = project_from_dict({"format": "segue-project", "format_version": 1})
    assert project.composer.chain is None and project.lyrics.lines == []
    assert (project.lyrics.rhyme, project.lyrics.metre) == ("ABAB", "common")
    assert project.commentary.tags == []


def _write(tmp_path: Path, text: str | bytes) -> Path:
    path = tmp_path / "bad.segue"
    path.write_bytes(text if isinstance(text, bytes) else text.encode())
    return path


@pytest.mark.parametrize(("content", "expected"), [
    ("{\"format\": \"segue-pro", "bad JSON at line 1"),
    (b"\xff\xfe\x00garbage", "not UTF-8"),
    ("[1, 2]", "the project must be an object"),
    ("{\"format\": \"other\", \"format_version\": 1}", "not a Segue project"),
    ("{\"format\": \"segue-project\", \"format_version\": 99}", "made by a newer Segue (project "
                                                               "format 99"),
    ("{\"format\": \"segue-project\", \"format_version\": \"1\"}", "format_version must be an "
                                                                 "integer"),
    ("{\"format\": \"segue-project\", \"format_version\": 1, \"composer\": {\"chain\": "
     "{\"segments\": [{\"id\": 1}, {\"id\": \"x\"}]}}}",
     "composer.chain.segments[1].id must be an integer, not 'x'"),
    ("{\"format\": \"segue-project\", \"format_version\": 1, \"composer\": {\"chain\": "
     "{\"notes\": [[0, 1, 300, 90, \"melody\"]]}}}", "composer.chain.notes[0] is not a playable"),
    ("{\"format\": \"segue-project\", \"format_version\": 1, \"lyrics\": {\"lines\": "
     "[{\"text\": 5}]}}", "lyrics.lines[0].text must be a string"),
    ("{\"format\": \"segue-project\", \"format_version\": 1, \"commentary\": {\"tags\": [true]}}",
     "commentary.tags[0] must be a string"),
])
def test_bad_files_give_one_clear_error_naming_the_file(tmp_path: Path, content, expected) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(ProjectFormatError) as info:
        files.load_project(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ") and expected in message, message
    assert "\n" not in message and isinstance(info.value, UserFacingError)


def test_huge_and_missing_files_are_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(files, "MAX_BYTES", 1000)
    path = _write(tmp_path, " " * 2000)
    with pytest.raises(ProjectFormatError, match="too large for a Segue project"):
        files.load_project(path)
    with pytest.raises(ProjectFormatError, match="no such project file"):
        files.load_project(tmp_path / "nope.segue")


def test_save_is_atomic_and_refuses_data_it_could_not_reopen(tmp_path: Path) -> None:
    path = files.save_project(full_project(), tmp_path / "keep.segue")
    before = path.read_bytes()
    bad = project_to_dict(full_project())
    bad["lyrics"]["seed"] = "one"
    with pytest.raises(ProjectFormatError, match="lyrics.seed must be an integer"):
        files.save_project(bad, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["keep.segue"]  # no temp file left
