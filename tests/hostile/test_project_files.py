"""Hostile `.segue` files and outputs at the command line (issue 26, items 2, 4 and 6).

A project file is checked once, on load, for sizes and ranges: every bad value gives one line
naming the file and the field, exit 2, quickly, and nothing is written. An output that is the
input (or the other output) is refused before anything is replaced. ``project show`` prints no
terminal escapes from a file, and a lone surrogate is saved faithfully.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import mido
import pytest

from engine.project import files
from engine.project.autosave import Session
from engine.project.model import LyricLine, Project
from tests.hostile.test_cli_hostile import run_cli

NOTES = [[0.0, 2.0, 62, 96, "melody"], [2.0, 4.0, 64, 96, "melody"], [0.0, 4.0, 50, 64, "chords"]]


def project_data(collection: str = "reels-gone") -> dict[str, Any]:
    """A good project whose chain's collection is not installed (it exports its saved notes)."""
    return {"format": "segue-project", "format_version": 1,
            "composer": {"settings": {"tempo": 110.0, "segments": 4, "meter": "4/4"},
                         "chain": {"collection": collection, "key": "G", "tempo": 80.0,
                                   "meter": "4/4",
                                   "segments": [{"id": 3, "tune": "a reel", "position": 0}],
                                   "notes": [list(n) for n in NOTES]}},
            "lyrics": {"lines": [{"artist": "Robert Burns", "text": "a line", "voice": 0}]},
            "commentary": {"tags": ["folk"], "samples": [{"text": "kept", "kept": True}]}}


def write(path: Path, data: Any) -> Path:
    """Write ``data`` as JSON; Python's json writes NaN/Infinity for non-finite floats."""
    path.write_text(data if isinstance(data, str) else json.dumps(data), encoding="utf-8")
    return path


def one_error(code: int, out: str, err: str) -> str:
    """Assert exit 2 with exactly one ``segue: error:`` line and no traceback; return the line."""
    lines = err.strip().splitlines()
    assert code == 2, (code, out, err)
    assert "Traceback" not in err and len(lines) == 1, err
    assert lines[0].startswith("segue: error: ") and "internal error" not in lines[0], err
    return lines[0]


# -- item 2: an output that is an input -----------------------------------------------------------
@pytest.mark.parametrize("how", ["same", "relative", "symlink", "hardlink"])
def test_export_onto_the_project_itself_is_refused(tmp_path: Path, monkeypatch, how) -> None:
    project = write(tmp_path / "p.segue", project_data())
    before = project.read_bytes()
    target = {"same": project, "relative": Path("sub/../p.segue"),
              "symlink": tmp_path / "link.mid", "hardlink": tmp_path / "hard.mid"}[how]
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path)
    if how == "symlink":
        os.symlink(project, target)
    elif how == "hardlink":
        os.link(project, target)
    line = one_error(*run_cli(["project", "export", str(project), "--midi", str(target)]))
    assert "is also the project being exported" in line and str(target) in line
    assert project.read_bytes() == before


def test_export_to_another_file_still_works(tmp_path: Path) -> None:
    project = write(tmp_path / "p.segue", project_data())
    code, out, err = run_cli(["project", "export", str(project), "--midi",
                              str(tmp_path / "p.mid")])
    assert code == 0, err
    notes = sum(m.type == "note_on" and m.velocity > 0
                for t in mido.MidiFile(tmp_path / "p.mid").tracks for m in t)
    assert notes == len(NOTES)


@pytest.mark.parametrize("argv", [
    lambda t: ["--out", str(t / "x"), "--project", str(t / "x")],
    lambda t: ["--out", str(t / "x.mid"), "--project", str(t / "sub/../x.mid")],
    lambda t: ["--project", str(t / "phrase.mid"), "--continue", str(t / "phrase.mid")],
    lambda t: ["--out", str(t / "phrase.mid"), "--continue", str(t / "phrase.mid")],
    lambda t: ["--out", str(t / "phrase.mid"), "--start-midi", str(t / "phrase.mid")],
], ids=["out-is-project", "same-after-resolving", "project-is-phrase", "out-is-phrase",
        "out-is-start-midi"])
