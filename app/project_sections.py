"""The Composer controls' part of a project: widgets to the engine's settings record and back.

One record, :class:`engine.dshl.settings.ComposerSettings`, carries the controls everywhere (the
project file, ``segue compose --project``, the next Compose's request). Kept out of the panel so
that the panel's project methods stay two thin calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.dshl.settings import ComposerSettings

if TYPE_CHECKING:  # pragma: no cover
    from app.widgets.composer_controls import ComposerControls
    from engine.dshl.chain import ChainState


def read_settings(c: ComposerControls) -> ComposerSettings:
    """What the next Compose would use, read from the widgets (no seed is drawn)."""
    return ComposerSettings(
        segments=c.length.value(), seed=c.seed.value(), random_seed=c.random_seed.isChecked(),
        key=c.key.currentText(), meter=c.meter.currentText(),
        tonality=c.tonality.currentText(), tempo=float(c.tempo.value()),
        mode=c.mode.currentData(), reuse_limit=c.reuse_limit.value() or None,
        collection=c.collection.currentText(), melody_program=c.melody_program.currentIndex(),
        chord_program=c.chord_program.currentIndex())


def controls_settings(c: ComposerControls) -> dict[str, Any]:
    """The widgets' settings as the project's plain data."""
    return read_settings(c).to_dict()


def apply_settings(c: ComposerControls, settings: ComposerSettings) -> list[str]:
    """Set the widgets from ``settings``; return warnings for values they cannot show.

    The collection goes first (it lists the meters), then the meter, major/minor (it lists the
    keys) and the key, so ``Em`` in 6/8 shows as such.
    """
    warnings: list[str] = []
    if c.collection.findText(settings.collection) < 0:
        c.collection.addItem(settings.collection)
    c.collection.setCurrentText(settings.collection)
    if c.meter.findText(settings.meter) < 0:
        c.meter.addItem(settings.meter)
    c.meter.setCurrentText(settings.meter)
    c.tonality.setCurrentText(settings.tonality)
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


def apply_controls(c: ComposerControls, settings: ComposerSettings) -> list[str]:
    """Set the widgets from a project's settings (see :func:`apply_settings`)."""
    return apply_settings(c, settings)


def follow_phrase(c: ComposerControls, state: ChainState) -> str:
    """Set the key, meter and tempo widgets to those of the phrase ``state`` continues and
    say so (what changed, what was estimated or moved onto the grid) in one status line."""
    before = read_settings(c)
    req = state.chain.request
    after = before.follow(req.key, req.meter, req.tempo)
    apply_settings(c, after)
    changed = [f"{name} {new} (was {old})" for name, new, old in (
        ("key", after.key, before.key), ("meter", after.meter, before.meter),
        ("tempo", f"{after.tempo:g}", f"{before.tempo:g}")) if new != old]
    blocks = req.phrase_blocks
    text = (f"Composer: continued {req.phrase}: the first {blocks} block"
            f"{'s' * (blocks != 1)} are your phrase, note for note (locked)")
    if state.remarks:
        text += "; " + "; ".join(state.remarks)
    if changed:
        text += "; the panel followed your phrase: " + ", ".join(changed)
    else:
        text += f"; in {after.key}, {after.meter}, {after.tempo:g} BPM like the panel"
    return text + "."
