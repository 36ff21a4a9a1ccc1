"""Issue 21 (1, 2) in the window: the Composer's settings come back after save → reopen, an older
project opens with its chain's meter and key, and a phrase opened with File > Open… stays the
user's own (note for note), the panel following its key and meter and saying so."""

from __future__ import annotations

import json
from pathlib import Path

from app.main_window import MainWindow
from engine.cli import main
from engine.dshl.settings import ComposerSettings
from engine.project.files import load_project
from tests.app.test_projects import WAIT, windows  # noqa: F401 - the fixture
from tests.engine.dshl.test_settings_and_phrase import ODD, PHRASE, make_phrase


def save_and_reopen(qtbot, windows, window: MainWindow, path: Path) -> MainWindow:  # noqa: F811
    window.project.ask_save_path = lambda: str(path)
    assert window.project.save()
    assert window.close()
    again = windows()
    again.project.ask_open_path = lambda: str(path)
    again.project.open()
    qtbot.waitUntil(lambda: again.project.path == path, timeout=WAIT)
    return again


def test_every_setting_survives_save_and_reopen(qtbot, windows, tmp_path,  # noqa: F811
                                                capsys) -> None:
    window = windows()
    controls = window.panel("composer_panel").controls
    assert controls.apply_settings(ODD) == []
    assert controls.settings() == ODD  # 6/8, Em (minor), and every other field set
    path = tmp_path / "jig.segue"
    again = save_and_reopen(qtbot, windows, window, path)
    assert again.panel("composer_panel").controls.settings() == ODD
    assert load_project(path).composer.settings == ODD
    assert main(["project", "show", str(path), "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)["composer"]["settings"]
    assert ComposerSettings.from_dict(shown) == ODD


def test_an_older_project_opens_with_its_chains_meter_and_key(qtbot, windows,  # noqa: F811
                                                               tmp_path) -> None:
    path = tmp_path / "old.segue"
    path.write_text(json.dumps({
        "format": "segue-project", "format_version": 1, "composer": {
            "settings": {"segments": 8, "seed": 1, "key": "Em", "meter": "4/4", "tempo": 110.0,
                         "collection": "not-installed"},
            "chain": {"collection": "not-installed", "key": "Em", "meter": "6/8",
                      "tempo": 110.0, "segments": [{"id": 3, "tune": "jig"}],
                      "notes": [[0.0, 1.5, 64, 96, "melody"]]}}}))
    window = windows()
    window.project.ask_open_path = lambda: str(path)
    window.project.open()
    qtbot.waitUntil(lambda: window.project.path == path, timeout=WAIT)
    settings = window.panel("composer_panel").controls.settings()
    assert (settings.meter, settings.tonality, settings.key) == ("6/8", "minor", "Em")


def test_a_phrase_in_another_key_is_kept_and_the_panel_follows_it(
        qtbot, windows, tiny_model, tmp_path) -> None:  # noqa: F811
    window = windows()
    composer = window.panel("composer_panel")
    messages: list[str] = []
    composer.status_message.connect(messages.append)
    composer.controls.apply_settings(ComposerSettings(segments=3, key="G", meter="2/4"))
    phrase = make_phrase(tmp_path / "folk.mid")
    window.project.ask_open_path = lambda: str(phrase)
    window.project.open()
    qtbot.waitUntil(lambda: composer.state is not None and composer.busy is None, timeout=WAIT)
    state = composer.state
    assert [it.id for it in state.chain.items] == [-1, -1, *[it.id for it in
                                                           state.chain.items[2:]]]
    assert len(state.chain.items) == 5 and composer.view.blocks[0].title == "your phrase"
    said = next(m for m in messages if "followed your phrase" in m)
    assert "key D (was G)" in said and "meter 4/4 (was 2/4)" in said
    settings = composer.controls.settings()
    assert (settings.key, settings.meter, settings.tempo, settings.segments) == ("D", "4/4",
                                                                                 100.0, 3)
    out = tmp_path / "out.mid"
    from tests.app.jobwait import wait_job
    from tests.engine.dshl.test_settings_and_phrase import melody

    wait_job(qtbot, composer.export_to(out))
    assert melody(out)[:7] == [(p, float(a), float(b)) for p, a, b in PHRASE]
    assert composer.undo_stack.undoText() == "continued folk.mid"  # undoable, not silent
    composer.undo_stack.undo()  # the chain and the panel's key, meter and tempo come back
    undone = composer.controls.settings()
    assert composer.state is None and (undone.key, undone.meter, undone.tempo) == ("G", "2/4",
                                                                                    120.0)
    composer.undo_stack.redo()
    assert composer.state is state and composer.controls.settings().key == "D"
    path = tmp_path / "folk.segue"
    again = save_and_reopen(qtbot, windows, window, path)
    reopened = again.panel("composer_panel")
    assert reopened.state.notes[:7] == state.notes[:7]
    assert reopened.state.chain.request.phrase_blocks == 2