def test_compose_refuses_an_output_that_is_another_file_of_the_run(tmp_path: Path,
                                                                   argv: Callable) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "x").write_bytes(b"keep me")
    (tmp_path / "phrase.mid").write_bytes(b"MThd my phrase")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()}
    line = one_error(*run_cli(["compose", "--segments", "2", *argv(tmp_path)]))
    assert "refusing to overwrite it" in line
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir() if p.is_file()} == before


# -- item 2: a lone surrogate is saved as it is -----------------------------------------------------
def test_a_lone_surrogate_is_saved_and_read_back_faithfully(tmp_path: Path) -> None:
    project = Project()
    project.lyrics.lines = [LyricLine("Robert Burns", "half a pair \ud800 here"),
                            LyricLine("You\udfff", "ok")]
    path = files.save_project(project, tmp_path / "s.segue")
    assert "\\ud800" in path.read_text(encoding="utf-8")  # the JSON escape, valid UTF-8
    loaded = files.load_project(path)
    assert [ln.text for ln in loaded.lyrics.lines] == ["half a pair \ud800 here", "ok"]
    assert loaded.lyrics.lines[1].artist == "You\udfff"
    session = Session(tmp_path / "home")  # the autosave writes the same way
    try:
        written = session.write({"format": "segue-project", "format_version": 1,
                                 "lyrics": {"lines": [{"artist": "A", "text": "\ud800"}]}}, None)
        assert json.loads(written.read_text(encoding="utf-8"))["lyrics"]["lines"][0]["text"] == \
            "\ud800"
    finally:
        session.close()
    code, out, err = run_cli(["project", "show", str(path)])
    assert code == 0 and "half a pair \\ud800 here" in out, err
    code, out, err = run_cli(["project", "show", str(path), "--json"])
    assert code == 0 and json.loads(out)["lyrics"]["lines"][0]["text"] == "half a pair \ud800 here"


# -- item 4: every bad value names the file and the field --------------------------------------------
def _set(path: str, value: Any) -> Callable[[dict], None]:
    """A change of ``data`` at dotted ``path`` (``composer.chain.segments.0.id``)."""
    def change(data: dict) -> None:
        *parents, last = path.split(".")
        node: Any = data
        for step in parents:
            node = node[int(step)] if isinstance(node, list) else node[step]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value
    return change


