"""The Composer controls' part of a project: widgets to plain settings and back.

Kept out of the panel so that the panel's project methods stay two thin calls.
"""

from __future__ import annotations

from typing import Any

from app.widgets.composer_controls import ComposerControls


def controls_settings(c: ComposerControls) -> dict[str, Any]:
    """What the next Compose would use, read from the widgets (no seed is drawn)."""
    return {"segments": c.length.value(), "seed": c.seed.value(),
            "random_seed": c.random_seed.isChecked(), "key": c.key.currentText(),
            "tempo": float(c.tempo.value()), "mode": c.mode.currentData(),
            "reuse_limit": c.reuse_limit.value() or None,
            "collection": c.collection.currentText(),
            "melody_program": c.melody_program.currentIndex(),
            "chord_program": c.chord_program.currentIndex()}


def apply_controls(c: ComposerControls, settings: Any) -> list[str]:
    """Set the widgets from project ``settings``; return warnings for values they cannot show."""
    warnings: list[str] = []
    c.length.setValue(min(settings.segments, c.length.maximum()))
    if 0 <= settings.seed <= c.seed.maximum():  # a spin box cannot hold a 64-bit seed
        c.seed.setValue(settings.seed)
    else:
        warnings.append(f"Composer: seed {settings.seed} is larger than the Composer can show; "
                        f"the seed stays {c.seed.value()}.")
    c.random_seed.setChecked(settings.random_seed)
    c.tempo.setValue(settings.tempo)
    c.reuse_limit.setValue(min(settings.reuse_limit or 0, c.reuse_limit.maximum()))
    if c.key.findText(settings.key) < 0:
        warnings.append(f"Composer: unknown key '{settings.key}'; the key stays "
                        f"{c.key.currentText()}.")
    else:
        c.key.setCurrentText(settings.key)
    if c.collection.findText(settings.collection) < 0:
        c.collection.addItem(settings.collection)
    c.collection.setCurrentText(settings.collection)
    c.mode.setCurrentIndex(max(0, c.mode.findData(settings.mode)))
    for combo, program, part in ((c.melody_program, settings.melody_program, "melody"),
                                 (c.chord_program, settings.chord_program, "chords")):
        if 0 <= program < combo.count():
            combo.setCurrentIndex(program)
        else:
            warnings.append(f"Composer: {part} instrument {program} is not a General MIDI "
                            "program; kept the current one.")
    for name, spin, value in (("length", c.length, settings.segments),
                              ("tempo", c.tempo, settings.tempo)):
        if spin.value() != value:
            warnings.append(f"Composer: {name} {value:g} is out of range; using "
                            f"{spin.value():g}.")
    return warnings
