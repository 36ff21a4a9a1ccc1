"""The hostile cases: every ``segue`` entry point against bad files, places, names and numbers.

A case builds its argv from a :class:`World` (real hostile files made by ``corpus.py``) and says
what must happen: ``"error"`` (exit 2, exactly one line ``segue: error: …``, no traceback, no file
changed) or ``"ok"`` (a correct result, checked by the case's own ``check``). A case may carry
``room`` (a known gap, reported as an expected failure with that reason); none does today.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from tests.hostile.corpus import NUMBERS

World = SimpleNamespace  # midi, lyrics, outs (dicts of Path), home, out, good_mid, good_txt


@dataclass
class Case:
    """One hostile input: its id, argv, expected outcome and what it needs."""

    id: str
    argv: Callable[[World], list[str]]
    expect: str = "error"
    needs: tuple[str, ...] = ()  # "dshl": the tiny model in SEGUE_HOME; "read_only": home frozen
    contains: str = ""  # a phrase the error line must hold
    check: Callable[[World, str, str], None] | None = None
    room: str = ""  # "library:<item>" for the library helper's items
    run: bool = True  # False: would hang or exhaust memory until the library item is fixed
    names: Callable[[World], Path] | None = None  # the file the error line must name


MIDI_KINDS = ("missing", "folder", "dev_zero", "fifo", "empty", "garbage", "text", "truncated",
              "huge", "not_utf8_name", "unicode_name_garbage", "newline_name", "long_name",
              "symlink_loop", "dangling_link", "parent_is_file", "abc_as_midi", "zip_as_midi")
LYRIC_KINDS = ("missing", "empty_folder", "dev_zero", "fifo", "empty", "binary_nul", "latin1",
               "broken_utf16", "huge", "controls_only", "one_song", "not_utf8_name_one_song",
               "symlink_loop", "long_name")
RENDER_KINDS = ("missing", "dev_zero", "fifo", "garbage", "truncated", "huge", "not_utf8_name")
OUT_KINDS = ("folder", "device", "parent_is_file", "long_name", "loop")
DUET = ["lyrics", "duet", "robert_burns", "emily_dickinson", "--lines", "2"]


def _midi_cases() -> list[Case]:
    cases = []
    for kind in MIDI_KINDS:
        cases += [
            Case(f"play-{kind}", lambda w, k=kind: ["play", str(w.midi[k])],
                 names=lambda w, k=kind: w.midi[k]),
            Case(f"compose-start-midi-{kind}", lambda w, k=kind: [
                "compose", "--segments", "2", "--start-midi", str(w.midi[k]),
                "--out", str(w.out / "new.mid")], needs=("dshl",), names=lambda w, k=kind: w.midi[k]),
            Case(f"project-show-{kind}", lambda w, k=kind: ["project", "show", str(w.midi[k])],
                 names=lambda w, k=kind: w.midi[k]),
            Case(f"duet-melody-{kind}", lambda w, k=kind: [
                *DUET, "--melody", str(w.midi[k]), "--midi", str(w.out / "sung.mid")],
                names=lambda w, k=kind: w.midi[k]),
        ]
    for kind in RENDER_KINDS:  # the offline renderer and the lead sheet read the same files
        cases += [
            Case(f"render-{kind}", lambda w, k=kind: [
                "render", str(w.midi[k]), "--out", str(w.out / "out.wav")],
                names=lambda w, k=kind: w.midi[k]),
            Case(f"leadsheet-{kind}", lambda w, k=kind: [
                "leadsheet", str(w.midi[k]), "--out", str(w.out / "song.musicxml")],
                names=lambda w, k=kind: w.midi[k]),
        ]
    return cases


def _lyric_cases() -> list[Case]:
    return [Case(f"lyrics-train-{kind}", lambda w, k=kind: [
        "lyrics", "train", "Hostile Band", str(w.lyrics[k]), "--minutes", "0.05"],
        names=None if kind in ("one_song", "not_utf8_name_one_song") else lambda w, k=kind: w.lyrics[k])
        for kind in LYRIC_KINDS]


def _output_cases() -> list[Case]:
    cases = []
    for kind in OUT_KINDS:
        cases += [
            Case(f"compose-out-{kind}", lambda w, k=kind: [
                "compose", "--segments", "2", "--out", str(w.outs[k])], needs=("dshl",),
                names=lambda w, k=kind: w.outs[k].parent),
            Case(f"duet-midi-out-{kind}", lambda w, k=kind: [
                *DUET, "--melody", str(w.good_mid), "--midi", str(w.outs[k])],
                names=lambda w, k=kind: w.outs[k].parent),
        ]
    cases += [
        Case("compose-out-read-only-folder", lambda w: [
            "compose", "--segments", "2", "--out", str(w.frozen / "new.mid")],
            needs=("dshl", "read_only"), contains="read-only"),
        Case("duet-midi-out-read-only-folder", lambda w: [
            *DUET, "--melody", str(w.good_mid), "--midi", str(w.frozen / "sung.mid")],
            needs=("read_only",), contains="read-only"),
    ]
    return cases


def _home_cases() -> list[Case]:
    """Corrupt or read-only things inside SEGUE_HOME."""
    return [
        Case("compose-truncated-collection", lambda w: ["compose", "--collection", "cut",
                                                        "--out", str(w.out / "n.mid")],
             needs=("dshl", "bad_collections"), contains="not a readable collection"),
        Case("compose-tampered-collection", lambda w: ["compose", "--collection", "tampered",
                                                       "--out", str(w.out / "n.mid")],
             needs=("dshl", "bad_collections"), contains="not a readable collection"),
        Case("compose-garbage-model", lambda w: ["compose", "--out", str(w.out / "n.mid")],
             needs=("garbage_dshl_model",), contains="model.pt"),
        Case("duet-corrupt-user-artist", lambda w: ["lyrics", "duet", "broken_band", "burns"],
             needs=("broken_artist",), contains="broken_band"),
        Case("lyrics-train-read-only-home", lambda w: [
            "lyrics", "train", "Hostile Band", str(w.good_txt), "--minutes", "0.05"],
            needs=("read_only_home",), contains="read-only"),
        Case("dshl-import-read-only-home", lambda w: [
            "dshl", "import", str(w.tunes), "--name", "mine"],
            needs=("read_only_home", "dshl"), contains="read-only"),
    ]


def _name_cases() -> list[Case]:
    names = {"empty": "", "blank": "   ", "huge": "x" * 5000, "newline": "Band\nName",
             "collides": "Robert  Burns!"}
    cases = [Case(f"lyrics-train-name-{key}", lambda w, n=name: [
        "lyrics", "train", n, str(w.good_txt), "--minutes", "0.05"],
        needs=("user_burns",) if key == "collides" else ()) for key, name in names.items()]
    for key, name in {"dotdot": "../evil", "bundled": "nottingham", "empty": "", "slash": "a/b",
                      "long": "x" * 100, "unicode": "名前", "newline": "a\nb"}.items():
        cases.append(Case(f"dshl-import-name-{key}", lambda w, n=name: [
            "dshl", "import", str(w.tunes), "--name", n], needs=("dshl",)))
    for kind in ("missing", "dev_zero", "garbage", "long_name"):
        cases.append(Case(f"dshl-import-folder-{kind}", lambda w, k=kind: [
            "dshl", "import", str(w.midi[k]), "--name", "mine"], needs=("dshl",)))
    return cases


def _parser_cases() -> list[Case]:
    argvs = {"bogus-flag": ["--bogus"], "compose-extra": ["compose", "extra"],
             "lyrics-no-action": ["lyrics"], "eval-nothing": ["eval"],
             "compose-bad-mode": ["compose", "--mode", "sideways"],
             "play-port-no-name": ["play", "--port"], "dshl-hops": ["dshl", "train",
                                                                    "--positive-hops", "3"],
             "unknown-command": ["frobnicate"], "compose-bad-key": ["compose", "--key", "H#"],
             "play-no-file": ["play"], "duet-unknown-artist": [*DUET[:2], "nobody", "burns"],
             "compose-unknown-collection": ["compose", "--collection", "nope"]}
    return [Case(f"parser-{key}", lambda w, a=argv: list(a),
                 needs=("dshl",) if key.startswith("compose") else ()) for key, argv in argvs.items()]


# option -> (argv before it, argv after it, low, high, low_open, integer)
NUMERIC_OPTIONS: dict[str, tuple[list[str], list[str], float, float | None, bool, bool]] = {
    "compose --segments": (["compose"], [], 1, 1000, False, True),
    "compose --tempo": (["compose"], [], 20, 400, False, False),
    "compose --reuse-limit": (["compose"], [], 0, 1000, False, True),
    "compose --start": (["compose"], [], 0, None, False, True),
    "compose --seed": (["compose"], [], 0, None, False, True),
    "compose --melody-program": (["compose"], [], 0, 127, False, True),
    "compose --chord-program": (["compose"], [], 0, 127, False, True),
    "dshl train --L": (["dshl", "train"], [], 1, 64, False, True),
    "dshl train --K": (["dshl", "train"], [], 2, 256, False, True),
    "dshl train --alpha": (["dshl", "train"], [], 0, None, False, False),
    "dshl train --hash-epochs": (["dshl", "train"], [], 0, 10_000, False, True),
    "dshl train --threads": (["dshl", "train"], [], 1, 256, False, True),
    "eval dshl --chains": (["eval", "dshl"], [], 1, 100_000, False, True),
    "lyrics train --minutes": (["lyrics", "train", "X", "f.txt"], [], 0, 10080, True, False),
    "lyrics train-bundled --base-minutes": (["lyrics", "train-bundled"], [], 0, 10080, True, False),
    "lyrics train-bundled --artist-lr": (["lyrics", "train-bundled"], [], 0, 10, True, False),
    "lyrics duet --lines": (DUET[:4], [], 1, 1000, False, True),
    "lyrics duet --temperature": (DUET[:4], [], 0, 10, True, False),
    "lyrics duet --temperature-b": (DUET[:4], [], 0, 10, True, False),
    "play --delay": (["play"], ["x.mid"], 0, 3600, False, False),
    "comment --n": (["comment"], [], 1, 1000, False, True),
    "comment --temperature": (["comment"], [], 0, 10, False, False),
    "comment train --minutes": (["comment", "train"], [], 0, 10080, True, False),
    "comment train --epochs": (["comment", "train"], [], 1, 10_000, False, True),
    "play --count-in": (["play"], ["x.mid"], 0, 64, False, True),
    "library scan --workers": (["library", "scan", "."], [], 1, 512, False, True),
    "playlist --length": (["playlist", "--seed", "x"], [], 1, 100_000, False, True),
    "playlist --duration": (["playlist", "--seed", "x"], [], 0, 100_000, True, False),
    "playlist --no-repeat-artist": (["playlist", "--seed", "x"], [], 0, 100_000, False, True),
    "playlist --max-tempo-jump": (["playlist", "--seed", "x"], [], 0, 1000, False, False),
}


def number_is_valid(text: str, low: float, high: float | None, low_open: bool, integer: bool) -> bool:
    """Restate the documented range of an option (independently of engine/argtypes.py)."""
    try:
        value = int(text) if integer else float(text)
    except ValueError:
        return False
    if not math.isfinite(value) or value < low or (low_open and value == low):
        return False
    return high is None or value <= high


def _numeric_cases() -> list[Case]:
    cases = []
    for name, (before, after, low, high, low_open, integer) in NUMERIC_OPTIONS.items():
        option = name.split()[-1]
        for text in NUMBERS:
            if number_is_valid(text, low, high, low_open, integer):
                continue
            cases.append(Case(f"{name.replace(' ', '')}={text or 'empty'}",
                              lambda w, b=before, o=option, t=text, a=after: [*b, f"{o}={t}", *a],
                              contains=f"argument {option}"))
    return cases


def _library_cases() -> list[Case]:
    """The library room's entry points (issue 14's library items)."""
    return [
        Case("library-scan-missing", lambda w: ["library", "scan", str(w.midi["missing"])]),
        Case("library-scan-file", lambda w: ["library", "scan", str(w.good_mid)]),
        Case("library-list-garbage-db", lambda w: ["library", "list"], needs=("garbage_db",),
             contains="library.sqlite: "),
        Case("library-list-truncated-db", lambda w: ["library", "list"], needs=("truncated_db",),
             contains="library.sqlite: "),
        Case("library-import-missing", lambda w: ["library", "import", str(w.midi["missing"])],
             names=lambda w: w.midi["missing"]),
        Case("library-import-folder", lambda w: ["library", "import", str(w.midi["folder"])],
             names=lambda w: w.midi["folder"]),
        Case("library-import-garbage-xspf", lambda w: ["library", "import", str(w.bad_xspf)],
             names=lambda w: w.bad_xspf),
        Case("library-import-dev-zero", lambda w: ["library", "import", "/dev/zero"],
             contains="/dev/zero"),
        Case("library-import-fifo", lambda w: ["library", "import", str(w.midi["fifo"])]),
        Case("playlist-seed-missing", lambda w: ["playlist", "--seed", str(w.midi["missing"])]),
        Case("playlist-out-folder", lambda w: ["playlist", "--seed", "1", "--out",
                                               str(w.outs["folder"])]),
        Case("playlist-read-only-home", lambda w: ["library", "list"],
             needs=("read_only_home",), contains="read-only"),
    ]


def error_cases() -> list[Case]:
    """Every case that must end in one clear error line."""
    return (_midi_cases() + _lyric_cases() + _output_cases() + _home_cases() + _name_cases()
            + _parser_cases() + _numeric_cases() + _library_cases())