NAN, INF = float("nan"), float("inf")
BAD_VALUES: dict[str, tuple[Callable[[dict], None], str]] = {
    "tempo-nan": (_set("composer.settings.tempo", NAN),
                  "composer.settings.tempo: must be a number from 20 to 400 (got nan)"),
    "tempo-inf": (_set("composer.chain.tempo", INF), "composer.chain.tempo: must be a number"),
    "tempo-minus-inf": (_set("composer.chain.tempo", -INF), "composer.chain.tempo"),
    "tempo-1e308": (_set("composer.chain.tempo", 1e308), "(got 1e+308)"),
    "tempo-zero": (_set("composer.chain.tempo", 0), "composer.chain.tempo"),
    "tempo-negative": (_set("composer.settings.tempo", -120), "composer.settings.tempo"),
    "tempo-tiny": (_set("composer.chain.tempo", 1e-9), "composer.chain.tempo"),
    "note-start-minus-inf": (_set("composer.chain.notes.0.0", -INF), "composer.chain.notes[0][0]"),
    "note-end-inf": (_set("composer.chain.notes.1.1", INF), "composer.chain.notes[1][1]"),
    "note-end-1e300": (_set("composer.chain.notes.1.1", 1e300), "composer.chain.notes[1][1]"),
    "note-negative": (_set("composer.chain.notes.0.0", -4.0), "composer.chain.notes[0][0]"),
    "segment-id-negative": (_set("composer.chain.segments.0.id", -5),
                            "composer.chain.segments[0].id: must be an integer from -1"),
    "segment-id-huge": (_set("composer.chain.segments.0.id", 2**62),
                        "composer.chain.segments[0].id"),
    "segment-position-negative": (_set("composer.chain.segments.0.position", -1),
                                  "composer.chain.segments[0].position"),
    "segment-fit": (_set("composer.chain.segments.0.fit", 101), "composer.chain.segments[0].fit"),
    "meter-zero": (_set("composer.chain.meter", "0/0"), "composer.chain.meter: must be one of"),
    "meter-settings": (_set("composer.settings.meter", "0/0"), "composer.settings.meter"),
    "meter-odd": (_set("composer.chain.meter", "7/0"), "composer.chain.meter"),
    "key-unknown": (_set("composer.chain.key", "H#"), "composer.chain.key"),
    "mode": (_set("composer.chain.mode", "sideways"), "composer.chain.mode"),
    "program": (_set("composer.settings.melody_program", 128), "composer.settings.melody_program"),
    "reuse-negative": (_set("composer.chain.reuse_limit", -1), "composer.chain.reuse_limit"),
    "segments-zero": (_set("composer.settings.segments", 0), "composer.settings.segments"),
    "seed-negative": (_set("composer.settings.seed", -1), "composer.settings.seed"),
    "lyrics-seed-huge": (_set("lyrics.seed", 2**40), "lyrics.seed"),
    "lyrics-voice": (_set("lyrics.lines.0.voice", 7), "lyrics.lines[0].voice"),
    "lyrics-temperature-nan": (_set("lyrics.temperatures", [NAN, 0.8]),
                               "lyrics.temperatures[0]"),
    "lyrics-lines-count": (_set("lyrics.lines_count", -3), "lyrics.lines_count"),
    "commentary-sample-inf": (_set("commentary.samples.0.score", INF),
                              "commentary.samples[0].score: must be a finite number"),
    "long-lyric": (_set("lyrics.lines.0.text", "la " * 40_000), "lyrics.lines[0].text"),
    "too-many-segments": (_set("composer.chain.segments",
                               [{"id": 1, "tune": "t", "position": k} for k in range(200_000)]),
                          "composer.chain.segments: too many items"),
    "many-segments": (_set("composer.chain.segments",
                           [{"id": 1, "tune": "t", "position": k} for k in range(5_000)]),
                      "composer.chain.segments: has 5000 items (the limit is 2000)"),
    "too-many-lyric-lines": (_set("lyrics.lines", [{"artist": "a", "text": "b"}] * 20_000),
                             "lyrics.lines: has 20000 items"),
    "too-many-tags": (_set("commentary.tags", ["t"] * 5_000), "commentary.tags"),
}
TEXT_CASES: dict[str, tuple[Callable[[str], str], str]] = {  # what json.dumps cannot make
    "int-5000-digits": (lambda t: t.replace('"id": 3', '"id": 3' + "1" * 5000),
                        "composer.chain.segments[0].id: an integer of 5001 digits"),
    "tempo-5000-digits": (lambda t: t.replace('"tempo": 80.0', '"tempo": -' + "9" * 5000),
                          "composer.chain.tempo"),
    "tempo-1e999": (lambda t: t.replace('"tempo": 80.0', '"tempo": 1e999'),
                    "composer.chain.tempo: must be a number from 20 to 400 (got inf)"),
    "deep-900": (lambda t: t.replace('"samples": [', '"samples": [' + "[" * 900 + "]" * 900
                                     + ", "), "nested"),
    "deep-100000": (lambda t: t.replace('"tags": ["folk"]', '"tags": ' + "[" * 100_000
                                        + "]" * 100_000), "nested too deeply"),
}


