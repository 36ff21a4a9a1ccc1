"""File > Export lead sheet… in the real window: the words appear once the Lyrics tab is set to
the Composer's chain (a project whose collection is not installed: no model involved)."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.main_window import MainWindow
from engine.lyrics.melody import melody_of_state
from engine.paths import prepare_home
from engine.project.chain import state_from_project
from tests.app.jobwait import wait_job
from tests.engine.music.leadsheet_helpers import LINES, chain_record
from tests.engine.music.test_leadsheet import read_back, words


@pytest.fixture()
def window(qtbot):
    shown = MainWindow(prepare_home())
    qtbot.addWidget(shown)
    library = shown.panel("library_panel")
    library.first_load.stop()  # the Library's first load and demo scan are another test's
    library.demo_timer.stop()
    shown.show()
    qtbot.waitExposed(shown)
    yield shown
    shown.project.discard_and_close()


def test_export_lead_sheet_with_the_duet_set_to_the_chain(window: MainWindow, qtbot,
                                                          tmp_path: Path, monkeypatch) -> None:
    file_menu = window.menuBar().actions()[0].menu()
    assert "Export &lead sheet…" in [a.text() for a in file_menu.actions()]
    composer, lyrics = window.panel("composer_panel"), window.panel("lyrics_panel")
    messages: list[str] = []
    composer.status_message.connect(messages.append)
    assert composer.export_leadsheet() is None and "compose a chain" in messages[-1]
    composer.set_state(state_from_project(chain_record("6/8", blocks=4)))
    lyrics.apply_project_state({"lines": [{"artist": ("Robert Burns", "Emily Dickinson")[k % 2],
                                           "text": text, "voice": k % 2}
                                          for k, text in enumerate(LINES)]})


    monkeypatch.setattr(lyrics, "ask_sung_path", lambda _suggestion: str(tmp_path / "duet.mid"))
    wait_job(qtbot, lyrics.set_to_chain())  # from the Composer panel of this window
    assert lyrics.sung_to == melody_of_state(composer.state).fingerprint()
    assert window.isWindowModified()  # an undoable change of the project

    song = tmp_path / "song.musicxml"
    monkeypatch.setattr(composer, "ask_leadsheet_paths", lambda: (song, None))
    file_menu.actions()[[a.text() for a in file_menu.actions()].index(
        "Export &lead sheet…")].trigger()
    qtbot.waitUntil(lambda: composer.busy is None and "lead sheet written" in messages[-1],
                    timeout=30_000)
    assert str(song) in messages[-1] and "syllables of the duet" in messages[-1]
    back = read_back(song)
    assert words(back["verses"][1] + back["verses"][2]) == " ".join(LINES).split()
    assert back["score"].metadata.composer == "Segue"

    lyrics.undo_stack.undo()  # forget the setting: the next lead sheet has no words again
    plain = tmp_path / "plain.musicxml"
    wait_job(qtbot, composer.export_leadsheet_to(plain))
    assert read_back(plain)["verses"] == {} and "no words" in messages[-1]
