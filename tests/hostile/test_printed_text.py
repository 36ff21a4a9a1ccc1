"""Text from a user's files never reaches the terminal raw (issue 26, item 6)."""

from __future__ import annotations

from engine.printable import one_line, printable, printable_lines

HOSTILE = "tune\x1b]0;owned\x07\x1b[2J\rback\u202eevil\x9b"


def test_printable_escapes_every_control_and_bidi_character() -> None:
    shown = printable(HOSTILE)
    assert shown == "tune\\x1b]0;owned\\x07\\x1b[2J\\rback\\u202eevil\\x9b"
    assert all(ch.isprintable() for ch in shown)
    assert printable("Dans l'été ♪ ütf") == "Dans l'été ♪ ütf"  # ordinary text unchanged


def test_printable_lines_keeps_line_breaks_only() -> None:
    assert printable_lines("one\x1b[2J\ntwo\r") == "one\\x1b[2J\ntwo\\r"


def test_error_lines_escape_controls_but_keep_undecodable_name_bytes() -> None:
    name = b"/music/\xff\x1b[2Jx.mid".decode("utf-8", "surrogateescape")
    line = one_line(f"{name}: not a MIDI file")
    assert "\x1b" not in line and "\\x1b[2J" in line and "\\xff" in line


def test_compose_seed_beyond_what_a_project_holds_is_refused_before_writing(tmp_path) -> None:
    from tests.hostile.test_cli_hostile import run_cli

    out = tmp_path / "t.mid"
    code, _out, err = run_cli(["compose", "--segments", "2", "--seed", str(2**63),
                               "--out", str(out), "--project", str(tmp_path / "t.segue")])
    assert code == 2 and "--seed" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()