def _bad_file(tmp_path: Path, name: str) -> Path:
    data = project_data()
    if name in BAD_VALUES:
        BAD_VALUES[name][0](data)
        return write(tmp_path / f"{name}.segue", data)
    return write(tmp_path / f"{name}.segue", TEXT_CASES[name][0](json.dumps(data)))


@pytest.mark.parametrize("name", [*BAD_VALUES, *TEXT_CASES])
@pytest.mark.parametrize("command", ["show", "export"])
def test_every_bad_value_gives_one_line_naming_the_file_and_field(tmp_path: Path, name: str,
                                                                  command: str) -> None:
    path = _bad_file(tmp_path, name)
    expected = (BAD_VALUES.get(name) or TEXT_CASES[name])[1]
    argv = ["project", command, str(path)]
    if command == "export":
        argv += ["--midi", str(tmp_path / "out.mid")]
    began = time.monotonic()
    line = one_error(*run_cli(argv))
    assert time.monotonic() - began < 20
    assert line.startswith(f"segue: error: {path}: ") and expected in line, line
    assert not (tmp_path / "out.mid").exists()


def test_the_good_project_used_above_opens(tmp_path: Path) -> None:
    code, out, err = run_cli(["project", "show", str(write(tmp_path / "p.segue",
                                                          project_data()))])
    assert code == 0 and "1 segments from 'reels-gone', key G, 4/4, 80 BPM" in out, err


@pytest.mark.parametrize("segment_id", [40_000, 2_000_000_000])
def test_a_segment_id_outside_the_collection_never_renders_another_segment(
        tiny_model: Path, tmp_path: Path, segment_id: int) -> None:
    from engine.dshl import api

    collection = api.list_collections()[0]
    data = project_data(collection)
    data["composer"]["chain"]["segments"] = [{"id": segment_id, "tune": "", "position": 0}] * 4
    path = write(tmp_path / "ids.segue", data)
    code, out, err = run_cli(["project", "export", str(path), "--midi", str(tmp_path / "a.mid")])
    assert code == 0 and "Traceback" not in err, err
    assert "no longer in the collection" in err and "from saved notes" in str(
        mido.MidiFile(tmp_path / "a.mid").tracks[0])  # what the project saved, nothing else
    del data["composer"]["chain"]["notes"]
    write(path, data)
    line = one_error(*run_cli(["project", "export", str(path), "--midi",
                               str(tmp_path / "b.mid")]))
    assert f"no segment of the chain is in the collection '{collection}'" in line
    assert not (tmp_path / "b.mid").exists()


# -- item 6: terminal escapes ---------------------------------------------------------------------
HOSTILE_TEXT = "\x1b]0;pwned\x07\x1b[2J\rfake\x9b31m\u202eevil\ud800"


def test_project_show_escapes_control_characters(tmp_path: Path) -> None:
    data = project_data()
    data["composer"]["chain"]["segments"][0]["tune"] = HOSTILE_TEXT
    data["composer"]["chain"]["collection"] = "c\x1b[31m"
    data["lyrics"]["artist_a"] = "a\x07"
    data["lyrics"]["lines"] = [{"artist": "B\x1b[2J", "text": HOSTILE_TEXT}]
    data["lyrics"]["pattern"] = "AB\rAB"
    path = write(tmp_path / "esc\x1b[1m.segue", data)
    code, out, err = run_cli(["project", "show", str(path)])
    assert code == 0, err
    for raw in ("\x1b", "\x07", "\r", "\x9b", "\u202e", "\ud800"):
        assert raw not in out
    assert "\\x1b]0;pwned\\x07\\x1b[2J\\rfake\\x9b31m\\u202eevil\\ud800" in out
    assert "B\\x1b[2J: " in out and "esc\\x1b[1m" in out
    code, out, err = run_cli(["project", "show", str(path), "--json"])
    assert code == 0, err
    assert all(raw not in out for raw in ("\x1b", "\x07", "\r", "\x9b", "\u202e", "\ud800"))
    assert json.loads(out)["lyrics"]["lines"][0]["text"] == HOSTILE_TEXT
