"""Lead sheets: music21 reads back the melody, chord symbols and lyrics; MuseScore engraves a PDF;
the CLI says one line; bad paths and projects without a chain leave no file behind."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from music21 import converter

from engine.errors import UserFacingError
from engine.music.chords import NOTE_NAMES, QUALITIES
from engine.music.leadsheet import (
    KINDS,
    chord_changes,
    chord_symbol,
    find_musescore,
    musicxml_to_pdf,
    write_leadsheet,
)
from engine.music.syllables import lay_syllables
from engine.project.leadsheet import export_project, melody_of_record, sheet_from_project
from tests.conftest import REPO
from tests.engine.music.leadsheet_helpers import LINES, chain_record, project, project_file


def read_back(path: Path) -> dict:
    """What music21 reads in a MusicXML file: notes (ties merged), chords, lyrics by verse."""
    score = converter.parse(str(path))
    flat = score.parts[0].flatten()
    notes = [(float(n.offset), float(n.quarterLength), n.pitch.midi)
             for n in flat.stripTies(matchByPitch=False).getElementsByClass("Note")]
    chords = [(float(c.offset), c.root().name, c.chordKind)
              for c in flat.getElementsByClass("ChordSymbol")]
    verses: dict[int, list[tuple[str, str]]] = {}
    for note in flat.getElementsByClass("Note"):
        for lyric in note.lyrics:
            verses.setdefault(lyric.number, []).append((lyric.text, lyric.syllabic))
    return {"score": score, "flat": flat, "notes": notes, "chords": chords, "verses": verses}


def engine_chord(name: str) -> tuple[str, str]:
    """``"Bbm7"`` → ``("B-", "minor-seventh")``: how music21 names an engine chord."""
    root = max((r for r in NOTE_NAMES if name.startswith(r)), key=len)
    return root.replace("b", "-"), KINDS[name[len(root):]]


def words(syllables: list[tuple[str, str]]) -> list[str]:
    """Join hyphenated syllables back into words (``begin``, ``middle``…, ``end``)."""
    out: list[str] = []
    joining = False
    for text, syllabic in syllables:
        out[-1:] = [out[-1] + text] if joining else [*out[-1:], text]
        joining = syllabic in ("begin", "middle")
    return out


@pytest.mark.parametrize(("meter", "pulse_bpm"), [("4/4", 100), ("3/4", 100), ("6/8", 67)])
def test_music21_reads_back_melody_chords_and_lyrics(tmp_path: Path, meter: str,
                                                     pulse_bpm: int) -> None:
    record = chain_record(meter, blocks=4, key="D", tempo=100.0)
    result, sheet = export_project(project_file(tmp_path, record), tmp_path / "song.musicxml")
    back = read_back(result.musicxml)
    melody = melody_of_record(record)
    assert back["notes"] == [(n.start, n.end - n.start, n.pitch) for n in melody.notes]
    expected = [(at, *engine_chord(name)) for at, name in chord_changes(sheet.chords, 1e9)]
    assert back["chords"] == expected and len(expected) == 8
    setting = lay_syllables(LINES, melody)
    for verse in (1, 2):
        assert back["verses"][verse] == [(s.text, s.syllabic) for s in setting.notes
                                         if s.text and s.verse == verse]
    sung = back["verses"][1] + back["verses"][2]
    assert words(sung) == " ".join(LINES).split()  # hyphens join "new-ly" back into "newly"
    assert ("new", "begin") in sung and ("ly", "end") in sung
    assert result.syllables == setting.syllables and result.verses == 2
    flat = back["flat"]
    assert back["score"].metadata.bestTitle == "song"
    assert flat.getElementsByClass("TimeSignature")[0].ratioString == meter
    assert flat.getElementsByClass("KeySignature")[0].sharps == 2  # D major
    assert flat.getElementsByClass("MetronomeMark")[0].number == pulse_bpm


def test_a_chain_with_your_phrase_and_a_minor_flat_key(tmp_path: Path) -> None:
    record = chain_record("4/4", blocks=3, key="Gm", tempo=132.0, phrase=True)
    result, _sheet = export_project(project_file(tmp_path, record), tmp_path / "phrase.musicxml",
                                    title="My phrase, continued")
    back = read_back(result.musicxml)
    assert back["notes"] == [(n.start, n.end - n.start, n.pitch)
                             for n in melody_of_record(record).notes]
    assert back["score"].metadata.bestTitle == "My phrase, continued"
    assert back["flat"].getElementsByClass("KeySignature")[0].sharps == -2  # G minor
    spelled = {n.pitch.name for n in back["flat"].getElementsByClass("Note")}
    assert "F#" in spelled and "G-" not in spelled  # G minor's leading tone, not G flat


@pytest.mark.parametrize("sung", ["never", "another chain"])
def test_lyrics_only_when_the_duet_was_set_to_this_chain(tmp_path: Path, sung: str) -> None:
    record = chain_record("6/8")
    song = project(record, sung=False)
    if sung == "another chain":
        song.lyrics.sung_to = melody_of_record(chain_record("6/8", blocks=2)).fingerprint()
    sheet = sheet_from_project(song, "song")
    result = write_leadsheet(sheet, tmp_path / "plain.musicxml")
    assert result.syllables == 0 and read_back(result.musicxml)["verses"] == {}


def test_every_engine_chord_quality_is_a_music21_chord_symbol() -> None:
    for quality, kind in KINDS.items():
        for root in ("C", "Eb", "F#", "Bb"):
            symbol = chord_symbol(root + quality)
            assert (symbol.root().name, symbol.chordKind) == (root.replace("b", "-"), kind)
    assert set(KINDS) == set(QUALITIES) and chord_symbol("H7") is None


def test_chord_spans_split_at_blocks_print_once() -> None:
    spans = [(0, 2, "G"), (2, 4, "G"), (4, 6, "G"), (6, 8, "D7"), (9, 10, "D7"), (10, 12, "C")]
    assert chord_changes(spans, 12) == [(0, "G"), (6, "D7"), (9, "D7"), (10, "C")]


def test_an_unwritable_place_is_one_clear_error_and_no_file(tmp_path: Path) -> None:
    sheet = sheet_from_project(project(chain_record()), "song")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(UserFacingError, match="a-file"):
        write_leadsheet(sheet, blocker / "song.musicxml")
    folder = tmp_path / "a-folder"
    folder.mkdir()
    with pytest.raises(UserFacingError, match="is a folder"):
        write_leadsheet(sheet, folder)
    with pytest.raises(UserFacingError, match=r"\.musicxml"):
        write_leadsheet(sheet, tmp_path / "song.mxl")
    if os.geteuid() != 0:  # root writes anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(UserFacingError, match="read-only"):
            write_leadsheet(sheet, locked / "song.musicxml")
        assert list(locked.iterdir()) == []
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file", "a-folder"] + (
        ["locked"] if os.geteuid() != 0 else [])
    assert list(folder.iterdir()) == []


def test_a_project_without_a_chain_is_refused(tmp_path: Path) -> None:
    path = project_file(tmp_path, None, name="empty")
    with pytest.raises(UserFacingError, match=r"empty\.segue: the project has no chain"):
        export_project(path, tmp_path / "song.musicxml")
    assert not (tmp_path / "song.musicxml").exists()


def test_without_musescore_the_pdf_says_how_to_get_it(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-programs-here"))
    assert find_musescore() is None
    sheet = sheet_from_project(project(chain_record()), "song")
    with pytest.raises(UserFacingError, match="apt install musescore3"):
        write_leadsheet(sheet, tmp_path / "song.musicxml", tmp_path / "song.pdf")
    assert (tmp_path / "song.musicxml").is_file() and not (tmp_path / "song.pdf").exists()


@pytest.mark.skipif(find_musescore() is None,
                    reason="MuseScore 3 is not installed (apt install musescore3; make test does)")
def test_musescore_engraves_the_musicxml_as_a_pdf(tmp_path: Path) -> None:
    result, _sheet = export_project(project_file(tmp_path, chain_record("6/8")),
                                    tmp_path / "song.musicxml", tmp_path / "out" / "song.pdf")
    data = result.pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page(?!s)", data)) >= 1
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["song.pdf"]  # no leftovers
    with pytest.raises(UserFacingError, match="MuseScore made no PDF"):
        musicxml_to_pdf(tmp_path / "song.segue", tmp_path / "bad.pdf")  # not MusicXML
    assert not (tmp_path / "bad.pdf").exists()


def segue(*args: str, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "engine.cli", *args], capture_output=True,
                          text=True, timeout=120, cwd=REPO,
                          env={**os.environ, "PYTHONPATH": str(REPO), **env})


def test_cli_writes_a_lead_sheet_or_says_why_not_in_one_line(tmp_path: Path) -> None:
    path = project_file(tmp_path, chain_record("3/4"))
    done = segue("leadsheet", str(path), "--out", str(tmp_path / "song.musicxml"))
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and "3/4" in done.stdout and "syllables" in done.stdout
    assert read_back(tmp_path / "song.musicxml")["verses"]
    empty = project_file(tmp_path, None, name="empty")
    refused = segue("leadsheet", str(empty), "--out", str(tmp_path / "x.musicxml"))
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert "has no chain" in refused.stderr and not (tmp_path / "x.musicxml").exists()
    no_pdf = segue("leadsheet", str(path), "--out", str(tmp_path / "y.musicxml"), "--pdf",
                   str(tmp_path / "y.pdf"), PATH=str(tmp_path / "nothing"))
    assert no_pdf.returncode == 2 and len(no_pdf.stderr.strip().splitlines()) == 1
    assert "apt install musescore3" in no_pdf.stderr


def test_music21_notes_on_import_go_to_the_log_not_the_terminal(tmp_path: Path) -> None:
    """The desktop bundle leaves matplotlib out: music21 then prints a note when imported."""
    path = project_file(tmp_path, chain_record())
    code = ("import importlib.util as u, sys\n"
            "real = u.find_spec\n"
            "u.find_spec = lambda n, *a, **k: None if n.split('.')[0] == 'matplotlib' "
            "else real(n, *a, **k)\n"
            "from engine import cli\n"
            "sys.exit(cli.main(sys.argv[1:]))\n")
    done = subprocess.run([sys.executable, "-c", code, "leadsheet", str(path), "--out",
                           str(tmp_path / "song.musicxml")], capture_output=True, text=True,
                          timeout=120, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)})
    assert done.returncode == 0 and done.stderr == "", done.stderr
    log = (Path(os.environ["SEGUE_HOME"]) / "logs" / "segue.log").read_text()
    assert "optional package matplotlib" in log
