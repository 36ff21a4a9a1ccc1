"""Help > About (version, licence, credits) and Help > Licences (Markdown rendered, not raw)."""

from __future__ import annotations

import re

import engine
from app.dialogs.licences import LicencesDialog
from app.main_window import MainWindow
from engine import paths
from engine.licences import bundled_licences, uncredited_folders
from engine.paths import prepare_home


def open_window(qtbot) -> MainWindow:
    window = MainWindow(prepare_home())
    qtbot.addWidget(window)
    return window


def raw_markup(text: str) -> list[str]:
    """Lines that still show Markdown syntax: headings, table rows or rules, emphasis markers.

    A ``|`` inside text (e.g. the ABC repeat sign ``|:`` in a code span) is content, not markup.
    """
    return [line for line in text.splitlines()
            if line.lstrip().startswith(("#", "|")) or re.search(r"\|\s*:?-{3,}", line)
            or re.match(r"\s*-{3,}\s*$", line) or "**" in line]


def test_about_shows_version_licence_and_credits_for_every_bundled_dataset(qtbot):
    window = open_window(qtbot)
    about = window.show_about()
    qtbot.addWidget(about)
    assert f"Segue {engine.__version__}" in about.heading.text()
    assert "GPL-3.0-or-later" in about.heading.text()
    credits = about.credits.toPlainText()
    for folder in ("nottingham", "models/dshl", "models/lyrics", "lyrics", "audio", "eval/groove",
                   "soundfonts"):
        assert f"assets/{folder}" in credits
    assert "Tim Brechbill" in credits and "Jukedeck" in credits
    assert raw_markup(credits) == []
    licences = about.show_licences()
    qtbot.addWidget(licences)
    assert licences.list.count() == len(bundled_licences())


def test_credits_name_every_asset_folder_that_carries_a_licence():
    assert uncredited_folders() == [], (
        "add a row for these folders to assets/CREDITS.md (Help > About shows it)")


def test_licences_render_markdown_as_formatted_text(qtbot):
    dialog = LicencesDialog()
    qtbot.addWidget(dialog)
    markdown = [item.path.name for item in dialog.licences if item.path.suffix == ".md"]
    assert "ATTRIBUTION.md" in markdown
    for name in markdown:
        assert dialog.select(name)
        shown = dialog.text.toPlainText()
        assert shown.strip(), name
        assert raw_markup(shown) == [], f"{name} shows raw Markdown"
    assert dialog.select("ATTRIBUTION.md")
    assert "Kevin MacLeod" in dialog.text.toPlainText()
    assert dialog.text.document().toHtml().count("<td") > 10  # the attribution table is a table


def test_plain_text_licences_stay_verbatim(qtbot):
    dialog = LicencesDialog()
    qtbot.addWidget(dialog)
    assert dialog.select("LICENSE")
    original = (paths.assets_dir().parent / "LICENSE").read_text(encoding="utf-8")
    assert dialog.text.toPlainText().strip() == original.strip()
